// The discretisingMlp construction (compiler/craft/discretisingMlp.ts) against the function it claims to compute;
// see helpers.ts for how blocks are evaluated.
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { discretisingMlp } from "../../compiler/craft/discretisingMlp.js";
import { BlockError } from "../../compiler/craft/residual.js";
import { type Atom } from "../../compiler/rasp/values.js";
import { runMlp, resid, categorical, numerical, expectHolds } from "./helpers.js";

describe("discretisingMlp", () => {
  /** Distinct, well separated values (multiples of 1/den), with an output for each. */
  const valueSets = fc.record({
    ints: fc.uniqueArray(fc.integer({ min: -400, max: 400 }), { minLength: 1, maxLength: 25 }),
    den: fc.constantFrom(1, 3, 7, 40),
    band: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
    outs: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 25, maxLength: 25 }),
    numericalOut: fc.boolean(),
  });
  const setup = ({ ints, den, band, outs, numericalOut }: { ints: number[]; den: number; band: number; outs: number[]; numericalOut: boolean }) => {
    const xs = ints.map((i) => i / den).sort((a, b) => a - b);
    const fx = new Map(xs.map((x, i) => [x, outs[i]!]));
    const f = (x: Atom): Atom | undefined => fx.get(x as number);
    const out = numericalOut ? numerical("out") : categorical("out", [...new Set(outs)].sort((a, b) => a - b));
    // Input values are given unsorted: the block must sort them itself.
    const spec = discretisingMlp("out", numerical("x", [...xs].reverse()), out, f, band);
    return { xs, f, out, spec };
  };

  test.prop([valueSets], { seed: 2202, numRuns: 100 })("maps every value of the input set to f(value)", (c) => {
    const { xs, f, out, spec } = setup(c);
    for (const x of xs) expectHolds(runMlp(spec, resid({ x })), out, f(x), 1e-7);
  });

  test.prop([valueSets, fc.double({ min: -0.999, max: 0.999, noNaN: true }), fc.nat()], { seed: 2203, numRuns: 200 })(
    "still decodes an input moved by less than (1 - band)/2 of the gap to its neighbour",
    (c, r, pick) => {
      const { xs, f, out, spec } = setup(c);
      const i = pick % xs.length;
      // Beyond the smallest or largest value there is no neighbour: any distance decodes.
      const gap = r < 0 ? (i > 0 ? xs[i]! - xs[i - 1]! : 1000) : i < xs.length - 1 ? xs[i + 1]! - xs[i]! : 1000;
      const x = xs[i]! + r * ((1 - c.band) / 2) * gap;
      expectHolds(runMlp(spec, resid({ x })), out, f(xs[i]!), 1e-6);
    },
  );

  // 1/2 - 1/3 is what pair_balance's opens - closes gives for 3/6 - 2/6; it misses 1/6 in the last bit.
  const near = 1 / 2 - 1 / 3;

  it("merges values equal up to rounding (1/2 - 1/3 and 1/6) into one", () => {
    expect(near).not.toBe(1 / 6);
    const out = categorical("out", ["low", "high"]);
    const f = (x: Atom): Atom | undefined => ((x as number) < 0.3 ? "low" : "high");
    const merged = discretisingMlp("out", numerical("x", [near, 1 / 6, 0.5, 1]), out, f);
    const apart = discretisingMlp("out", numerical("x", [1 / 6, 0.5, 1]), out, f);
    // A step between the two would need a ramp narrower than their last-bit difference.
    expect(merged.hidden).toBe(apart.hidden);
    for (const x of [near, 1 / 6]) expectHolds(runMlp(merged, resid({ x })), out, "low");
    for (const x of [0.5, 1]) expectHolds(runMlp(merged, resid({ x })), out, "high");
  });

  it("takes a merged value's output from whichever of the two has one", () => {
    const out = categorical("out", ["low", "high"]);
    for (const missing of [near, 1 / 6]) {
      const f = (x: Atom): Atom | undefined => (x === missing ? undefined : (x as number) < 0.3 ? "low" : "high");
      const spec = discretisingMlp("out", numerical("x", [near, 1 / 6, 0.5]), out, f);
      for (const x of [near, 1 / 6]) expectHolds(runMlp(spec, resid({ x })), out, "low");
    }
  });

  it("refuses two near-equal values with different outputs", () => {
    const out = categorical("out", ["a", "b", "c"]);
    const differ = (x: Atom): Atom | undefined => (x === near ? "a" : x === 1 / 6 ? "b" : "c");
    expect(() => discretisingMlp("out", numerical("x", [near, 1 / 6, 1]), out, differ)).toThrow(BlockError);
    // None is an output too: it cannot share a bucket with a value.
    const noneVsValue = (x: Atom): Atom | undefined => (x === near ? null : "a");
    expect(() => discretisingMlp("out", numerical("x", [1 / 6, near]), out, noneVsValue)).toThrow(BlockError);
  });

  it("keeps values that are close but not equal up to rounding apart", () => {
    const xs = [1 / 6, 1 / 6 + 1e-6];
    const out = categorical("out", ["a", "b"]);
    const f = (x: Atom): Atom | undefined => (x === xs[0] ? "a" : "b");
    const spec = discretisingMlp("out", numerical("x", xs), out, f);
    expectHolds(runMlp(spec, resid({ x: xs[0]! })), out, "a", 1e-6);
    expectHolds(runMlp(spec, resid({ x: xs[1]! })), out, "b", 1e-6);
  });
});
