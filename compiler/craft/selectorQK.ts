// The query/key half shared by the two attention constructions (aggregateHead.ts, selectorWidth.ts):
// a selector, as a conjunction of select literals, turned into attention scores.
import type { Atom } from "../rasp/values.js";
import { BOS_DIR, ONE_DIR, valueDirs, type Entry, type SOpLayout } from "./residual.js";

/** A literal of a selector: `table(keyValue, queryValue)` over one key s-op and one query s-op. */
export interface SelectLiteral {
  readonly keys: SOpLayout;
  readonly queries: SOpLayout;
  readonly table: (key: Atom, query: Atom) => boolean;
}

/**
 * Query/key weights for a conjunction of literals: each literal adds `coldness` to the score of a
 * key it selects, so a key selected by all m literals scores m·coldness and any other at most
 * (m-1)·coldness. BOS gets `bosScore` from the query's `one` direction.
 */
export function selectorQK(literals: readonly SelectLiteral[], coldness: number, bosScore: number): { wq: Entry[]; wk: Entry[]; dHead: number } {
  const wq: Entry[] = [];
  const wk: Entry[] = [];
  let j = 0;
  for (const lit of literals) {
    const kv = valueDirs(lit.keys.name, lit.keys.values);
    const qv = valueDirs(lit.queries.name, lit.queries.values);
    // None has no direction of its own. Where a table selects a None key or query (a negated
    // select: `not select(prev, tokens, ==)` selects where prev is None), None is the affine
    // feature one - tokens:BOS - Σ value directions, which is 1 exactly at a None position and 0
    // at BOS, so BOS keeps its own score.
    const keyNone = lit.keys.values.includes(null) && qv.some((q) => lit.table(null, q.value));
    const queryNone = lit.queries.values.includes(null);
    const columns: { value: Atom; dirs: Entry[] }[] = kv.map((k) => ({ value: k.value, dirs: [[k.dir, 0, 1]] }));
    if (keyNone || (queryNone && lit.keys.values.includes(null) && lit.table(null, null))) {
      columns.push({ value: null, dirs: [[ONE_DIR, 0, 1], [BOS_DIR, 0, -1], ...kv.map((k): Entry => [k.dir, 0, -1])] });
    }
    for (const col of columns) {
      for (const [dir, , w] of col.dirs) wk.push([dir, j, w]);
      for (const q of qv) if (lit.table(col.value, q.value)) wq.push([q.dir, j, coldness]);
      if (queryNone && lit.table(col.value, null)) {
        wq.push([ONE_DIR, j, coldness], [BOS_DIR, j, -coldness], ...qv.map((q): Entry => [q.dir, j, -coldness]));
      }
      j++;
    }
  }
  wk.push([BOS_DIR, j, 1]);
  wq.push([ONE_DIR, j, bosScore]);
  return { wq, wk, dHead: j + 1 };
}

