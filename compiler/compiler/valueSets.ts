// Pass 2 (Tracr's basis_inference): for a vocabulary and max length, the finite set of values every
// s-op can take, and its encoding. Categorical s-ops get one residual direction per value;
// numerical ones a single direction holding the value.
import { RaspError, UsageError } from "../language/diagnostics.js";
import type { SourceRange } from "../language/ast.js";
import type { Encoding, RaspNode, SOp } from "../rasp/ops.js";
import { AtomError, atomKey, atomOrder, formatAtom, isNumeric, type Atom } from "../rasp/values.js";
import type { Graph } from "./raspToGraph.js";

/** Larger value sets than this make lookup tables too big to be useful models. */
export const MAX_VALUE_SET = 20_000;

export interface SOpInfo {
  readonly encoding: Encoding;
  /** Sorted; includes null when the s-op can be None. */
  readonly values: readonly Atom[];
}

export interface ValueSetOptions {
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
}

function where(n: RaspNode): SourceRange {
  return n.range ?? { file: "<builtin>", startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
}

export function sortedUnique(values: Iterable<Atom>): Atom[] {
  const byKey = new Map<string, Atom>();
  for (const v of values) if (!byKey.has(atomKey(v))) byKey.set(atomKey(v), v);
  return [...byKey.values()].sort(atomOrder);
}

/** Applies f to every combination of input values; a combination where f fails is impossible at run time and is dropped. */
function image(n: RaspNode, inputs: readonly (readonly Atom[])[], f: (...xs: Atom[]) => Atom): Atom[] {
  let combos = 1;
  for (const vs of inputs) combos *= vs.length;
  if (combos > 1_000_000) throw new RaspError(`'${n.label}' combines s-ops with ${combos} joint values; the compiler's limit is 1,000,000`, where(n));
  const out = new Map<string, Atom>();
  const args = new Array<Atom>(inputs.length);
  const walk = (j: number): void => {
    if (j === inputs.length) {
      let v: Atom;
      if (args.some((a) => a === null)) v = null;
      else {
        try {
          v = f(...args);
        } catch (e) {
          if (e instanceof AtomError) return;
          throw e;
        }
      }
      out.set(atomKey(v), v);
      return;
    }
    for (const x of inputs[j]!) {
      args[j] = x;
      walk(j + 1);
    }
  };
  walk(0);
  return [...out.values()];
}

/** Every mean of a multiset of 1..maxLen values drawn from `values` (numbers only). */
export function meansOf(n: RaspNode, values: readonly Atom[], maxLen: number): Atom[] {
  const nums = values.map((v) => {
    if (!isNumeric(v)) throw new RaspError(`the numerical aggregate '${n.label}' averages non-numeric values (${formatAtom(v)})`, where(n));
    return v === true ? 1 : v === false ? 0 : (v as number);
  });
  const integral = nums.every((x) => Number.isInteger(x));
  // sums[c] = the set of sums of c values; integers stay exact, which keeps k/n equal to the interpreter's mean.
  let sums = new Map<string, number>([["0", 0]]);
  const means = new Map<string, number>();
  for (let c = 1; c <= maxLen; c++) {
    const next = new Map<string, number>();
    for (const s of sums.values()) for (const x of nums) {
      const t = s + x;
      next.set(integral ? String(t) : t.toPrecision(12), t);
    }
    if (next.size > MAX_VALUE_SET) {
      throw new RaspError(`the numerical aggregate '${n.label}' can take more than ${MAX_VALUE_SET} values at max length ${maxLen}; average 0/1 values or lower --max-len`, where(n));
    }
    sums = next;
    for (const s of sums.values()) {
      const m = s / c;
      means.set(integral ? `${s}/${c}:${m}` : m.toPrecision(12), m);
    }
  }
  return sortedUnique(means.values());
}

/**
 * The encoding an s-op gets: its annotation, else categorical — except that an unannotated
 * aggregate of a numerical s-op is numerical too (a mean stays a mean).
 */
export function chooseEncoding(n: SOp, infos: ReadonlyMap<number, SOpInfo>): Encoding {
  if (n.encoding) return n.encoding;
  if (n.kind === "aggregate") return infos.get(n.sop.id)?.encoding ?? "categorical";
  return "categorical";
}

export function inferValueSets(graph: Graph, opts: ValueSetOptions): Map<number, SOpInfo> {
  if (!Number.isInteger(opts.maxLen) || opts.maxLen < 1) throw new UsageError(`--max-len must be a positive integer, got ${opts.maxLen}`);
  if (opts.vocab.length === 0) throw new UsageError("--vocab must list at least one token");
  const infos = new Map<number, SOpInfo>();
  const vals = (s: SOp): readonly Atom[] => infos.get(s.id)!.values;
  for (const n of graph.nodes) {
    let values: Atom[];
    switch (n.kind) {
      case "tokens":
        values = [...opts.vocab];
        break;
      case "indices":
        values = Array.from({ length: opts.maxLen }, (_, i) => i);
        break;
      case "length":
        values = Array.from({ length: opts.maxLen }, (_, i) => i + 1);
        break;
      case "constant":
        values = [n.value];
        break;
      case "map":
        values = image(n, [vals(n.input)], n.f);
        break;
      case "sequenceMap":
        values = image(n, n.inputs.map(vals), n.f);
        break;
      case "selectorWidth":
        values = Array.from({ length: opts.maxLen + 1 }, (_, i) => i);
        break;
      case "aggregate": {
        const encoding = chooseEncoding(n, infos);
        const inner = vals(n.sop).filter((v) => v !== null);
        values = encoding === "numerical" ? meansOf(n, inner, opts.maxLen) : [...vals(n.sop)];
        // Empty selections give the default; None-valued keys are never selected.
        values.push(n.default);
        break;
      }
      default:
        continue; // selectors have no value set
    }
    const sorted = sortedUnique(values);
    if (sorted.length > MAX_VALUE_SET) throw new RaspError(`'${n.label}' can take ${sorted.length} values; the compiler's limit is ${MAX_VALUE_SET}`, where(n));
    infos.set(n.id, { encoding: chooseEncoding(n as SOp, infos), values: sorted });
  }
  return infos;
}
