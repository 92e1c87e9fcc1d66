// The selectorWidth construction (compiler/craft/selectorWidth.ts) against the function it claims to compute;
// see helpers.ts for how blocks are evaluated.
import { describe, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { selectorWidthHead, selectorWidthMlp } from "../../compiler/craft/selectorWidth.js";
import { scratchDir, type SOpLayout } from "../../compiler/craft/residual.js";
import type { SelectLiteral } from "../../compiler/craft/selectorQK.js";
import { atomEquals } from "../../compiler/rasp/values.js";
import { runMlp, runHead, resid, BOS, categorical, numerical, oneHot, expectHolds } from "./helpers.js";

describe("selector width: selectorWidthHead + selectorWidthMlp", () => {
  const COLDNESS = 40; // the least the compiler uses
  const tokens = categorical("tokens", ["a", "b", "c"]);
  const sameToken: SelectLiteral = { keys: tokens, queries: tokens, table: (k, q) => atomEquals(k, q) };
  const isA: SelectLiteral = { keys: tokens, queries: tokens, table: (k) => k === "a" };

  /** The width s-op at every input position (BOS left out) for tokens `input`. */
  function widths(literals: SelectLiteral[], input: string[], maxLen: number, out: SOpLayout): Map<string, number>[] {
    const tmp = scratchDir("w", "attention_to_BOS");
    const head = selectorWidthHead("w", literals, COLDNESS, tmp);
    const mlp = selectorWidthMlp("w", tmp, maxLen, out);
    const xs = [BOS, ...input.map((t) => resid(oneHot(tokens, t)))];
    return runHead(head, xs)
      .slice(1)
      .map((a) => runMlp(mlp, resid({ [tmp]: a.get(tmp) ?? 0 })));
  }

  // Tracr decodes 1/(w+1) with a fixed slope of 100, which cannot tell w from w+1 once
  // w(w+1) > 100; here every width up to 40 must come out exact.
  for (const maxLen of [1, 5, 10, 20, 40]) {
    it(`gives every width 0..${maxLen} exactly at max length ${maxLen}`, () => {
      const out = categorical("w", Array.from({ length: maxLen + 1 }, (_, i) => i));
      const num = numerical("w");
      for (let w = 0; w <= maxLen; w++) {
        // With no unselected keys, and with as many as fit: leakage to them must not matter.
        for (const n of new Set([Math.max(1, w), maxLen])) {
          const input = Array.from({ length: n }, (_, i) => (i < w ? "a" : "b"));
          for (const y of widths([isA], input, maxLen, out)) expectHolds(y, out, w, 1e-6);
          for (const y of widths([isA], input, maxLen, num)) expectHolds(y, num, w, 1e-6);
        }
      }
    });
  }

  test.prop([fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 40 })], { seed: 4404, numRuns: 40 })(
    "query-dependent widths (how often each position's token occurs) at max length 40",
    (input) => {
      const out = categorical("w", Array.from({ length: 41 }, (_, i) => i));
      widths([sameToken], input, 40, out).forEach((y, p) => expectHolds(y, out, input.filter((t) => t === input[p]).length, 1e-6));
    },
  );

  it("counts a conjunction of two literals", () => {
    const indices = categorical("indices", Array.from({ length: 12 }, (_, i) => i));
    const earlier: SelectLiteral = { keys: indices, queries: indices, table: (k, q) => (k as number) < (q as number) };
    const tmp = scratchDir("w", "attention_to_BOS");
    const out = categorical("w", Array.from({ length: 13 }, (_, i) => i));
    const head = selectorWidthHead("w", [sameToken, earlier], COLDNESS, tmp);
    const mlp = selectorWidthMlp("w", tmp, 12, out);
    const input = ["a", "b", "a", "a", "c", "b", "a", "c", "a", "a", "b", "a"];
    const xs = [BOS, ...input.map((t, i) => resid({ ...oneHot(tokens, t), ...oneHot(indices, i) }))];
    runHead(head, xs)
      .slice(1)
      .forEach((a, p) => {
        const want = input.slice(0, p).filter((t) => t === input[p]).length;
        expectHolds(runMlp(mlp, resid({ [tmp]: a.get(tmp) ?? 0 })), out, want, 1e-6);
      });
  });
});
