// The program generator: what it makes parses, builds and interprets, stays within its size limits,
// reaches every construct the compiler has a block for, and mostly compiles; rendering writes atoms
// RASP can read back. Compile rates are measured over fixed samples, so the bounds below are
// regression limits on the generator, not statistics that could flake.
import { describe, expect, it } from "vitest";
import { fc } from "@fast-check/vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { RaspError, UsageError } from "../../compiler/language/diagnostics.js";
import { GraphEvaluator } from "../../compiler/rasp/evaluate.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { buildProgram, programArbitrary, recipeArbitrary, renderProgram, type GeneratorOptions } from "../../runtime/fuzz/generator.js";
import { readsOf, renderAtom, type GeneratedProgram } from "../../runtime/fuzz/program.js";
import { programRecipe } from "../../runtime/fuzz/run.js";
import { makeRng } from "../../runtime/random.js";
import { randomInputs } from "../../runtime/verify.js";

const SETTINGS: { name: string; opts: GeneratorOptions }[] = [
  { name: "letters", opts: { vocab: ["a", "b", "c"], maxLen: 6 } },
  { name: "small numbers", opts: { vocab: [1, 2, 3, 4], maxLen: 5 } },
  { name: "numbers with 0 (falsy)", opts: { vocab: [0, 1, 2], maxLen: 6 } },
  { name: "letters and numbers", opts: { vocab: ["a", "b", 1, 2], maxLen: 6 } },
];

function load(p: GeneratedProgram): SOp {
  const text = renderProgram(p);
  return outputSOp(loadProgram("gen.rasp", () => text));
}

/** Samples of the arbitrary itself (fast-check's generation, with its bias), seeded. */
function sample(opts: GeneratorOptions, n: number, seed: number): GeneratedProgram[] {
  return fc.sample(programArbitrary(opts), { seed, numRuns: n });
}

function depthOf(p: GeneratedProgram): number {
  const depth = new Map<string, number>();
  let worst = 0;
  for (const s of p.statements) {
    const d = 1 + Math.max(0, ...readsOf(s.expr).map((r) => depth.get(r) ?? 0));
    depth.set(s.name, d);
    worst = Math.max(worst, d);
  }
  return worst;
}

describe("generated programs are real RASP", () => {
  for (const { name, opts } of SETTINGS) {
    it(`${name}: they parse, build and name their statements v1, v2, ..., out`, () => {
      fc.assert(
        fc.property(programArbitrary(opts), (p) => {
          const text = renderProgram(p);
          const lines = text.trim().split("\n");
          expect(lines).toHaveLength(p.statements.length);
          lines.forEach((line, i) => expect(line).toMatch(i === lines.length - 1 ? /^out = .+;$/ : new RegExp(`^v${i + 1} = .+;$`)));
          expect(() => load(p)).not.toThrow();
        }),
        { seed: 1, numRuns: 250 },
      );
    });
  }

  it("the interpreter rarely raises on them (they are well-typed)", () => {
    for (const { name, opts } of SETTINGS) {
      let inputs = 0;
      let raised = 0;
      for (const p of sample(opts, 150, 2)) {
        const evaluator = new GraphEvaluator(load(p));
        for (const input of randomInputs(opts.vocab, opts.maxLen, 20, makeRng(inputs))) {
          inputs++;
          try {
            evaluator.run(input);
          } catch (err) {
            if (!(err instanceof RaspError)) throw err;
            raised++;
          }
        }
      }
      // Measured: 1-3% (an aggregate of differing strings over a selection that picks several keys).
      expect(raised / inputs, name).toBeLessThan(0.06);
    }
  });

  it("they mostly compile: refusals are rare", () => {
    for (const { name, opts } of SETTINGS) {
      const outcomes = { ok: 0, refused: 0, crashed: 0 };
      const programs = sample(opts, 200, 3);
      for (const p of programs) {
        const text = renderProgram(p);
        try {
          compileFile("gen.rasp", { vocab: opts.vocab, maxLen: opts.maxLen, read: () => text });
          outcomes.ok++;
        } catch (err) {
          if (err instanceof RaspError) outcomes.refused++;
          else outcomes.crashed++;
        }
      }
      // Measured: no refusals at all; crashes are compiler bugs (test/fuzz/regressions/), about 0.5%.
      expect(outcomes.refused / programs.length, name).toBeLessThan(0.03);
      expect(outcomes.ok / programs.length, name).toBeGreaterThan(0.95);
    }
  });
});

