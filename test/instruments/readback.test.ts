// runtime/instruments/readback.ts: an unmodified compiled model reads back 100% for every s-op at
// every layer from the one that writes it (Counter, sort, hist, and frac_prevs for numerical
// s-ops); zeroing the weights that write one s-op drops that s-op and leaves the s-ops written
// before it at 100%; the program's --set operand matters and is honoured; models whose plan or
// residual names cannot be read are refused in one line.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { hookedCompiled, withParams, type CompiledHookedModel } from "../../runtime/instruments/hookedModel.js";
import {
  cellShare,
  numericalTolerance,
  programOf,
  readback,
  readbackProblem,
  readbackTable,
  uniformInputs,
  type ReadbackResult,
} from "../../runtime/instruments/readback.js";
import { readbackFigure } from "../../runtime/instruments/readbackFigure.js";
import { checkFigure } from "../../runtime/report/figure.js";
import { FIGURE_FORMATS } from "../../runtime/report/render.js";
import { FIGURE_EXTENSIONS } from "../../compiler/cli/commands/readback.js";

interface Case {
  readonly program: string;
  readonly vocab: Atom[];
  readonly maxLen: number;
}

const COUNTER: Case = { program: "counter", vocab: ["a", "b", "c", "d"], maxLen: 6 };
const SORT: Case = { program: "sort", vocab: [1, 2, 3, 4], maxLen: 5 };
const HIST: Case = { program: "hist", vocab: ["a", "b", "c", "d"], maxLen: 5 };
const FRAC: Case = { program: "frac_prevs", vocab: ["h", "e", "l", "o"], maxLen: 5 };

const compiled = new Map<string, CompiledModel>();
function modelOf(c: Case): CompiledModel {
  let m = compiled.get(c.program);
  if (!m) compiled.set(c.program, (m = compileFile(`rasp-programs/${c.program}.rasp`, { vocab: c.vocab, maxLen: c.maxLen })));
  return m;
}

async function readBack(c: Case, hooked: CompiledHookedModel = hookedCompiled(modelOf(c), `${c.program}.json`), samples = 200): Promise<ReadbackResult> {
  const model = modelOf(c);
  return readback(hooked, programOf(model, c.program), uniformInputs(model.vocab, model.maxLen, samples, 7), { sublayers: true });
}

/** Every cell of `sop`'s row from where it is written: its share. */
function row(r: ReadbackResult, sop: string): (number | null)[] {
  const found = r.rows.find((x) => x.sop === sop);
  expect(found, `${sop} is read back`).toBeDefined();
  return found!.cells.map(cellShare);
}

function expectAll100(r: ReadbackResult): void {
  for (const x of r.rows) {
    const written = x.cells.filter((c) => c !== null);
    expect(written.length, x.sop).toBeGreaterThan(0);
    for (const c of written) {
      expect(c!.compared, x.sop).toBeGreaterThan(0);
      expect(c!.matched, `${x.sop}: ${c!.matched}/${c!.compared}`).toBe(c!.compared);
    }
  }
}

/** A copy of `model` whose layer-`l` MLP no longer writes the residual dimensions `dims`. */
function withoutMlpWrites(hooked: CompiledHookedModel, l: number, dims: readonly number[]): CompiledHookedModel {
  const d = hooked.model.residual.length;
  const w2 = Float32Array.from(hooked.params.get(`l${l}.w2`)!);
  const b2 = Float32Array.from(hooked.params.get(`l${l}.b2`)!);
  for (let u = 0; u < w2.length / d; u++) for (const dim of dims) w2[u * d + dim] = 0;
  for (const dim of dims) b2[dim] = 0;
  return withParams(hooked, new Map([[`l${l}.w2`, w2], [`l${l}.b2`, b2]]), `${hooked.label}-cut`);
}

