// The query/key half of both attention constructions (compiler/craft/selectorQK.ts) on its own: for
// any conjunction of select literals, over key and query s-ops that may be None, a key scores
// exactly `coldness` per literal that selects it, BOS scores `bosScore` whatever the query, and BOS
// as a query scores nothing but itself.
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { selectorQK, type SelectLiteral } from "../../compiler/craft/selectorQK.js";
import type { Entry, SOpLayout } from "../../compiler/craft/residual.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { BOS, categorical, oneHot, resid, type Resid } from "./helpers.js";

function project(entries: readonly Entry[], x: Resid, width: number): number[] {
  const v = new Array<number>(width).fill(0);
  for (const [dir, j, w] of entries) v[j]! += (x.get(dir) ?? 0) * w;
  return v;
}

/** A layout's values, None among them or not. */
const layoutArb = (name: string) =>
  fc.record({ n: fc.integer({ min: 1, max: 4 }), none: fc.boolean() }).map(({ n, none }): SOpLayout => categorical(name, [...(none ? [null] : []), ...Array.from({ length: n }, (_, i) => `${name}${i}`)]));

describe("selectorQK", () => {
  test.prop(
    [
      layoutArb("k"),
      layoutArb("q"),
      fc.array(fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }), { minLength: 1, maxLength: 3 }),
      fc.constantFrom(7, 40),
    ],
    { numRuns: 200 },
  )("a key scores coldness per literal that selects it; BOS scores bosScore", (keys, queries, tables, coldness) => {
    const index = (layout: SOpLayout, v: Atom) => layout.values.indexOf(v);
    const literals: SelectLiteral[] = tables.map((t) => ({ keys, queries, table: (k, q) => t[5 * index(keys, k) + index(queries, q)]! }));
    const bosScore = (literals.length - 0.5) * coldness;
    const { wq, wk, dHead } = selectorQK(literals, coldness, bosScore);
    const at = (k: Atom, q: Atom): Resid => resid({ ...oneHot(keys, k), ...oneHot(queries, q) });
    for (const q of queries.values) {
      const qv = project(wq, at(keys.values[0]!, q), dHead);
      const score = (x: Resid) => project(wk, x, dHead).reduce((s, kj, j) => s + kj * qv[j]!, 0);
      expect(score(BOS)).toBeCloseTo(bosScore, 9);
      for (const k of keys.values) {
        const selecting = literals.filter((l) => l.table(k, q)).length;
        expect(score(at(k, queries.values[0]!)), `key ${String(k)}, query ${String(q)}`).toBeCloseTo(selecting * coldness, 9);
      }
    }
    // BOS as the query (it is never None): it scores BOS with bosScore and every other key with 0,
    // so BOS attends to itself and what a head writes there is known (assembly cancels it).
    const fromBos = project(wq, BOS, dHead);
    const bosRow = (x: Resid) => project(wk, x, dHead).reduce((s, kj, j) => s + kj * fromBos[j]!, 0);
    expect(bosRow(BOS)).toBeCloseTo(bosScore, 9);
    for (const k of keys.values) expect(bosRow(at(k, queries.values[0]!)), `BOS query, key ${String(k)}`).toBeCloseTo(0, 9);
  });
});
