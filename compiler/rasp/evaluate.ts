// Evaluating a RASP graph on one input: the ground truth every compiled model is checked against.
// Semantics follow Tracr where Weiss's REPL and Tracr differ (docs/language.md lists each case):
//   - an aggregate with no default over an empty selection is None;
//   - None propagates through elementwise operations;
//   - a mean of booleans counts True as 1.
import { RaspError } from "../language/diagnostics.js";
import { children, nodeRange, topologicalOrder, type RaspNode, type SOp, type Selector, type SelectComparison } from "./ops.js";
import { AtomError, atomEquals, compareAtoms, formatAtom, isNumeric, type Atom } from "./values.js";

/** A selector's value: `matrix[q][k]` is 1 when query position q selects key position k. */
export type SelectorMatrix = Uint8Array[];
export type NodeValue = Atom[] | SelectorMatrix;

const where = nodeRange;

function fail(n: RaspNode, message: string): never {
  throw new RaspError(message, where(n));
}

export function selects(cmp: SelectComparison, key: Atom, query: Atom): boolean {
  if (cmp === "true") return true;
  if (key === null || query === null) return false;
  switch (cmp) {
    case "==":
      return atomEquals(key, query);
    case "!=":
      return !atomEquals(key, query);
    case "<":
      return compareAtoms(key, query, cmp) < 0;
    case "<=":
      return compareAtoms(key, query, cmp) <= 0;
    case ">":
      return compareAtoms(key, query, cmp) > 0;
    case ">=":
      return compareAtoms(key, query, cmp) >= 0;
  }
}

/** The mean of the selected values, Tracr's way (see the file comment). */
export function aggregateValues(selected: Atom[], dflt: Atom): Atom | AggregateConflict {
  if (selected.length === 0) return dflt;
  if (selected.length === 1) return selected[0]!;
  let allNumeric = true;
  for (const v of selected) {
    if (v === null) return null;
    if (!isNumeric(v)) allNumeric = false;
  }
  if (allNumeric) {
    // Equal numbers average to themselves; summing them first would not ((0.4 + 0.4 + 0.4) / 3 is
    // 0.4000000000000001), and a compiled head that copies the value is exact.
    const first = selected[0]!;
    if (typeof first === "number" && selected.every((v) => v === first)) return first;
    let sum = 0;
    for (const v of selected) sum += v === true ? 1 : v === false ? 0 : (v as number);
    return sum / selected.length;
  }
  const first = selected[0]!;
  for (const v of selected) if (!atomEquals(v, first)) return { conflict: selected };
  return first;
}

export interface AggregateConflict {
  readonly conflict: Atom[];
}

function isConflict(x: Atom | AggregateConflict): x is AggregateConflict {
  return typeof x === "object" && x !== null;
}

/**
 * A graph prepared for evaluation on many inputs: the topological order is computed once.
 * `run` returns every node's value, keyed by node id.
 */
export interface EvaluatorOptions {
  /**
   * Tracr's evaluator, like ours, raises when a categorical aggregate averages differing values.
   * With this set, such a position is instead marked undefined (its value is null) and the mark
   * spreads to every value computed from it, so a verifier can compare the positions that are
   * defined (max_identifier's answer at position 1, say, while position 0 is undefined).
   */
  readonly undefinedOnConflict?: boolean;
  /**
   * With undefinedOnConflict: aggregates (by node id) that a compiled model computes categorically.
   * There a mean of differing numbers is undefined too: the model copies one selected value, it
   * cannot average (Tracr's evaluator raises likewise), while the interpreter, following Weiss,
   * averages numbers.
   */
  readonly categoricalAggregates?: ReadonlySet<number>;
}

export class GraphEvaluator {
  readonly order: RaspNode[];
  /** After `run` with undefinedOnConflict: the undefined positions (or selector rows) per node id. */
  readonly undefinedAt = new Map<number, Uint8Array>();

  constructor(readonly root: RaspNode, private readonly options: EvaluatorOptions = {}) {
    this.order = topologicalOrder(root);
  }

  /** Marks spread elementwise from inputs; through a selector from its query row and every key. */
  private spreadUndefined(node: RaspNode, n: number): Uint8Array | null {
    const marks = (c: RaspNode) => this.undefinedAt.get(c.id);
    let out: Uint8Array | null = null;
    const mark = (i: number) => ((out ??= new Uint8Array(n))[i] = 1);
    const all = () => {
      for (let i = 0; i < n; i++) mark(i);
    };
    switch (node.kind) {
      case "select": {
        const k = marks(node.keys);
        const q = marks(node.queries);
        if (k && k.some((x) => x)) all();
        else if (q) q.forEach((x, i) => x && mark(i));
        break;
      }
      case "aggregate": {
        const s = marks(node.selector);
        const v = marks(node.sop);
        if (s) s.forEach((x, i) => x && mark(i));
        if (v && v.some((x) => x)) {
          const m = this.lastValues!.get(node.selector.id) as SelectorMatrix;
          m.forEach((row, q) => row.forEach((sel, k) => sel && v[k] && mark(q)));
        }
        break;
      }
      default:
        for (const c of children(node)) marks(c)?.forEach((x, i) => x && mark(i));
    }
    return out;
  }