describe("size controls", () => {
  for (const [maxNodes, maxDepth] of [[1, 1], [3, 2], [5, 3], [14, 6]] as const) {
    it(`at most ${maxNodes} statements and depth ${maxDepth}`, () => {
      fc.assert(
        fc.property(programArbitrary({ vocab: ["a", "b"], maxLen: 4, maxNodes, maxDepth }), (p) => {
          expect(p.statements.length).toBeLessThanOrEqual(maxNodes);
          expect(depthOf(p)).toBeLessThanOrEqual(maxDepth);
        }),
        { seed: 4, numRuns: 300 },
      );
    });
  }

  it("larger limits give larger programs", () => {
    const mean = (maxNodes: number) => {
      const ps = sample({ vocab: ["a", "b"], maxLen: 4, maxNodes }, 300, 5);
      return ps.reduce((a, p) => a + p.statements.length, 0) / ps.length;
    };
    expect(mean(14)).toBeGreaterThan(mean(3) + 1.5);
  });
});

describe("coverage: every construct the compiler has a block for", () => {
  it("appears in a sample of 400 programs", () => {
    const seen = new Set<string>();
    for (const { opts } of SETTINGS.slice(0, 2)) {
      for (const p of sample(opts, 400, 6)) {
        for (const s of p.statements) {
          const e = s.expr;
          seen.add(e.op);
          if (s.numerical) seen.add(`numerical ${e.op}`);
          if (e.op === "binary") seen.add(`${"ref" in e.left && "ref" in e.right ? "sequence map" : "map"} ${e.sym}`);
          if (e.op === "unary") seen.add(e.sym);
          if (e.op === "select") seen.add(`select ${e.cmp}`);
          if (e.op === "aggregate") seen.add(e.default === undefined ? "aggregate without default" : "aggregate with default");
          if (e.op === "selectorOr") {
            const sel = (n: string) => p.statements.find((x) => x.name === n)!.expr;
            const pairs = [sel(e.left), sel(e.right)].map((x) => (x.op === "select" ? JSON.stringify([x.keys, x.queries]) : "?"));
            if (pairs[0] !== pairs[1]) seen.add("or over different s-ops");
          }
          for (const r of readsOf(e)) if (r === "length" || r === "indices" || r === "tokens") seen.add(r);
        }
      }
    }
    const wanted = [
      "tokens", "indices", "length",
      "map +", "map -", "map *", "map /", "map %", "map ==", "map !=", "map <", "map <=", "map >", "map >=",
      "sequence map +", "sequence map -", "sequence map *", "sequence map ==", "sequence map <", "sequence map and", "sequence map or",
      "not", "indicator", "-", "round", "ternary", "inList", "contains", "index",
      "select ==", "select !=", "select <", "select <=", "select >", "select >=", "select always",
      "selectorAnd", "selectorOr", "selectorNot", "or over different s-ops",
      "aggregate without default", "aggregate with default", "numerical aggregate", "selectorWidth", "numerical selectorWidth",
      "numerical unary", "numerical binary",
    ];
    expect(wanted.filter((w) => !seen.has(w))).toEqual([]);
  });
});

describe("seeds and recipes", () => {
  it("program n of a seed is always the same program, and programs differ", () => {
    const gen = { vocab: ["a", "b", "c"], maxLen: 6 };
    const texts = Array.from({ length: 20 }, (_, n) => renderProgram(buildProgram(programRecipe(gen, 7, n), gen)));
    expect(Array.from({ length: 20 }, (_, n) => renderProgram(buildProgram(programRecipe(gen, 7, n), gen)))).toEqual(texts);
    expect(new Set(texts).size).toBeGreaterThan(15);
  });

  it("every recipe builds, even ones no generator made (so shrunk recipes do too)", () => {
    const opts = { vocab: ["x", "y"], maxLen: 3 };
    fc.assert(
      fc.property(recipeArbitrary({ maxNodes: 20 }), (r) => {
        expect(() => load(buildProgram(r, { ...opts, maxNodes: 20 }))).not.toThrow();
      }),
      { seed: 8, numRuns: 300 },
    );
    expect(() => load(buildProgram([], opts))).not.toThrow();
    expect(() => load(buildProgram([[0xffff, 0xffff, 0xffff, 0xffff, 0xffff]], opts))).not.toThrow();
  });
});

describe("rendering", () => {
  it("writes atoms as RASP literals and refuses what RASP cannot write", () => {
    const cases: [Atom, string][] = [[3, "3"], [-2, "-2"], [0.5, "0.5"], [1 / 3, "0.3333333333333333"], ["ab", '"ab"'], [true, "True"], [false, "False"], [null, "None"]];
    for (const [a, text] of cases) expect(renderAtom(a)).toBe(text);
    for (const bad of ['a"b', "a\nb", 1e21, 1e-7]) expect(() => renderAtom(bad)).toThrow(UsageError);
  });

  it("a negative constant reads back as the same number", () => {
    const p: GeneratedProgram = { statements: [{ name: "out", expr: { op: "binary", sym: "-", left: { ref: "indices" }, right: { atom: -1 } } }] };
    expect(renderProgram(p)).toBe("out = indices - (-1);\n");
    const evaluator = new GraphEvaluator(load(p));
    expect(evaluator.run(["a", "b"]).get(evaluator.root.id)).toEqual([1, 2]);
  });
});
