// runtime/instruments/prune.ts: Algorithm 3's saliency equals a direct finite-difference estimate
// of each weight's (and each neuron's) first-order loss change, on a float64 graph of a small
// noisy compiled model; zeroing the weights that write count_a (found by residual direction name)
// destroys the compiled Counter model's count; a K beyond the eligible weights is refused.
import { beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { hookedCompiled, withParams, type HookedModel } from "../../runtime/instruments/hookedModel.js";
import { labTaskOfSpec } from "../../runtime/instruments/labTask.js";
import {
  axisLabels,
  describeUnit,
  eligibleParams,
  LossGradient,
  pruneBatch,
  pruned,
  rankUnits,
  saliencyRanking,
  scoreModel,
  unitCount,
  unitOutput,
  zeroUnits,
  type PruneUnit,
} from "../../runtime/instruments/prune.js";
import { makeRng } from "../../runtime/random.js";
import { COUNTER_VOCAB, DEFAULT_SPECS, makeNaturalDataset, type TaskSpec } from "../../runtime/tasks/data.js";
import { gaussian } from "../../runtime/train/params.js";

describe("saliency against finite differences (float64, a small noisy compiled Counter)", () => {
  const spec: TaskSpec = { task: "counter", oPt: "a", oFt: "b", q: 1, length: 3 };
  let m: HookedModel;
  let lg: LossGradient;
  /** The same loss without gradient outputs, for the finite differences. */
  let lossOnly: LossGradient;

  beforeAll(async () => {
    const compiled = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: 3 }), "counter.json");
    // Noise makes every weight non-zero and the loss non-trivial, as after fine-tuning.
    const rng = makeRng(7);
    const noisy = new Map([...compiled.params].map(([n, t]) => [n, t.map((v) => v + 0.3 * gaussian(rng))]));
    m = withParams(compiled, noisy, "noisy");
    const batch = pruneBatch(m, makeNaturalDataset(spec, 24, makeRng(8)));
    lg = await LossGradient.open(m, batch, m.description.params.map((s) => s.name), "float64");
    lossOnly = await LossGradient.open(m, batch, [], "float64");
  });

  /** (L(θ + h·u) − L(θ − h·u)) / 2h for the direction u = the unit's weights: the first-order loss change of scaling the unit, the negative of zeroing it. */
  async function finiteDifference(units: readonly PruneUnit[], granularity: "weight" | "neuron", h = 1e-5): Promise<number[]> {
    const out: number[] = [];
    for (const u of units) {
      const shape = m.description.params.find((s) => s.name === u.param)!.shape;
      const scaled = (f: number) => {
        const t = Float64Array.from(m.params.get(u.param)!);
        if (granularity === "weight") t[u.index] = t[u.index]! * f;
        else for (let r = 0; r < shape[0]!; r++) t[r * shape[1]! + u.index] = t[r * shape[1]! + u.index]! * f;
        return new Map([[u.param, t]]);
      };
      const up = (await lossOnly.evaluate(scaled(1 + h))).loss;
      const down = (await lossOnly.evaluate(scaled(1 - h))).loss;
      out.push((up - down) / (2 * h));
    }
    return out;
  }

  it("ranks every weight by grad·weight, equal to its finite-difference loss change, largest first", async () => {
    const names = eligibleParams(m, "weight", null);
    const { loss, grads } = await lg.evaluate();
    expect(loss).toBeGreaterThan(0.1);
    const ranking = rankUnits(m, names, grads, "weight");
    expect(ranking.length).toBe(unitCount(m, names, "weight"));
    // Every weight's value, and the order of the whole ranking.
    const fd = await finiteDifference(ranking, "weight");
    let worst = 0;
    ranking.forEach((u, i) => (worst = Math.max(worst, Math.abs(u.score - fd[i]!) / (1e-3 + Math.abs(fd[i]!)))));
    expect(worst).toBeLessThan(1e-4);
    expect(Math.abs(ranking[0]!.score)).toBeGreaterThan(1e-3);
    const byFd = ranking.map((u, i) => ({ u, fd: fd[i]! })).sort((a, b) => b.fd - a.fd);
    const top = 25;
    expect(byFd.slice(0, top).map((x) => `${x.u.param}:${x.u.index}`)).toEqual(ranking.slice(0, top).map((u) => `${u.param}:${u.index}`));
    // Signed, not absolute: the bottom of the ranking is negative (zeroing those raises the loss).
    expect(ranking.at(-1)!.score).toBeLessThan(0);
    expect(fd.at(-1)!).toBeLessThan(0);
  });

  it("scores a neuron (a column of a matrix) by the summed saliency of its weights, its own finite-difference change", async () => {
    const names = eligibleParams(m, "neuron", ["l*.w1", "l*.w2", "unembed"]);
    expect(names).toEqual(["l0.w1", "l0.w2", "unembed"]);
    const { grads } = await lg.evaluate();
    const ranking = rankUnits(m, names, grads, "neuron");
    expect(ranking.length).toBe(unitCount(m, names, "neuron"));
    const fd = await finiteDifference(ranking, "neuron");
    ranking.forEach((u, i) => expect(Math.abs(u.score - fd[i]!)).toBeLessThan(1e-4 * (1e-3 + Math.abs(fd[i]!))));
    expect([...fd].sort((a, b) => b - a)).toEqual(fd);
  });

  it("float32 ranks the top weights as float64 does", async () => {
    const batch = pruneBatch(m, makeNaturalDataset(spec, 24, makeRng(8)));
    const names = eligibleParams(m, "weight", null);
    const r32 = await saliencyRanking(m, batch, names, "weight", "float32");
    const r64 = await saliencyRanking(m, batch, names, "weight", "float64");
    expect(r32.units.slice(0, 5).map((u) => `${u.param}:${u.index}`)).toEqual(r64.units.slice(0, 5).map((u) => `${u.param}:${u.index}`));
    expect(r32.loss).toBeCloseTo(r64.loss, 4);
  });

  it("zeroes exactly the chosen entries, or whole columns for neurons", () => {
    const w = m.params.get("l0.w1")!;
    const cols = m.description.params.find((s) => s.name === "l0.w1")!.shape[1]!;
    const one = zeroUnits(m, [{ param: "l0.w1", index: 5, score: 0 }], "weight").get("l0.w1")!;
    expect([...one].filter((v, i) => v !== w[i]).length).toBe(1);
    expect(one[5]).toBe(0);
    const col = zeroUnits(m, [{ param: "l0.w1", index: 2, score: 0 }], "neuron").get("l0.w1")!;
    col.forEach((v, i) => expect(v).toBe(i % cols === 2 ? 0 : w[i]));
  });
});

