// The compiler's rewrites that go beyond Tracr's blocks: `or` over several key/query s-ops becomes a
// select over tuple s-ops; affine functions of numerical s-ops become linear MLPs; functions of
// means over one selector get their exact (joint) value set. Each is checked against the
// interpreter on every input of a small domain, and by the shape of the model it produces.
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledFile } from "../../compiler/compileFile.js";
import { inferValueSets } from "../../compiler/passes/valueSets.js";
import { raspToGraph } from "../../compiler/passes/raspToGraph.js";
import { RaspError } from "../../compiler/language/diagnostics.js";
import { topologicalOrder, type SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { initTfjs } from "../../runtime/forward/forward.js";
import { createRunner } from "../../runtime/forward/runModel.js";
import { exhaustiveInputs, randomInputs, verifyModel } from "../../runtime/verify.js";
import { makeRng } from "../../runtime/random.js";
import { compileProgram, inline, library, sopOf, type TestProgram } from "../helpers/programs.js";

beforeAll(async () => {
  await initTfjs();
});

function compile(p: TestProgram, vocab: Atom[], maxLen: number, sop = "out"): CompiledFile {
  return compileProgram(p, { vocab, maxLen, sop });
}

async function mismatches(p: TestProgram, vocab: Atom[], maxLen: number, inputs: Iterable<Atom[]>, sopName = "out"): Promise<string[]> {
  const { model, sop } = compile(p, vocab, maxLen, sopName);
  const runner = await createRunner(model);
  try {
    const report = await verifyModel(model, sop, inputs, runner);
    expect(report.total).toBeGreaterThan(0);
    return report.mismatches.map((m) => `${JSON.stringify(m.input)}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}`);
  } finally {
    runner.dispose();
  }
}

describe("or over several key/query s-ops", () => {
  const programs: [string, string][] = [
    ["width of an or over tokens and indices", "out = selector_width(select(tokens, tokens, ==) or select(indices, indices, <));\n"],
    ["mean under an or with a constant query", 'out = numerical(aggregate(select(indices, indices, ==) or select(tokens, "a", ==), numerical(indicator(tokens == "b")), 0));\n'],
    ["negated or inside an and", "out = selector_width(not (select(tokens, tokens, ==) or select(indices, indices, <)) and select(indices, indices, !=));\n"],
    ["an or of ands over three pairs", 'out = selector_width((select(tokens, tokens, ==) and select(indices, indices, <)) or select(tokens, "c", ==) or select(indices, indices + 1, ==));\n'],
    ["categorical copy under an or", "prev = select(indices, indices + 1, ==);\nout = aggregate(prev or (select(indices, indices, ==) and select(tokens, tokens, ==) and select(indices, 0, ==)), tokens);\n"],
  ];
  for (const [name, text] of programs) {
    it(`${name}: every input up to length 5`, async () => {
      expect(await mismatches(inline(text), ["a", "b", "c"], 5, exhaustiveInputs(["a", "b", "c"], 5))).toEqual([]);
    });
  }

  it("costs one head: the tuple s-op is one more residual block, not another attention layer", () => {
    const { model } = compile(inline(programs[0]![1]), ["a", "b", "c"], 5);
    expect(model.layers.flatMap((l) => l.attention)).toHaveLength(1);
    expect(model.plan.map((p) => p.sop)).toContain("(tokens, indices)");
  });

  it("a tuple part that can be None is refused at the selector, with a reason", () => {
    const program = inline("prev = aggregate(select(indices, indices + 1, ==), tokens);\nout = selector_width(select(prev, tokens, ==) or select(indices, indices, <));\n");
    expect(() => compile(program, ["a", "b"], 4)).toThrow(RaspError);
    expect(() => compile(program, ["a", "b"], 4)).toThrow(/can be None; give its aggregate a default/);
  });
});

describe("affine maps of numerical s-ops are linear MLPs", () => {
  const frac = 'prevs = select(indices, indices, <=);\nopens = numerical(aggregate(prevs, numerical(indicator(tokens == "(")), 0));\ncloses = numerical(aggregate(prevs, numerical(indicator(tokens == ")")), 0));\n';

  it("pair_balance takes one layer and a hidden width that does not grow with max length", () => {
    const vocab = ["a", "(", ")"];
    const widths = [10, 40].map((n) => compile(library("pair_balance.rasp"), vocab, n).model.layers.map((l) => l.mlp?.b1.length ?? 0));
    expect(widths[0]).toEqual(widths[1]);
    expect(widths[0]!.length).toBe(1);
  });

  it("sums, differences, scalings and constants: exact on every input", async () => {
    const text = `${frac}out = numerical(2 * opens - closes / 4 + 1 - (-opens));\n`;
    expect(await mismatches(inline(text), ["a", "(", ")"], 6, exhaustiveInputs(["a", "(", ")"], 6))).toEqual([]);
  });

  it("unannotated affine steps stay numerical and carry negative values through", async () => {
    // bal is negative on ")(" prefixes; each step is its own linear MLP, none is discretised.
    const text = `${frac}bal = opens - closes;\nscaled = 3 * bal - (-bal) / 2;\nout = numerical(scaled + 1);\n`;
    const program = inline(text);
    const { model } = compile(program, ["a", "(", ")"], 6);
    // Chains of affine steps fuse into affine maps of the two means: 2 units per input (+1 bias).
    expect(model.plan.filter((p) => p.kind === "mlp").map((p) => p.encoding)).toEqual(["numerical", "numerical", "numerical"]);
    expect(Math.max(...model.layers.map((l) => l.mlp?.b1.length ?? 0))).toBeLessThanOrEqual(8);
    expect(await mismatches(program, ["a", "(", ")"], 6, exhaustiveInputs(["a", "(", ")"], 6))).toEqual([]);
  });

  it("a categorical input joins a numerical one by conversion, and negative values survive", async () => {
    const text = `${frac}out = numerical(opens - tokens_num);\n`.replace("out =", 'tokens_num = numerical(indicator(tokens == "a") * 3);\nout =');
    expect(await mismatches(inline(text), ["a", "(", ")"], 5, exhaustiveInputs(["a", "(", ")"], 5))).toEqual([]);
  });

  it("shuffle_dyck at max length 40 agrees on random and on balanced inputs", async () => {
    const vocab = ["a", "b", "c", "(", ")"];
    const rng = makeRng(11);
    const balanced: Atom[][] = [];
    for (let i = 0; i < 60; i++) {
      const pairs = 1 + rng.int(20);
      const word: Atom[] = [];
      let open = 0;
      let left = pairs;
      while (left > 0 || open > 0) {
        if (left > 0 && (open === 0 || rng.int(2) === 0)) {
          word.push("(");
          open++;
          left--;
        } else {
          word.push(")");
          open--;
        }
      }
      balanced.push(word);
    }
    const inputs = [...balanced, ...randomInputs(vocab, 40, 100, rng)];
    expect(await mismatches(library("shuffle_dyck.rasp"), vocab, 40, inputs)).toEqual([]);
  });
});

describe("joint value sets of means over one selector", () => {
  it("opens - closes takes the values k/n, -n <= k <= n, not the product of both means' sets", () => {
    const sop = sopOf(library("pair_balance.rasp"));
    const graph = raspToGraph(sop, {
      tokens: topologicalOrder(sop).find((n): n is SOp => n.kind === "tokens")!,
      indices: topologicalOrder(sop).find((n): n is SOp => n.kind === "indices")!,
    });
    const maxLen = 12;
    const infos = inferValueSets(graph, { vocab: ["a", "(", ")"], maxLen });
    const values = infos.get(graph.output.id)!.values as number[];
    const exact = new Set<string>();
    for (let n = 1; n <= maxLen; n++) for (let k = -n; k <= n; k++) exact.add((k / n).toFixed(9));
    expect(new Set(values.map((v) => v.toFixed(9)))).toEqual(exact);
  });
});

describe("verify and categorical aggregates of numbers", () => {
  it("leaves out positions where a categorical aggregate would average differing numbers", async () => {
    // Categorical attention copies one value; the interpreter averages numbers (Weiss's rule).
    const { model, sop } = compile(inline("out = aggregate(select(indices, indices, <=), tokens);\n"), [1, 2], 3);
    const runner = await createRunner(model);
    try {
      const report = await verifyModel(model, sop, [[1, 2], [2, 2, 2]], runner);
      expect(report.undefinedPositions).toBe(1);
      expect(report.mismatchCount).toBe(0);
    } finally {
      runner.dispose();
    }
  });

  it("sort is exact at max length 10", async () => {
    expect(await mismatches(library("sort.rasp"), [1, 2, 3, 4], 10, randomInputs([1, 2, 3, 4], 10, 500, makeRng(5)))).toEqual([]);
  });
});

describe("None keys and queries under not", () => {
  // `select` never selects a None key or query, so `not select(...)` selects exactly those: the
  // head needs a None feature, since None has no direction of its own.
  const text = 'prev = aggregate(select(indices, indices + 1, ==), tokens);\nout = selector_width(not select(prev, tokens, ==));\nw2 = selector_width(not select(tokens, prev, ==));\nw3 = selector_width(not select(prev, prev, ==));\na1 = aggregate(not select(prev, tokens, !=) and select(indices, indices, ==), tokens);\n';
  for (const sop of ["out", "w2", "w3", "a1"]) {
    it(`${sop}: every input up to length 5`, async () => {
      expect(await mismatches(inline(text), ["a", "b", "c"], 5, exhaustiveInputs(["a", "b", "c"], 5), sop)).toEqual([]);
    });
  }
});

describe("what the compiler refuses or names apart", () => {
  it("a numerical s-op that can be None is refused at the s-op that lets None in", () => {
    const program = inline('prev = aggregate(select(indices, indices + 1, ==), tokens);\nx = numerical(indicator(prev == "a"));\nout = numerical(aggregate(select(indices, indices, <=), x, 0));\n');
    expect(() => compile(program, ["a", "b"], 4)).toThrow(/'x' is numerical but can be None/);
  });

  it("values that print alike get distinct directions, and a token named BOS is not the BOS direction", async () => {
    const { model } = compileProgram(inline("out = tokens == 1;\n"), { vocab: [1, "1", "BOS", "None"], maxLen: 3, bos: "START" });
    expect(model.residual).toEqual(expect.arrayContaining(["tokens:1", 'tokens:"1"', 'tokens:"BOS"', 'tokens:"None"', "tokens:BOS"]));
    expect(new Set(model.residual).size).toBe(model.residual.length);
  });

  it("a discretising MLP steps only where its function changes", () => {
    const { model } = compile(inline('frac = numerical(aggregate(select(indices, indices, <=), numerical(indicator(tokens == "a")), 0));\nout = frac > 0.5;\n'), ["a", "b"], 40);
    // One step (two ReLUs) and the constant unit, out of ~490 values of frac; plus the BOS cleaner.
    expect(model.layers[0]!.mlp!.b1.length).toBeLessThanOrEqual(4);
  });
});
