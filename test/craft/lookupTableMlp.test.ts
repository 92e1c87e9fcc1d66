// The lookupTableMlp construction (compiler/craft/lookupTableMlp.ts) against the function it claims to compute;
// see helpers.ts for how blocks are evaluated.
import { describe, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { lookupTableMlp } from "../../compiler/craft/lookupTableMlp.js";
import { type Atom } from "../../compiler/rasp/values.js";
import { runMlp, resid, categorical, numerical, oneHot, expectHolds } from "./helpers.js";

describe("lookupTableMlp", () => {
  it("maps every value of one categorical input, and None to nothing", () => {
    const input = categorical("tokens", ["a", "b", "c", true]);
    const out = categorical("out", ["x", "y"]);
    const f = (t: Atom): Atom | undefined => (t === "a" ? "x" : t === "b" ? "y" : t === "c" ? null : undefined);
    const spec = lookupTableMlp("out", [input], out, f);
    for (const t of input.values) expectHolds(runMlp(spec, resid(oneHot(input, t))), out, f(t));
    expectHolds(runMlp(spec, resid({})), out, null);
  });

  it("writes numerical outputs, negative ones included", () => {
    const input = categorical("tokens", [1, 2, 3, 4]);
    const out = numerical("out");
    const spec = lookupTableMlp("out", [input], out, (t) => (t as number) - 3);
    for (const t of [1, 2, 3, 4]) expectHolds(runMlp(spec, resid(oneHot(input, t))), out, t - 3, 0);
  });

  // Random tables over one to three inputs: each unit must fire for its combination only, so
  // every combination, and every combination with one input None, is checked.
  const tables = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
    .chain((sizes) => {
      const combos = sizes.reduce((a, b) => a * b, 1);
      return fc.record({
        sizes: fc.constant(sizes),
        table: fc.array(fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }), { minLength: combos, maxLength: combos }),
        numericalOut: fc.boolean(),
      });
    });
  test.prop([tables], { seed: 1101, numRuns: 60 })("several inputs: every combination of values, categorical or numerical out", ({ sizes, table, numericalOut }) => {
    const inputs = sizes.map((n, i) => categorical(`in${i}`, Array.from({ length: n }, (_, v) => v * 10 + i)));
    const index = (xs: Atom[]): number => xs.reduce<number>((acc, x, i) => acc * sizes[i]! + Math.floor((x as number) / 10), 0);
    const f = (...xs: Atom[]): Atom | undefined => table[index(xs)];
    const outValues = [...new Set(table.filter((y): y is number => y !== undefined))].sort((a, b) => a - b);
    const out = numericalOut ? numerical("out") : categorical("out", outValues);
    const spec = lookupTableMlp("out", inputs, out, f);
    const walk = (j: number, picked: Atom[]): void => {
      if (j === inputs.length) {
        const x = resid(Object.assign({}, ...picked.map((v, i) => oneHot(inputs[i]!, v))) as Record<string, number>);
        expectHolds(runMlp(spec, x), out, f(...picked), 0);
        // The same combination with input 0 missing (None) fires no unit.
        const partial = resid(Object.assign({}, ...picked.slice(1).map((v, i) => oneHot(inputs[i + 1]!, v))) as Record<string, number>);
        expectHolds(runMlp(spec, partial), out, null, 0);
        return;
      }
      for (const v of inputs[j]!.values) walk(j + 1, [...picked, v]);
    };
    walk(0, []);
  });
});
