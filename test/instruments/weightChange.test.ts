// runtime/instruments/weightChange.ts: a model against itself changes nothing; a hand-edited copy
// names exactly the edited matrix and residual direction; the per-direction norms add up (in
// squares) to the whole change outside b1; models of another geometry or residual layout are refused.
import { beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { hookedCompiled, withParams, type HookedModel } from "../../runtime/instruments/hookedModel.js";
import { directionMatrices, residualAxis, topDirections, weightChange } from "../../runtime/instruments/weightChange.js";
import { makeRng } from "../../runtime/random.js";
import { gaussian } from "../../runtime/train/params.js";
import { COUNTER_VOCAB } from "../../runtime/tasks/data.js";

let pt: HookedModel;

beforeAll(() => {
  pt = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: 10 }), "pt.json", "pt");
});

/** pt with `edit` applied to a copy of parameter `name` ([rows, cols] given). */
function edited(name: string, edit: (t: Float32Array, rows: number, cols: number) => void): HookedModel {
  const spec = pt.description.params.find((p) => p.name === name)!;
  const t = pt.params.get(name)!.slice();
  edit(t, spec.shape[0]!, spec.shape[1] ?? 1);
  return withParams(pt, new Map([[name, t]]), `edited-${name}`);
}

describe("weightChange", () => {
  it("of a model with itself is all zeros", () => {
    const w = weightChange(pt, pt);
    expect(w.matrices.every((m) => m.delta === 0 && m.changed === 0 && m.maxAbs === 0)).toBe(true);
    expect(w.directions.every((d) => d.total === 0 && d.byMatrix.every((v) => v === 0))).toBe(true);
    expect(topDirections(w, 10)).toEqual([]);
    expect(w.matrices.find((m) => m.name === "l0.w1")!.base).toBeGreaterThan(0);
  });

  it("names exactly the edited matrix and the direction of the edited row (a matrix that reads the stream)", () => {
    const dim = pt.model.residual.indexOf("tokens:b");
    const m = edited("l0.wq", (t, _rows, cols) => {
      for (let j = 0; j < cols; j++) t[dim * cols + j]! += 0.5;
    });
    const w = weightChange(pt, m);
    expect(w.matrices.filter((x) => x.delta > 0).map((x) => x.name)).toEqual(["l0.wq"]);
    const changedMatrix = w.matrices.find((x) => x.name === "l0.wq")!;
    expect(changedMatrix.changed).toBe(3);
    expect(changedMatrix.delta).toBeCloseTo(Math.sqrt(3 * 0.25), 5);
    const top = topDirections(w, 5);
    expect(top.map((d) => d.name)).toEqual(["tokens:b"]);
    expect(directionMatrices(w, top[0]!).map(([name]) => name)).toEqual(["l0.wq"]);
  });

  it("names the column's direction for matrices that write the stream (wo, tok) and the entry's for b2", () => {
    const out3 = pt.model.residual.indexOf("out:3");
    const w = weightChange(pt, edited("l1.wo", (t, rows, cols) => {
      for (let i = 0; i < rows; i++) t[i * cols + out3]! -= 0.25;
    }));
    expect(topDirections(w, 5).map((d) => d.name)).toEqual(["out:3"]);
    const one = pt.model.residual.indexOf("one");
    expect(topDirections(weightChange(pt, edited("tok", (t, _rows, cols) => void (t[2 * cols + one]! += 1))), 5).map((d) => d.name)).toEqual(["one"]);
    const bin = pt.model.residual.indexOf("bin:True");
    expect(topDirections(weightChange(pt, edited("l0.b2", (t) => void (t[bin]! += 1))), 5).map((d) => d.name)).toEqual(["bin:True"]);
  });

  it("a change to b1 (no residual axis) shows in its matrix and in no direction", () => {
    const w = weightChange(pt, edited("l0.b1", (t) => void (t[0]! += 1)));
    expect(w.matrices.find((m) => m.name === "l0.b1")!.delta).toBe(1);
    expect(topDirections(w, 5)).toEqual([]);
  });

  it("direction norms add up in squares to the whole change outside b1", () => {
    const rng = makeRng(3);
    const noisy = withParams(pt, new Map([...pt.params].map(([n, t]) => [n, t.map((v) => v + 0.01 * gaussian(rng))])), "noisy");
    const w = weightChange(pt, noisy);
    const bySquares = w.directions.reduce((s, d) => s + d.total ** 2, 0);
    const matrices = w.matrices.filter((m) => residualAxis(m.name) !== null).reduce((s, m) => s + m.delta ** 2, 0);
    expect(bySquares).toBeCloseTo(matrices, 8);
    expect(w.matrixNames).not.toContain("l0.b1");
  });

  it("refuses models of another geometry or another residual layout", () => {
    const short = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: 6 }), "short.json", "short");
    expect(() => weightChange(pt, short)).toThrow(/^a weight-change map needs two models of one geometry, and .* in pt but .* in short$/);
    const renamed = { ...pt, label: "renamed", model: { ...pt.model, residual: pt.model.residual.map((n, i) => (i === 5 ? "other" : n)) } };
    expect(() => weightChange(pt, renamed)).toThrow(/dimension 5 is "indices:3" in pt but "other" in renamed/);
  });
});