describe("s-op read-back of an unmodified compiled model", () => {
  it("is 100% for every s-op of Counter, from the layer that writes it on", async () => {
    const r = await readBack(COUNTER);
    expect(r.rows.map((x) => x.sop)).toEqual(["indices", "tokens", "bin", "count_a", "out"]);
    expect(r.unchecked).toEqual([]);
    expect(r.inputs).toBe(200);
    expect(r.stages.map((s) => s.name)).toEqual(["embed", "L0 attn", "L0", "L1"]);
    expectAll100(r);
    // count_a is written by layer 0's attention and MLP together: not readable before its MLP.
    expect(row(r, "count_a")).toEqual([null, null, 1, 1]);
    expect(row(r, "out")).toEqual([null, null, null, 1]);
    expect(readbackTable(r)).toContain("| count_a | L0 attn+mlp | – | – | 100 | 100 |");
  });

  it("is 100% for every s-op of sort and of hist", async () => {
    const sort = await readBack(SORT);
    expect(sort.rows.map((x) => x.sop)).toEqual(expect.arrayContaining(["tokens", "indices", "keys", "target_pos", "out"]));
    expectAll100(sort);
    const hist = await readBack(HIST);
    expect(hist.rows.map((x) => x.sop)).toEqual(["tokens", "out"]);
    expectAll100(hist);
  });

  it("is 100% for every s-op of every bundled program (rasp-programs/suggested.json settings, max length at most 6)", async () => {
    const suggested = JSON.parse(fs.readFileSync("rasp-programs/suggested.json", "utf8")) as Record<string, { vocab: Atom[]; maxLen: number }>;
    let compared = 0;
    for (const [file, s] of Object.entries(suggested)) {
      const maxLen = Math.min(s.maxLen, 6);
      const model = compileFile(`rasp-programs/${file}`, { vocab: s.vocab, maxLen });
      const r = await readback(hookedCompiled(model, file), programOf(model, file), uniformInputs(model.vocab, maxLen, 40, 11));
      expect(r.rows.length, file).toBeGreaterThan(0);
      for (const x of r.rows) {
        for (const c of x.cells) {
          if (!c) continue;
          expect(c.matched, `${file}: ${x.sop}`).toBe(c.compared);
          compared += c.compared;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it("is 100% for numerical s-ops (frac_prevs), within half the smallest gap of their values", async () => {
    const r = await readBack(FRAC);
    const out = r.rows.find((x) => x.sop === "out")!;
    expect(out.entry.encoding).toBe("numerical");
    // frac_prevs at length 5: values k/n, the closest two are 1/5 and 1/4.
    expect(out.tolerance).toBeCloseTo((1 / 4 - 1 / 5) / 2, 10);
    expectAll100(r);
  });
});

describe("s-op read-back of a corrupted model", () => {
  it("drops count_a when layer 0's MLP no longer writes it, and keeps the embedded s-ops at 100%", async () => {
    const model = modelOf(COUNTER);
    const countA = model.plan.find((e) => e.sop === "count_a")!;
    const cut = withoutMlpWrites(hookedCompiled(model, "counter.json"), 0, countA.dims);
    const r = await readBack(COUNTER, cut);
    for (const sop of ["indices", "tokens", "bin"]) expect(row(r, sop), sop).toEqual([1, 1, 1, 1]);
    const after = row(r, "count_a");
    expect(after[2]).toBeLessThan(0.5);
    expect(after[3]).toBeLessThan(0.5);
    // out is computed from count_a, so it goes too.
    expect(row(r, "out")[3]).toBeLessThan(0.5);
  });

  it("drops sort's target_pos alone when layer 1's MLP stops writing it; keys and the embeddings stay at 100%", async () => {
    const model = modelOf(SORT);
    const target = model.plan.find((e) => e.sop === "target_pos")!;
    expect(target.layer).toBe(1);
    const cut = withoutMlpWrites(hookedCompiled(model, "sort.json"), 1, target.dims);
    const r = await readBack(SORT, cut);
    for (const x of r.rows) {
      if (x.entry.layer >= target.layer) continue;
      for (const c of x.cells) if (c) expect(c.matched, `${x.sop} stays`).toBe(c.compared);
    }
    const cells = row(r, "target_pos").filter((s) => s !== null);
    expect(cells.length).toBeGreaterThan(0);
    for (const s of cells) expect(s!).toBeLessThan(0.5);
  });
});

describe("the read-back figure", () => {
  it("is one heatmap panel per model on a 0-100 scale, blank before an s-op is written, with every number in its table and the losses in its caption", async () => {
    const model = modelOf(COUNTER);
    const countA = model.plan.find((e) => e.sop === "count_a")!;
    const intact = await readBack(COUNTER, hookedCompiled(model, "counter.json"), 50);
    const cut = await readBack(COUNTER, withoutMlpWrites(hookedCompiled(model, "counter.json"), 0, countA.dims), 50);
    const fig = readbackFigure([intact, cut], { about: "50 uniform inputs", variant: "pos 1" });
    checkFigure(fig);
    expect(fig.id).toBe("readback-pos_1-counter-counter-cut");
    const spec = JSON.stringify(fig.spec);
    expect(spec).toContain('"domain":[0,100]');
    expect(spec).toContain('"counter-cut"');
    // Cells before count_a is written are missing values, not zeros.
    const panel = (fig.spec as unknown as { concat: { data: { values: { r: number; c: number; v: number | null }[] } }[] }).concat[0]!;
    const cell = (r: number, c: number) => panel.data.values.find((x) => x.r === r && x.c === c)!.v;
    expect(cell(3, 0)).toBeNull();
    expect(cell(3, 2)).toBe(100);
    expect(fig.table!.header).toEqual(["model", "s-op", "written", "embed", "L0 attn", "L0", "L1"]);
    expect(fig.table!.rows).toHaveLength(10);
    expect(fig.table!.rows[3]).toEqual(["counter", "count_a", "L0 attn+mlp", "–", "–", 100, 100]);
    expect(fig.caption).toContain("counter: every s-op 100% after L1");
    // The CLI checks -o against the formats writeFigureFile takes before loading the charting stack.
    expect(FIGURE_EXTENSIONS).toEqual([...FIGURE_FORMATS]);
    expect(fig.caption).toMatch(/counter-cut: count_a \d+(\.\d)?% \(commonest misread \d+→/);
  });
});

describe("the program read back", () => {
  it("takes the compile's --set overrides: a model compiled with operand = b reads back only when told so", async () => {
    const model = compileFile("rasp-programs/counter.rasp", { vocab: COUNTER.vocab, maxLen: COUNTER.maxLen, overrides: new Map([["operand", "b"]]) });
    const hooked = hookedCompiled(model, "counter-b.json");
    const inputs = uniformInputs(model.vocab, model.maxLen, 200, 3);
    const wrong = await readback(hooked, programOf(model, "counter-b.json"), inputs);
    expect(row(wrong, "bin")[0]).toBeLessThan(1);
    expect(row(wrong, "tokens")[0]).toBe(1);
    const right = await readback(hooked, programOf(model, "counter-b.json", new Map([["operand", "b"]])), inputs);
    expectAll100(right);
  });

  it("reads against another compiled model of the same layout with --base", async () => {
    const pt = modelOf(COUNTER);
    const ft = compileFile("rasp-programs/counter.rasp", { vocab: COUNTER.vocab, maxLen: COUNTER.maxLen, overrides: new Map([["operand", "b"]]) });
    const inputs = uniformInputs(pt.vocab, pt.maxLen, 200, 4);
    // The O_PT model read as the O_FT program: tokens and indices hold, bin (tokens == "b") does not.
    const r = await readback(hookedCompiled(pt, "pt.json"), programOf(ft, "ft.json", new Map([["operand", "b"]])), inputs, {}, ft);
    expect(row(r, "tokens")[0]).toBe(1);
    expect(row(r, "indices")[0]).toBe(1);
    expect(row(r, "bin")[0]).toBeLessThan(1);
  });
});

describe("models that cannot be read back", () => {
  it("refuses an empty plan, directions not named after the plan's s-ops, and a base of another layout, in one line", async () => {
    const model = modelOf(COUNTER);
    const noPlan: CompiledModel = { ...model, plan: [] };
    expect(readbackProblem(noPlan)).toMatch(/plan is empty/);
    await expect(readback(hookedCompiled(noPlan, "noplan.json"), programOf(model, "x"), [["a"]])).rejects.toThrow(/^noplan: its plan is empty/);
    const renamed: CompiledModel = { ...model, residual: model.residual.map((_, i) => `d${i}`) };
    expect(readbackProblem(renamed)).toMatch(/^residual direction \d+ is named "d\d+", not after the plan's s-op \w+/);
    expect(readbackProblem(model, modelOf(HIST))).toMatch(/read-back needs one layout/);
    for (const p of [readbackProblem(noPlan), readbackProblem(renamed)]) expect(p).not.toContain("\n");
  });

  it("numerical tolerance is half the smallest gap, 0.5 for a single value", () => {
    const entry = { sop: "x", kind: "mlp", layer: 0, encoding: "numerical", values: [0, 1, 0.25, 0.5], dims: [0], source: null } as const;
    expect(numericalTolerance(entry)).toBe(0.125);
    expect(numericalTolerance({ ...entry, values: [3] })).toBe(0.5);
    // 1/3 computed two ways is one value, not a gap of 1e-17.
    expect(numericalTolerance({ ...entry, values: [0, 1 / 3, 2 / 6, 0.1 + 0.2 - 0.3 + 1 / 3] })).toBeCloseTo(1 / 6, 12);
  });
});
