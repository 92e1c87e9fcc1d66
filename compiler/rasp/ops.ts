// The RASP computation graph: s-ops and selectors as immutable nodes, as in Tracr's rasp.py and
// Weiss's "unfinished" sequences. The interpreter builds these while it runs a program; the same
// nodes are evaluated on inputs (evaluate.ts) and compiled into weights (compiler passes), so the
// interpreter and the compiler can never disagree about what a program *is*.
import type { SourceRange } from "../language/ast.js";
import { fileStart } from "../language/diagnostics.js";
import type { Atom } from "./values.js";

export type Encoding = "categorical" | "numerical";

/** `select`'s comparisons, plus Tracr's always-true one (used for `length` and `atom in sop`). */
export type SelectComparison = "==" | "!=" | "<" | "<=" | ">" | ">=" | "true";

let nextId = 0;
function freshId(): number {
  return nextId++;
}

interface NodeBase {
  /** Unique per node; stable within a process. Used for memoisation and graph identity. */
  readonly id: number;
  /** A short human-readable name: the variable it was assigned to, or a description of the op. */
  label: string;
  /** Where in the user's program this node was made. */
  readonly range: SourceRange | null;
}

interface SOpBase extends NodeBase {
  /**
   * Set by `numerical(...)` / `categorical(...)`; null means "not annotated" (categorical unless the
   * compiler must choose otherwise).
   */
  encoding: Encoding | null;
}

export interface TokensOp extends SOpBase { readonly kind: "tokens" }
export interface IndicesOp extends SOpBase { readonly kind: "indices" }
/** The input length at every position (Weiss's built-in; Tracr builds it from selector_width). */
export interface LengthOp extends SOpBase { readonly kind: "length" }
export interface ConstantOp extends SOpBase { readonly kind: "constant"; readonly value: Atom }
/**
 * Says that an elementwise function is affine on numbers: f(x_1..x_m) = bias + Σ coefficients[i]·x_i
 * (`a - b`, `2 * x + 1`). The interpreter records it where it builds the function from `+`, `-`,
 * and `*` or `/` by a constant, so the compiler can use Tracr's linear MLP, which is exact for
 * every real input, instead of a lookup table over the joint value set of the inputs.
 */
export interface Affine {
  readonly coefficients: readonly number[];
  readonly bias: number;
}

/** An elementwise function of one s-op. */
export interface MapOp extends SOpBase {
  readonly kind: "map";
  readonly input: SOp;
  readonly f: (x: Atom) => Atom;
  readonly linear?: Affine;
}
/** An elementwise function of several s-ops. */
export interface SequenceMapOp extends SOpBase {
  readonly kind: "sequenceMap";
  readonly inputs: readonly SOp[];
  readonly f: (...xs: Atom[]) => Atom;
  readonly linear?: Affine;
}
export interface AggregateOp extends SOpBase {
  readonly kind: "aggregate";
  readonly selector: Selector;
  readonly sop: SOp;
  /** null: an empty selection gives None (Tracr's rule). */
  readonly default: Atom;
}
export interface SelectorWidthOp extends SOpBase { readonly kind: "selectorWidth"; readonly selector: Selector }

export type SOp = TokensOp | IndicesOp | LengthOp | ConstantOp | MapOp | SequenceMapOp | AggregateOp | SelectorWidthOp;

export interface SelectOp extends NodeBase {
  readonly kind: "select";
  readonly keys: SOp;
  readonly queries: SOp;
  readonly comparison: SelectComparison;
  /**
   * Set only on selects the compiler makes (an `or` over several key/query s-ops becomes one select
   * over tuples of them): the select's own table, which then replaces `comparison`.
   */
  readonly predicate?: (key: Atom, query: Atom) => boolean;
}
export interface SelectorAndOp extends NodeBase { readonly kind: "selectorAnd"; readonly left: Selector; readonly right: Selector }
export interface SelectorOrOp extends NodeBase { readonly kind: "selectorOr"; readonly left: Selector; readonly right: Selector }
export interface SelectorNotOp extends NodeBase { readonly kind: "selectorNot"; readonly inner: Selector }

export type Selector = SelectOp | SelectorAndOp | SelectorOrOp | SelectorNotOp;
export type RaspNode = SOp | Selector;

const SOP_KINDS = new Set(["tokens", "indices", "length", "constant", "map", "sequenceMap", "aggregate", "selectorWidth"]);
const SELECTOR_KINDS = new Set(["select", "selectorAnd", "selectorOr", "selectorNot"]);

