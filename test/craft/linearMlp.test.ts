// The linearMlp construction (compiler/craft/linearMlp.ts) against the function it claims to compute;
// see helpers.ts for how blocks are evaluated.
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { linearMlp } from "../../compiler/craft/linearMlp.js";
import { runMlp, resid, categorical, numerical } from "./helpers.js";

describe("linearMlp", () => {
  const real = fc.double({ min: -1e3, max: 1e3, noNaN: true });
  const cases = fc.integer({ min: 1, max: 4 }).chain((k) =>
    fc.record({
      coefficients: fc.array(fc.oneof(fc.constant(0), fc.constant(-1), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: k, maxLength: k }),
      bias: fc.oneof(fc.constant(0), fc.double({ min: -50, max: 50, noNaN: true })),
      points: fc.array(fc.array(real, { minLength: k, maxLength: k }), { minLength: 1, maxLength: 10 }),
    }),
  );
  test.prop([cases], { seed: 3303, numRuns: 200 })("is bias + Σ c_i x_i on any reals, negative ones included", ({ coefficients, bias, points }) => {
    const inputs = coefficients.map((_, i) => numerical(`x${i}`));
    const out = numerical("out");
    const spec = linearMlp("out", inputs, out, coefficients, bias);
    for (const p of points) {
      const want = bias + p.reduce((s, x, i) => s + coefficients[i]! * x, 0);
      const scale = Math.abs(bias) + p.reduce((s, x, i) => s + Math.abs(coefficients[i]! * x), 0);
      const y = runMlp(spec, resid(Object.fromEntries(p.map((x, i) => [`x${i}`, x]))));
      expect([...y.keys()].every((d) => d === "out")).toBe(true);
      expect(Math.abs((y.get("out") ?? 0) - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, scale));
    }
  });

  it("needs numerical inputs and output", () => {
    expect(() => linearMlp("out", [categorical("x", [1, 2])], numerical("out"), [1], 0)).toThrow();
    expect(() => linearMlp("out", [numerical("x")], categorical("out", [1, 2]), [1], 0)).toThrow();
  });
});