  private lastValues: Map<number, NodeValue> | null = null;

  run(input: readonly Atom[]): Map<number, NodeValue> {
    const values = new Map<number, NodeValue>();
    this.lastValues = values;
    this.undefinedAt.clear();
    const lenient = this.options.undefinedOnConflict === true;
    const n = input.length;
    const sop = (s: SOp): Atom[] => values.get(s.id) as Atom[];
    const sel = (s: Selector): SelectorMatrix => values.get(s.id) as SelectorMatrix;
    for (const node of this.order) {
      let v: NodeValue;
      switch (node.kind) {
        case "tokens":
          v = input.slice();
          break;
        case "indices":
          v = Array.from({ length: n }, (_, i) => i);
          break;
        case "length":
          v = new Array<Atom>(n).fill(n);
          break;
        case "constant":
          v = new Array<Atom>(n).fill(node.value);
          break;
        case "map": {
          const xs = sop(node.input);
          const out = new Array<Atom>(n);
          for (let i = 0; i < n; i++) {
            const x = xs[i]!;
            out[i] = x === null ? null : this.guard(node, i, () => node.f(x));
          }
          v = out;
          break;
        }
        case "sequenceMap": {
          const cols = node.inputs.map(sop);
          const out = new Array<Atom>(n);
          const args = new Array<Atom>(cols.length);
          for (let i = 0; i < n; i++) {
            let hasNone = false;
            for (let j = 0; j < cols.length; j++) {
              const x = cols[j]![i]!;
              if (x === null) hasNone = true;
              args[j] = x;
            }
            out[i] = hasNone ? null : this.guard(node, i, () => node.f(...args));
          }
          v = out;
          break;
        }
        case "aggregate": {
          const m = sel(node.selector);
          const xs = sop(node.sop);
          const out = new Array<Atom>(n);
          const picked: Atom[] = [];
          for (let q = 0; q < n; q++) {
            picked.length = 0;
            const row = m[q]!;
            for (let k = 0; k < n; k++) if (row[k]) picked.push(xs[k]!);
            let r = aggregateValues(picked, node.default);
            if (lenient && !isConflict(r) && picked.length > 1 && this.options.categoricalAggregates?.has(node.id) && picked.some((x) => !atomEquals(x, picked[0]!))) {
              r = { conflict: picked.slice() };
            }
            if (isConflict(r) && lenient) {
              (this.undefinedAt.get(node.id) ?? this.undefinedAt.set(node.id, new Uint8Array(n)).get(node.id)!)[q] = 1;
              out[q] = null;
              continue;
            }
            if (isConflict(r)) {
              fail(node, `aggregate at position ${q} selects differing non-numeric values (${r.conflict.map(formatAtom).join(", ")}); it can only average numbers`);
            }
            out[q] = r;
          }
          v = out;
          break;
        }
        case "selectorWidth": {
          const m = sel(node.selector);
          v = m.map((row) => row.reduce((a, b) => a + b, 0));
          break;
        }
        case "select": {
          const keys = sop(node.keys);
          const queries = sop(node.queries);
          const m: SelectorMatrix = [];
          for (let q = 0; q < n; q++) {
            const row = new Uint8Array(n);
            const qv = queries[q]!;
            const test = node.predicate ?? ((k: Atom, q: Atom) => selects(node.comparison, k, q));
            for (let k = 0; k < n; k++) row[k] = this.guard(node, q, () => test(keys[k]!, qv)) ? 1 : 0;
            m.push(row);
          }
          v = m;
          break;
        }
        case "selectorAnd": {
          const a = sel(node.left);
          const b = sel(node.right);
          v = a.map((row, q) => row.map((x, k) => x & b[q]![k]!));
          break;
        }
        case "selectorOr": {
          const a = sel(node.left);
          const b = sel(node.right);
          v = a.map((row, q) => row.map((x, k) => x | b[q]![k]!));
          break;
        }
        case "selectorNot":
          v = sel(node.inner).map((row) => row.map((x) => 1 - x));
          break;
      }
      values.set(node.id, v);
      if (lenient) {
        const spread = this.spreadUndefined(node, n);
        if (spread) {
          const own = this.undefinedAt.get(node.id);
          if (own) spread.forEach((x, i) => x && (own[i] = 1));
          else this.undefinedAt.set(node.id, spread);
        }
      }
    }
    return values;
  }

  private guard<T>(node: RaspNode, position: number, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof AtomError) fail(node, `at position ${position}: ${e.message}`);
      throw e;
    }
  }
}

/** The value of one s-op on one input. */
export function evaluateSOp(root: SOp, input: readonly Atom[]): Atom[] {
  return new GraphEvaluator(root).run(input).get(root.id) as Atom[];
}

export function evaluateSelector(root: Selector, input: readonly Atom[]): SelectorMatrix {
  return new GraphEvaluator(root).run(input).get(root.id) as SelectorMatrix;
}
