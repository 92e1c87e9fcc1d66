// A selector tree (select / and / or / not) as what one attention head can test: a conjunction of
// literals, each a table over one key s-op and one query s-op. `not` is pushed to the leaves (De
// Morgan); leaves over the same key/query pair merge into one table, so an `or` of selects over one
// pair (e.g. `select(i, i, <=) or select(i, i, >)`) is a single literal.
import { RaspError } from "../language/diagnostics.js";
import { selects } from "../rasp/evaluate.js";
import type { SOp, Selector } from "../rasp/ops.js";
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
      const test = (k: Atom, q: Atom) => selects(cmp, k, q);
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
    if (!samePair || !keys || !queries) {
      throw new RaspError(
        `this selector combines selects over different s-ops with 'or'; one attention head cannot test that. Build one select over a combined s-op instead (e.g. a sequence map of the keys)`,
        sel.range ?? { file: "<builtin>", startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
      );
    }
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