export function isSOp(x: unknown): x is SOp {
  return typeof x === "object" && x !== null && SOP_KINDS.has((x as { kind?: string }).kind ?? "");
}

export function isSelector(x: unknown): x is Selector {
  return typeof x === "object" && x !== null && SELECTOR_KINDS.has((x as { kind?: string }).kind ?? "");
}

type Range = SourceRange | null;

export const make = {
  tokens: (range: Range = null): TokensOp => ({ kind: "tokens", id: freshId(), label: "tokens", range, encoding: null }),
  indices: (range: Range = null): IndicesOp => ({ kind: "indices", id: freshId(), label: "indices", range, encoding: null }),
  length: (range: Range = null): LengthOp => ({ kind: "length", id: freshId(), label: "length", range, encoding: null }),
  constant: (value: Atom, range: Range): ConstantOp => ({ kind: "constant", id: freshId(), label: String(value), value, range, encoding: null }),
  map: (f: (x: Atom) => Atom, input: SOp, label: string, range: Range, linear?: Affine): MapOp => ({
    kind: "map", id: freshId(), label, range, encoding: null, input, f, ...(linear ? { linear } : {}),
  }),
  sequenceMap: (f: (...xs: Atom[]) => Atom, inputs: readonly SOp[], label: string, range: Range, linear?: Affine): SequenceMapOp => ({
    kind: "sequenceMap", id: freshId(), label, range, encoding: null, inputs, f, ...(linear ? { linear } : {}),
  }),
  aggregate: (selector: Selector, sop: SOp, dflt: Atom, label: string, range: Range): AggregateOp => ({
    kind: "aggregate", id: freshId(), label, range, encoding: null, selector, sop, default: dflt,
  }),
  selectorWidth: (selector: Selector, label: string, range: Range): SelectorWidthOp => ({
    kind: "selectorWidth", id: freshId(), label, range, encoding: null, selector,
  }),
  select: (keys: SOp, queries: SOp, comparison: SelectComparison, label: string, range: Range): SelectOp => ({
    kind: "select", id: freshId(), label, range, keys, queries, comparison,
  }),
  selectWhere: (keys: SOp, queries: SOp, predicate: (key: Atom, query: Atom) => boolean, label: string, range: Range): SelectOp => ({
    kind: "select", id: freshId(), label, range, keys, queries, comparison: "true", predicate,
  }),
  /** The same select over other keys and queries (its comparison or predicate kept). */
  reselect: (n: SelectOp, keys: SOp, queries: SOp): SelectOp => ({ ...n, id: freshId(), keys, queries }),
  and: (left: Selector, right: Selector, label: string, range: Range): SelectorAndOp => ({ kind: "selectorAnd", id: freshId(), label, range, left, right }),
  or: (left: Selector, right: Selector, label: string, range: Range): SelectorOrOp => ({ kind: "selectorOr", id: freshId(), label, range, left, right }),
  not: (inner: Selector, label: string, range: Range): SelectorNotOp => ({ kind: "selectorNot", id: freshId(), label, range, inner }),
};

/** The nodes a node reads directly. */
export function children(n: RaspNode): readonly RaspNode[] {
  switch (n.kind) {
    case "tokens":
    case "indices":
    case "length":
    case "constant":
      return [];
    case "map":
      return [n.input];
    case "sequenceMap":
      return n.inputs;
    case "aggregate":
      return [n.selector, n.sop];
    case "selectorWidth":
      return [n.selector];
    case "select":
      return [n.keys, n.queries];
    case "selectorAnd":
    case "selectorOr":
      return [n.left, n.right];
    case "selectorNot":
      return [n.inner];
  }
}

/** Every node reachable from `root`, each once, children before parents. Iterative: graphs can be deep. */
export function topologicalOrder(root: RaspNode): RaspNode[] {
  const order: RaspNode[] = [];
  const done = new Set<number>();
  const stack: { node: RaspNode; expanded: boolean }[] = [{ node: root, expanded: false }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (done.has(top.node.id)) continue;
    if (top.expanded) {
      done.add(top.node.id);
      order.push(top.node);
      continue;
    }
    stack.push({ node: top.node, expanded: true });
    for (const c of children(top.node)) if (!done.has(c.id)) stack.push({ node: c, expanded: false });
  }
  return order;
}

/** Where a node's diagnostics point: its source range, or the start of "<builtin>" for nodes the
 * library or the compiler made without one. */
export function nodeRange(n: RaspNode): SourceRange {
  return n.range ?? fileStart("<builtin>");
}
