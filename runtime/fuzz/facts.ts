// What the generator knows about each name it has defined, over every input of the vocabulary up to
// the max length: an over-approximation of the values an s-op can take (as the compiler's value-set
// pass computes them), and a few facts that decide which operations keep a program well-typed and
// inside the compilable subset: comparing only comparable values, keeping value sets small, giving a
// categorical aggregate a selection that picks one key, keeping None out of numerical s-ops.
import { AtomError, atomKey, atomOrder, isNumeric, type Atom } from "../../compiler/rasp/values.js";

export interface SOpFacts {
  readonly kind: "sop";
  readonly name: string;
  /** Every non-None value it can take, sorted, one per Python equality class. */
  readonly values: readonly Atom[];
  /**
   * Whether it can be None somewhere, as the compiler sees it: an aggregate without a default (and
   * so `x[i]`) counts as None-able even where every query selects something.
   */
  readonly nullable: boolean;
  readonly numerical: boolean;
  /** Longest chain of operations below it (built-ins are 0). */
  readonly depth: number;
  /** Different positions of one input always hold different values (indices and bijections of it). */
  readonly injective: boolean;
  /** Every position of one input holds the same value (length, `x[0]`, constants). */
  readonly uniform: boolean;
}

export interface SelectorFacts {
  readonly kind: "selector";
  readonly name: string;
  readonly depth: number;
  /** Each query selects at most one key. */
  readonly unique: boolean;
  /** Each query selects at least one key. */
  readonly nonEmpty: boolean;
  /** The (keys, queries) pairs of its selects, as `keys|queries` names. */
  readonly pairs: readonly string[];
  /** Some key or query s-op can be None. */
  readonly nullable: boolean;
}

export type Facts = SOpFacts | SelectorFacts;

export type ValueClass = "bool" | "number" | "string" | "mixed" | "empty";

export function valueClass(values: readonly Atom[]): ValueClass {
  if (values.length === 0) return "empty";
  if (values.every((v) => typeof v === "boolean")) return "bool";
  if (values.every(isNumeric)) return "number";
  if (values.every((v) => typeof v === "string")) return "string";
  return "mixed";
}

/** Two value classes whose values can be ordered against each other (`<` does not raise). */
export function orderable(a: ValueClass, b: ValueClass): boolean {
  const num = (c: ValueClass) => c === "bool" || c === "number";
  return (num(a) && num(b)) || (a === "string" && b === "string");
}

/** Two value classes whose `==` can be true somewhere (not a string against a number). */
export function equatable(a: ValueClass, b: ValueClass): boolean {
  return orderable(a, b) || a === "mixed" || b === "mixed";
}

export function sortedUnique(values: Iterable<Atom>): Atom[] {
  const byKey = new Map<string | number, Atom>();
  for (const v of values) if (v !== null && !byKey.has(atomKey(v))) byKey.set(atomKey(v), v);
  return [...byKey.values()].sort(atomOrder);
}

/**
 * The image of f over every combination of the inputs' values, or null when f raises on some
 * combination (the interpreter would raise on such an input, and a program whose inputs are mostly
 * skipped tests little) or the image is larger than `cap`.
 */
export function imageOf(inputs: readonly (readonly Atom[])[], f: (...xs: Atom[]) => Atom, cap: number): { values: Atom[]; makesNone: boolean } | null {
  const out: Atom[] = [];
  let makesNone = false;
  const args: Atom[] = new Array<Atom>(inputs.length);
  const walk = (j: number): boolean => {
    if (j === inputs.length) {
      let v: Atom;
      try {
        v = f(...args);
      } catch (e) {
        if (e instanceof AtomError) return false;
        throw e;
      }
      if (v === null) makesNone = true;
      else out.push(v);
      return true;
    }
    for (const x of inputs[j]!) {
      args[j] = x;
      if (!walk(j + 1)) return false;
    }
    return true;
  };
  if (!walk(0)) return null;
  const values = sortedUnique(out);
  return values.length > cap ? null : { values, makesNone };
}

/** Whether f is one-to-one on `values` (so an injective input stays injective). */
export function oneToOne(values: readonly Atom[], f: (x: Atom) => Atom): boolean {
  const seen = new Set<string | number>();
  for (const v of values) {
    let y: Atom;
    try {
      y = f(v);
    } catch {
      return false;
    }
    if (y === null) return false;
    const k = atomKey(y);
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

