// The aggregateHead construction (compiler/craft/aggregateHead.ts) against the function it claims to compute;
// see helpers.ts for how blocks are evaluated.
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { aggregateHead } from "../../compiler/craft/aggregateHead.js";
import type { SelectLiteral } from "../../compiler/craft/selectorQK.js";
import { type Atom } from "../../compiler/rasp/values.js";
import { type Resid, runHead, resid, BOS, categorical, numerical, oneHot, expectHolds } from "./helpers.js";

describe("aggregateHead", () => {
  const COLDNESS = 40;
  const maxLen = 12;
  const indices = categorical("indices", Array.from({ length: maxLen }, (_, i) => i));
  const tokens = categorical("tokens", ["a", "b", "c"]);
  const lit = (table: (k: number, q: number) => boolean): SelectLiteral => ({ keys: indices, queries: indices, table: (k, q) => table(k as number, q as number) });
  const previous = lit((k, q) => k === q - 1);
  const upTo = lit((k, q) => k <= q);
  const before = lit((k, q) => k < q);

  function positions(input: readonly Record<string, number>[]): Resid[] {
    return [BOS, ...input.map((x, i) => resid({ ...x, ...oneHot(indices, i) }))];
  }

  it("categorical: copies the selected key's value; nothing selected gives the default", () => {
    const input = ["b", "a", "c", "c", "a", "b"];
    const xs = positions(input.map((t) => oneHot(tokens, t)));
    for (const dflt of [null, "c"] as Atom[]) {
      const out = categorical("shifted", tokens.values);
      const ys = runHead(aggregateHead("shifted", [previous], COLDNESS, tokens, out, dflt), xs).slice(1);
      ys.forEach((y, p) => expectHolds(y, out, p === 0 ? dflt : input[p - 1]!, 1e-6));
    }
  });

  it("categorical: several selected keys with one value give that value", () => {
    const same: SelectLiteral = { keys: tokens, queries: tokens, table: (k, q) => k === q };
    const input = ["a", "b", "a", "a", "c", "b", "a"];
    const xs = positions(input.map((t) => oneHot(tokens, t)));
    const out = categorical("same", tokens.values);
    runHead(aggregateHead("same", [same], COLDNESS, tokens, out, null), xs)
      .slice(1)
      .forEach((y, p) => expectHolds(y, out, input[p]!, 1e-6));
  });

  test.prop([fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: maxLen })], { seed: 5505, numRuns: 100 })(
    "numerical: the mean of the selected values",
    (values) => {
      const xs = positions(values.map((x) => ({ x })));
      const out = numerical("mean");
      const ys = runHead(aggregateHead("mean", [upTo], COLDNESS, numerical("x"), out, 0), xs).slice(1);
      ys.forEach((y, p) => {
        const sel = values.slice(0, p + 1);
        expectHolds(y, out, sel.reduce((a, b) => a + b, 0) / sel.length, 1e-6);
      });
    },
  );

  it("numerical: nothing selected gives the default (0 and otherwise)", () => {
    const values = [3, -1.5, 4, 0.25];
    const xs = positions(values.map((x) => ({ x })));
    for (const dflt of [0, 7.5, -2]) {
      const out = numerical("prev_mean");
      runHead(aggregateHead("prev_mean", [before], COLDNESS, numerical("x"), out, dflt), xs)
        .slice(1)
        .forEach((y, p) => {
          const sel = values.slice(0, p);
          expectHolds(y, out, p === 0 ? dflt : sel.reduce((a, b) => a + b, 0) / sel.length, 1e-6);
        });
    }
  });

  it("a conjunction: only keys that satisfy every literal count, else the default", () => {
    const same: SelectLiteral = { keys: tokens, queries: tokens, table: (k, q) => k === q };
    const input = ["a", "b", "a", "c", "b", "a", "c", "a"];
    const values = [1, 2, 3, 5, 8, 13, 21, 34];
    const xs = positions(input.map((t, i) => ({ ...oneHot(tokens, t), x: values[i]! })));
    const out = numerical("m");
    runHead(aggregateHead("m", [same, before], COLDNESS, numerical("x"), out, -1), xs)
      .slice(1)
      .forEach((y, p) => {
        const sel = values.filter((_, k) => k < p && input[k] === input[p]);
        expectHolds(y, out, sel.length === 0 ? -1 : sel.reduce((a, b) => a + b, 0) / sel.length, 1e-6);
      });
  });

  it("reports what it writes at BOS, so assembly can cancel it", () => {
    const head = aggregateHead("d", [previous], COLDNESS, tokens, categorical("d", tokens.values), "c");
    const atBos = runHead(head, positions([oneHot(tokens, "a")]))[0]!;
    for (const [dir, w] of head.bosWrites) expect(atBos.get(dir) ?? 0).toBeCloseTo(w, 6);
  });
});