describe("pruning the compiled Counter model", () => {
  let m: HookedModel;
  const spec = DEFAULT_SPECS.counter;

  beforeAll(() => {
    m = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: spec.length }), "counter.json");
  });

  it("names weights by residual direction, and zeroing those that write count_a destroys the count", async () => {
    const lab = labTaskOfSpec(spec, 300, 0);
    const before = await scoreModel(m, lab.spec, lab.tests);
    expect(before.acc.ptC0).toBe(1);
    expect(before.acc.ptC1).toBe(1);
    const labels = axisLabels(m);
    const names = eligibleParams(m, "weight", null);
    const { grads } = await (await LossGradient.open(m, pruneBatch(m, lab.tests.c0.slice(0, 8)), names)).evaluate();
    const writers = rankUnits(m, names, grads, "weight").filter((u) => unitOutput(labels, m, u, "weight").startsWith("count_a:") && m.params.get(u.param)![u.index] !== 0);
    // The count is written by layer 0's MLP into the count_a directions (its b2 there is zero).
    expect(new Set(writers.map((u) => u.param))).toEqual(new Set(["l0.w2"]));
    expect(writers.length).toBeGreaterThan(10);
    expect(describeUnit(labels, m, writers.find((u) => u.param === "l0.w2")!, "weight")).toMatch(/^l0\.w2\[hidden \d+ \(count_a\) → count_a:\d+\]$/);
    const after = await scoreModel(withParams(m, zeroUnits(m, writers, "weight")), lab.spec, lab.tests);
    const bestConstant = Math.max(...lab.baselines.filter((b) => b.name.startsWith("always")).map((b) => b.acc.ptC0));
    expect(after.acc.ptC0).toBeLessThanOrEqual(bestConstant);
    expect(after.acc.ptC1).toBeLessThanOrEqual(Math.max(...lab.baselines.filter((b) => b.name.startsWith("always")).map((b) => b.acc.ptC1)));
    // What is left predicts one class: the count is gone, not blurred.
    expect(Object.keys(after.predicted.c0).length).toBe(1);
  });

  it("refuses K beyond the eligible weights, naming the count", async () => {
    const names = eligibleParams(m, "weight", ["l1.wq"]);
    const n = unitCount(m, names, "weight");
    const lab = labTaskOfSpec(spec, 10, 0);
    const ranking = await saliencyRanking(m, pruneBatch(m, lab.tests.c0), names, "weight");
    expect(ranking.units.length).toBe(n);
    expect(() => pruned(m, ranking, n)).not.toThrow();
    expect(() => pruned(m, ranking, n + 1)).toThrow(UsageError);
    expect(() => pruned(m, ranking, n + 1)).toThrow(new RegExp(`has ${n} eligible`));
  });

  it("refuses unknown tensors with the list, and a vector at neuron granularity", () => {
    expect(() => eligibleParams(m, "weight", ["l0.w3"])).toThrow(/--params l0.w3: no such tensor in counter \(did you mean l0\.w.\?\); its tensors are tok, pos, l0.wq/);
    expect(() => eligibleParams(m, "neuron", ["l0.b1"])).toThrow(/l0.b1: a vector; neurons are columns of matrices/);
    expect(() => eligibleParams(m, "weight", ["l0.w1"], ["l0.*"])).toThrow(/no tensor .* is left to prune/);
    expect(eligibleParams(m, "weight", null, ["tok", "pos", "unembed"])).not.toContain("tok");
  });
});
