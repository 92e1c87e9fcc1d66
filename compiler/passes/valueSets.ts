// Pass 2 (Tracr's basis_inference): for a vocabulary and max length, the finite set of values every
// s-op can take, and its encoding. Categorical s-ops get one residual direction per value;
// numerical ones a single direction holding the value.
import { RaspError, UsageError } from "../language/diagnostics.js";
import { nodeRange, type AggregateOp, type Encoding, type RaspNode, type SOp, type SequenceMapOp } from "../rasp/ops.js";
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

const where = nodeRange;

export function sortedUnique(values: Iterable<Atom>): Atom[] {
  const byKey = new Map<string | number, Atom>();
  for (const v of values) {
    const k = atomKey(v);
    if (!byKey.has(k)) byKey.set(k, v);
  }
  return [...byKey.values()].sort(atomOrder);
}

/** Applies f to every combination of input values; a combination where f fails is impossible at run time and is dropped. */
function image(n: RaspNode, inputs: readonly (readonly Atom[])[], f: (...xs: Atom[]) => Atom): Atom[] {
  let combos = 1;
  for (const vs of inputs) combos *= vs.length;
  if (combos > 1_000_000) throw new RaspError(`'${n.label}' combines s-ops with ${combos} joint values; the compiler's limit is 1,000,000`, where(n));
  const out = new Map<string | number, Atom>();
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

/**
 * Every mean of 1..maxLen numbers drawn from `values` with repetition: what a numerical aggregate
 * can produce. Every distinct double is kept, never rounded together: the interpreter sums the
 * selected values in position order, so the sums of c values it can produce are exactly the left
 * folds built here, and a mean s/c is the very double it computes. Values that differ only by
 * rounding (0.05 and (0.1+0.1+0.1)/6) both stay, so a map that tells them apart is refused by the
 * discretising MLP instead of being compiled wrong on one of them. Null as soon as `tooMany(sums,
 * means)` says the sets so far are too large. The fuzzer's generator predicts value sets with it too.
 */
export function aggregateMeans(values: readonly number[], maxLen: number, tooMany: (sums: number, means: number) => boolean): number[] | null {
  const distinct = [...new Set(values)];
  let sums = new Set<number>([0]);
  const means = new Set<number>();
  for (let c = 1; c <= maxLen; c++) {
    const next = new Set<number>();
    for (const s of sums) for (const x of distinct) next.add(s + x);
    sums = next;
    for (const s of sums) means.add(s / c);
    if (tooMany(sums.size, means.size)) return null;
  }
  return [...means].sort((a, b) => a - b);
}

/** aggregateMeans of a numerical aggregate's values, refused where the sums pass MAX_VALUE_SET. */
export function meansOf(n: RaspNode, values: readonly Atom[], maxLen: number): Atom[] {
  const nums = values.map((v) => {
    if (!isNumeric(v)) throw new RaspError(`the numerical aggregate '${n.label}' averages non-numeric values (${formatAtom(v)})`, where(n));
    return v === true ? 1 : v === false ? 0 : (v as number);
  });
  const means = aggregateMeans(nums, maxLen, (sums) => sums > MAX_VALUE_SET);
  if (means === null) {
    throw new RaspError(`the numerical aggregate '${n.label}' can take more than ${MAX_VALUE_SET} values at max length ${maxLen}; average 0/1 values or lower --max-len`, where(n));
  }
  return means;
}

/** Larger sets of joint sums than this fall back to the product of the inputs' value sets. */
const MAX_JOINT_SUMS = 200_000;

/** Whether an s-op is an elementwise chain over tokens, indices and constants; and which it reads. */
function primitiveChain(n: SOp, memo = new Map<number, { tokens: boolean; indices: boolean } | null>()): { tokens: boolean; indices: boolean } | null {
  if (memo.has(n.id)) return memo.get(n.id)!;
  let r: { tokens: boolean; indices: boolean } | null;
  switch (n.kind) {
    case "tokens":
      r = { tokens: true, indices: false };
      break;
    case "indices":
      r = { tokens: false, indices: true };
      break;
    case "constant":
      r = { tokens: false, indices: false };
      break;
    case "map":
    case "sequenceMap": {
      const parts = (n.kind === "map" ? [n.input] : n.inputs).map((i) => primitiveChain(i, memo));
      r = parts.some((p) => p === null) ? null : { tokens: parts.some((p) => p!.tokens), indices: parts.some((p) => p!.indices) };
      break;
    }
    default:
      r = null;
  }
  memo.set(n.id, r);
  return r;
}

const asNumber = (v: Atom): number => (v === true ? 1 : v === false ? 0 : (v as number));

/**
 * The values of f(mean(S, x_1), ..., mean(S, x_m)) when every input of a sequence map is a numerical
 * aggregate over the same selector S: at a position, all the means are over the same selected
 * positions, so they move together. Tracr's value sets take the product of the means' sets, which
 * for `opens - closes` (pair_balance, shuffle_dyck) has ~n^4/4 values at max length n; the sums
 * of c joint per-position values give the exact set, ~n^3/6 of them. Null when the pattern does not
 * apply or the joint sums grow too large (the caller then takes the product).
 */
function sharedSelectorImage(n: SequenceMapOp, infos: ReadonlyMap<number, SOpInfo>, opts: ValueSetOptions): Atom[] | null {
  const aggs = n.inputs.filter((i): i is AggregateOp => i.kind === "aggregate");
  if (aggs.length !== n.inputs.length || aggs.length < 2) return null;
  if (aggs.some((a) => a.selector !== aggs[0]!.selector || infos.get(a.id)?.encoding !== "numerical")) return null;
  // The per-position tuples (x_1, ..., x_m): exact for elementwise chains of tokens/indices, else the product.
  const inner = aggs.map((a) => a.sop);
  const chains = inner.map((s) => primitiveChain(s));
  let tuples: Atom[][] = [];
  if (chains.every((c) => c !== null)) {
    const tokens: (Atom | undefined)[] = chains.some((c) => c!.tokens) ? [...opts.vocab] : [undefined];
    const positions: (number | undefined)[] = chains.some((c) => c!.indices) ? Array.from({ length: opts.maxLen }, (_, i) => i) : [undefined];
    for (const t of tokens) for (const p of positions) {
      const memo = new Map<number, Atom>();
      tuples.push(inner.map((s) => embeddedValue(s, t, p, memo)));
    }
  } else {
    tuples = [[]];
    for (const s of inner) tuples = tuples.flatMap((t) => infos.get(s.id)!.values.map((v) => [...t, v]));
  }
  // Distinct numeric tuples only: the sums below try every one at every count.
  const byTuple = new Map<string, number[]>();
  for (const t of tuples) if (t.every((v) => v !== null && isNumeric(v))) byTuple.set(t.map((v) => atomKey(v)).join(","), t.map(asNumber));
  const vectors = [...byTuple.values()];
  const out = new Map<string | number, Atom>();
  const emit = (args: Atom[]): void => {
    try {
      const v = n.f(...args);
      out.set(atomKey(v), v);
    } catch (e) {
      if (!(e instanceof AtomError)) throw e; // the interpreter raises here: outside the domain
    }
  };
  // An empty selection gives every aggregate its default.
  const defaults = aggs.map((a) => a.default);
  if (defaults.some((d) => d === null)) out.set(atomKey(null), null);
  else emit(defaults);
  // One selected position: the aggregate is that position's value itself.
  for (const t of tuples) if (t.every((v) => v !== null && isNumeric(v))) emit(t);
  // Sums of small non-negative integers (counts of 0/1 indicators, the common case) pack into one
  // number per vector; anything else is keyed by its text.
  const base = opts.maxLen * Math.max(1, ...vectors.flat()) + 1;
  const packable = vectors.every((v) => v.every((x) => Number.isInteger(x) && x >= 0)) && base ** (vectors[0]?.length ?? 0) < Number.MAX_SAFE_INTEGER;
  const keyOf = packable ? (v: number[]) => v.reduce((k, x) => k * base + x, 0) : (v: number[]) => v.join(",");
  let sums = new Map<string | number, number[]>();
  for (const v of vectors) sums.set(keyOf(v), v);
  for (let c = 2; c <= opts.maxLen; c++) {
    const next = new Map<string | number, number[]>();
    for (const s of sums.values()) for (const t of vectors) {
      const v = s.map((x, i) => x + t[i]!);
      const key = keyOf(v);
      if (!next.has(key)) next.set(key, v);
    }
    if (next.size > MAX_JOINT_SUMS) return null;
    sums = next;
    for (const v of sums.values()) emit(v.map((x) => x / c));
  }
  return [...out.values()];
}

/**
 * The encoding an s-op gets: its annotation, else categorical — except that an unannotated
 * aggregate of a numerical s-op is numerical too (a mean stays a mean), and so is an unannotated
 * affine function of numerical s-ops (`2 * frac - 1`), which a linear MLP computes exactly for
 * every input value. `inputEncoding` gives the encoding already chosen for a child.
 */
export function chooseEncoding(n: SOp, inputEncoding: (s: SOp) => Encoding): Encoding {
  if (n.encoding) return n.encoding;
  if (n.kind === "aggregate") return inputEncoding(n.sop);
  if ((n.kind === "map" || n.kind === "sequenceMap") && n.linear) {
    const inputs = n.kind === "map" ? [n.input] : n.inputs;
    if (inputs.every((i) => inputEncoding(i) === "numerical")) return "numerical";
  }
  return "categorical";
}

/** Every s-op's encoding, by node id, as value-set inference chooses it. */
export function encodingsOf(nodes: readonly RaspNode[]): Map<number, Encoding> {
  const out = new Map<number, Encoding>();
  for (const n of nodes) if (n.kind !== "select" && n.kind !== "selectorAnd" && n.kind !== "selectorOr" && n.kind !== "selectorNot") out.set(n.id, chooseEncoding(n, (s) => out.get(s.id)!));
  return out;
}

/**
 * `known` holds the infos of an earlier inference over a graph that shares nodes with this one (the
 * compiler infers twice, before and after inserting conversions): a node is immutable and keeps its
 * id, so its info can be taken over instead of recomputed.
 */
export function inferValueSets(graph: Graph, opts: ValueSetOptions, known?: ReadonlyMap<number, SOpInfo>): Map<number, SOpInfo> {
  if (!Number.isInteger(opts.maxLen) || opts.maxLen < 1) throw new UsageError(`--max-len must be a positive integer, got ${opts.maxLen}`);
  if (opts.vocab.length === 0) throw new UsageError("--vocab must list at least one token");
  const infos = new Map<number, SOpInfo>();
  const vals = (s: SOp): readonly Atom[] => infos.get(s.id)!.values;
  for (const n of graph.nodes) {
    const earlier = known?.get(n.id);
    if (earlier) {
      infos.set(n.id, earlier);
      continue;
    }
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
        values = sharedSelectorImage(n, infos, opts) ?? image(n, n.inputs.map(vals), n.f);
        break;
      case "selectorWidth":
        values = Array.from({ length: opts.maxLen + 1 }, (_, i) => i);
        break;
      case "aggregate": {
        const encoding = chooseEncoding(n, (s) => infos.get(s.id)!.encoding);
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
    infos.set(n.id, { encoding: chooseEncoding(n as SOp, (s) => infos.get(s.id)!.encoding), values: sorted });
  }
  return infos;
}

/**
 * The value of an elementwise chain over tokens, indices and constants at one token and/or one
 * position: its functions applied directly. Assembly uses it to fill the embeddings; value-set
 * inference, to know which values two such s-ops take together.
 */
export function embeddedValue(n: SOp, token: Atom | undefined, index: number | undefined, memo: Map<number, Atom>): Atom {
  const hit = memo.get(n.id);
  if (hit !== undefined || memo.has(n.id)) return hit ?? null;
  let v: Atom;
  try {
    switch (n.kind) {
      case "tokens":
        v = token === undefined ? null : token;
        break;
      case "indices":
        v = index === undefined ? null : index;
        break;
      case "constant":
        v = n.value;
        break;
      case "map": {
        const x = embeddedValue(n.input, token, index, memo);
        v = x === null ? null : n.f(x);
        break;
      }
      case "sequenceMap": {
        const xs = n.inputs.map((i) => embeddedValue(i, token, index, memo));
        v = xs.some((x) => x === null) ? null : n.f(...xs);
        break;
      }
      default:
        throw new Error(`${n.kind} cannot be embedded`);
    }
  } catch (e) {
    if (!(e instanceof AtomError)) throw e;
    v = null; // the interpreter raises here; such inputs are outside the program's domain
  }
  memo.set(n.id, v);
  return v;
}
