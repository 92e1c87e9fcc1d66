// A selector tree (select / and / or / not) as what one attention head can test: a conjunction of
// literals, each a table over one key s-op and one query s-op. `not` is pushed to the leaves (De
// Morgan); leaves over the same key/query pair merge into one table, so an `or` of selects over one
// pair (e.g. `select(i, i, <=) or select(i, i, >)`) is a single literal. An `or` over several pairs
// is first rewritten (oneHeadSelector) into a select over tuples of the s-ops it reads.
import { selects } from "../rasp/evaluate.js";
import { make, type SOp, type Selector } from "../rasp/ops.js";
import type { Atom } from "../rasp/values.js";

export interface NodeLiteral {
  readonly keys: SOp;
  readonly queries: SOp;
  readonly table: (key: Atom, query: Atom) => boolean;
}

type Formula =
  | { readonly kind: "leaf"; readonly keys: SOp; readonly queries: SOp; readonly test: (k: Atom, q: Atom) => boolean }
  | { readonly kind: "and" | "or"; readonly parts: readonly Formula[] };

function toFormula(s: Selector, negate: boolean): Formula {
  switch (s.kind) {
    case "select": {
      const cmp = s.comparison;
      const test = s.predicate ?? ((k: Atom, q: Atom) => selects(cmp, k, q));
      return { kind: "leaf", keys: s.keys, queries: s.queries, test: negate ? (k, q) => !test(k, q) : test };
    }
    case "selectorNot":
      return toFormula(s.inner, !negate);
    case "selectorAnd":
    case "selectorOr": {
      const isAnd = (s.kind === "selectorAnd") !== negate;
      return { kind: isAnd ? "and" : "or", parts: [toFormula(s.left, negate), toFormula(s.right, negate)] };
    }
  }
}

function leaves(f: Formula, out: Formula[] = []): Formula[] {
  if (f.kind === "leaf") out.push(f);
  else f.parts.forEach((p) => leaves(p, out));
  return out;
}

function evalFormula(f: Formula, k: Atom, q: Atom): boolean {
  if (f.kind === "leaf") return f.test(k, q);
  return f.kind === "and" ? f.parts.every((p) => evalFormula(p, k, q)) : f.parts.some((p) => evalFormula(p, k, q));
}

/** Conjunction parts of an and-tree (an `or` node is one part). */
function conjuncts(f: Formula, out: Formula[] = []): Formula[] {
  if (f.kind === "and") f.parts.forEach((p) => conjuncts(p, out));
  else out.push(f);
  return out;
}

export function selectorLiterals(sel: Selector): NodeLiteral[] {
  const formula = toFormula(sel, false);
  const literals: NodeLiteral[] = [];
  for (const part of conjuncts(formula)) {
    const ls = leaves(part);
    const keys = ls[0]!.kind === "leaf" ? ls[0]!.keys : null;
    const queries = ls[0]!.kind === "leaf" ? ls[0]!.queries : null;
    const samePair = ls.every((l) => l.kind === "leaf" && l.keys === keys && l.queries === queries);
    // raspToGraph rewrote every conjunct over several pairs into a select over tuples (oneHeadSelector).
    if (!samePair || !keys || !queries) throw new Error(`internal: selector '${sel.label}' reads several key/query pairs in one conjunct`);
    const existing = literals.findIndex((l) => l.keys === keys && l.queries === queries);
    if (existing >= 0) {
      const prev = literals[existing]!.table;
      literals[existing] = { keys, queries, table: (k, q) => prev(k, q) && evalFormula(part, k, q) };
    } else {
      literals.push({ keys, queries, table: (k, q) => evalFormula(part, k, q) });
    }
  }
  return literals;
}

/** A tuple of atoms as one atom (its JSON text), so a tuple s-op is an ordinary categorical s-op. */
export function tupleAtom(xs: readonly Atom[]): Atom {
  return JSON.stringify(xs);
}

function untuple(a: Atom): Atom[] {
  return JSON.parse(a as string) as Atom[];
}

function distinct(xs: readonly SOp[]): SOp[] {
  return xs.filter((x, i) => xs.indexOf(x) === i);
}

/**
 * One head tests a conjunction of literals, each over one key s-op and one query s-op. A conjunct
 * that reads several pairs (`select(a, b, ==) or select(c, d, <)`) becomes one select over the tuple
 * s-ops (a, c) and (b, d), which `tuple` makes (an MLP, or nothing when the embedding can hold it),
 * with the conjunct as its table; Tracr builds multi-key selects from a SequenceMap the same way.
 * Returns `sel` itself when every conjunct reads one pair.
 */
export function oneHeadSelector(sel: Selector, tuple: (parts: readonly SOp[]) => SOp): Selector {
  const parts = conjuncts(toFormula(sel, false));
  const pairsOf = (part: Formula) => {
    const ls = leaves(part) as Extract<Formula, { kind: "leaf" }>[];
    return { ls, keys: distinct(ls.map((l) => l.keys)), queries: distinct(ls.map((l) => l.queries)) };
  };
  const mixed = (part: Formula) => {
    const { ls } = pairsOf(part);
    return !ls.every((l) => l.keys === ls[0]!.keys && l.queries === ls[0]!.queries);
  };
  if (!parts.some(mixed)) return sel;
  const selects = parts.map((part, i) => {
    const label = parts.length > 1 ? `${sel.label} (part ${i + 1})` : sel.label;
    if (!mixed(part)) {
      const { keys, queries } = pairsOf(part);
      return make.selectWhere(keys[0]!, queries[0]!, (k, q) => evalFormula(part, k, q), label, sel.range);
    }
    const { ls, keys, queries } = pairsOf(part);
    const slot = new Map(ls.map((l) => [l, [keys.indexOf(l.keys), queries.indexOf(l.queries)] as const]));
    const test = (f: Formula, ks: Atom[], qs: Atom[]): boolean => {
      if (f.kind === "leaf") {
        const [ki, qi] = slot.get(f)!;
        return f.test(ks[ki]!, qs[qi]!);
      }
      return f.kind === "and" ? f.parts.every((p) => test(p, ks, qs)) : f.parts.some((p) => test(p, ks, qs));
    };
    const keyOp = keys.length === 1 ? keys[0]! : tuple(keys);
    const queryOp = queries.length === 1 ? queries[0]! : tuple(queries);
    const unpackK = keys.length === 1 ? (k: Atom) => [k] : untuple;
    const unpackQ = queries.length === 1 ? (q: Atom) => [q] : untuple;
    return make.selectWhere(keyOp, queryOp, (k, q) => test(part, unpackK(k), unpackQ(q)), label, sel.range);
  });
  return selects.slice(1).reduce<Selector>((a, b) => make.and(a, b, sel.label, sel.range), selects[0]!);
}
