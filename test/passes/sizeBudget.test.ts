// The compiler's limits: a 10,000-statement chain compiles without exhausting the stack, the size
// budget is exact (it equals the parameters of the built model) and refuses before any weight is
// built, and a coldness that would overflow float32 is refused.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import type { CompileOptions } from "../../compiler/options.js";
import { DEFAULT_MAX_PARAMS } from "../../compiler/passes/sizeBudget.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { modelStats } from "../../compiler/model/stats.js";
import { GraphEvaluator } from "../../compiler/rasp/evaluate.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { decodeOutputs } from "../../runtime/forward/outputs.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { makeTokenizer } from "../../runtime/forward/tokenize.js";
import { compileProgram, inline, library, PROGRAMS, type TestProgram } from "../helpers/programs.js";

const suggested = JSON.parse(fs.readFileSync(path.join(PROGRAMS, "suggested.json"), "utf8")) as Record<string, { vocab: Atom[]; maxLen: number }>;

const compile = (p: TestProgram, opts: CompileOptions) => compileProgram(p, opts).model;

function chain(n: number, line: (i: number) => string): string {
  const lines = ["x0 = tokens;"];
  for (let i = 1; i < n; i++) lines.push(line(i));
  lines.push(`out = x${n - 1};`);
  return lines.join("\n") + "\n";
}

describe("a 10,000-statement chain", () => {
  it("compiles (the fused maps are one loop, not 10,000 nested calls) and computes what the interpreter does", () => {
    const { model, sop } = compileProgram(inline(chain(10_000, (i) => `x${i} = (x${i - 1} + ${i % 2 === 0 ? 1 : 2}) % 3;`)), { vocab: [0, 1, 2], maxLen: 3 });
    const evaluator = new GraphEvaluator(sop);
    const tok = makeTokenizer(model);
    for (const input of [[0, 1, 2], [2, 2], [1]] as Atom[][]) {
      expect(decodeOutputs(model, referenceForward(model, [tok.encode(input, "t")]))[0]).toEqual(evaluator.run(input).get(sop.id));
    }
  });
});

describe("the size budget", () => {
  it("counts exactly the parameters assembly builds, on every shipped program", () => {
    for (const [file, { vocab, maxLen }] of Object.entries(suggested)) {
      const program = library(file);
      const model = compile(program, { vocab, maxLen });
      const params = modelStats(model).params;
      // One below the exact count is refused, the exact count is allowed.
      expect(() => compile(program, { vocab, maxLen, maxParams: params - 1 }), file).toThrow(`parameters`);
      expect(modelStats(compile(program, { vocab, maxLen, maxParams: params })).params).toBe(params);
    }
  });

  it("refuses a long attention chain before building its weights, naming the size and the option", () => {
    const program = inline(chain(2_000, (i) => `x${i} = aggregate(select(indices, indices, ==), x${i - 1});`));
    let caught: unknown;
    const layers: number[] = [];
    try {
      compile(program, { vocab: [1, 2], maxLen: 3, onProgress: (done) => layers.push(done) });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(
      `the compiled model would have 96,111,990 parameters (1,999 layers, d_model 4,005), over the budget of ${DEFAULT_MAX_PARAMS.toLocaleString("en-US")}; raise it with --max-params if you mean it`,
    );
    expect(layers).toEqual([]);
  });

  it("reports progress layer by layer when the weights are built", () => {
    const program = inline(chain(6, (i) => `x${i} = aggregate(select(indices, indices, ==), x${i - 1});`));
    const seen: [number, number][] = [];
    compile(program, { vocab: [1, 2], maxLen: 3, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual([[1, 5], [2, 5], [3, 5], [4, 5], [5, 5]]);
  });

  it("rejects a budget that is not a positive integer", () => {
    expect(() => compile(inline("out = tokens;\n"), { vocab: [1], maxLen: 2, maxParams: 0 })).toThrow("maxParams must be a positive integer, got 0");
  });
});

describe("coldness", () => {
  it("refuses a coldness that overflows float32", () => {
    const program = inline("out = aggregate(select(indices, indices, ==), tokens);\n");
    expect(() => compile(program, { vocab: [1, 2], maxLen: 3, coldness: 1e308 })).toThrow("coldness must be at most 1,000,000 (larger scores overflow float32), got 1e+308");
    expect(modelStats(compile(program, { vocab: [1, 2], maxLen: 3, coldness: 1e6 })).layers).toBe(1);
  });
});
