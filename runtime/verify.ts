// Checking a compiled model against the interpreter, input by input, and explaining a mismatch:
// where in the network the residual stream first stops holding what the interpreter computes.
//
// Each plan entry says which residual dimensions hold an s-op and from which layer on. After that
// layer's MLP the dimensions must hold the interpreter's value of that s-op at every real position:
// categorical, one-hot over the entry's values (all zero for None, unless None has a dimension of
// its own); numerical, the value itself (0 for None, 1/0 for True/False). Plan entries are matched
// to the program's graph by label; an entry whose label is missing or shared by several s-ops (the
// compiler's own helper s-ops, renamed duplicates) is not checked.
import { RaspError } from "../compiler/language/diagnostics.js";
import { planValueDims } from "../compiler/model/modelFile.js";
import type { CompiledModel, PlanEntry } from "../compiler/model/types.js";
import { GraphEvaluator, type NodeValue } from "../compiler/rasp/evaluate.js";
import { isSOp, topologicalOrder, type SOp } from "../compiler/rasp/ops.js";
import { encodingsOf } from "../compiler/passes/valueSets.js";
import { atomEquals, formatAtom, type Atom } from "../compiler/rasp/values.js";
import { type FloatArray, type ForwardResult } from "./forward/outputs.js";
import { hookNames } from "../compiler/model/hooks.js";
import { embeddedResidual, entryWritten } from "./forward/trace.js";
import { batchSizeFor, type ModelRunner } from "./forward/runModel.js";
import { makeTokenizer } from "./forward/tokenize.js";

/** How far a residual dimension may be from its expected value. */
export const RESIDUAL_TOLERANCE = 1e-2;
/** How far a decoded numerical output may be from the interpreter's, relative to max(1, |value|). */
export const NUMERICAL_TOLERANCE = 1e-3;

/** Whether a decoded output equals the interpreter's value at one position. */
export function outputsMatch(model: CompiledModel, expected: Atom, got: Atom): boolean {
  if (model.output.encoding === "categorical") return atomEquals(expected, got);
  if (typeof got !== "number") return false;
  if (typeof expected === "string") return false;
  const want = expected === null ? 0 : Number(expected);
  return Math.abs(got - want) <= NUMERICAL_TOLERANCE * Math.max(1, Math.abs(want));
}

export interface Departure {
  /** -1: the embedding; l: after layer l's MLP. */
  readonly layer: number;
  readonly sop: string;
  /** Input position (0 = first token; the model's position is this + 1). */
  readonly position: number;
  readonly expected: string;
  readonly residual: string;
}

/** Plan entries paired with the program's s-op of the same label (unique labels only). */
export function matchPlan(model: CompiledModel, evaluator: GraphEvaluator): { entry: PlanEntry; node: SOp }[] {
  const byLabel = new Map<string, SOp | null>();
  for (const n of evaluator.order) {
    if (!isSOp(n)) continue;
    byLabel.set(n.label, byLabel.has(n.label) ? null : n);
  }
  const out: { entry: PlanEntry; node: SOp }[] = [];
  for (const entry of model.plan) {
    const node = byLabel.get(entry.sop);
    if (node) out.push({ entry, node });
  }
  return out;
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}

/** What the residual holds on an entry's dims at one place, in the entry's terms. */
function describeResidual(entry: PlanEntry, resid: FloatArray, base: number): string {
  const pairs = planValueDims(entry);
  if (entry.encoding === "numerical") return fmt(resid[base + pairs[0]![1]]!);
  const set = pairs.filter(([, dim]) => Math.abs(resid[base + dim]!) > RESIDUAL_TOLERANCE);
  if (set.length === 0) return "all zero (None)";
  const shown = set.slice(0, 8).map(([v, dim]) => `${formatAtom(v)}: ${fmt(resid[base + dim]!)}`);
  return `{${shown.join(", ")}${set.length > 8 ? `, ... ${set.length - 8} more` : ""}}`;
}

/** Checks one entry at one position; null when the residual holds the expected value. */
function checkEntry(entry: PlanEntry, value: Atom, resid: FloatArray, base: number): { expected: string; residual: string } | null {
  const pairs = planValueDims(entry);
  if (entry.encoding === "numerical") {
    if (typeof value === "string") return null; // not representable; the compiler would have refused
    const want = value === null ? 0 : Number(value);
    const got = resid[base + pairs[0]![1]]!;
    return Math.abs(got - want) <= RESIDUAL_TOLERANCE * Math.max(1, Math.abs(want)) ? null : { expected: formatAtom(value), residual: fmt(got) };
  }
  const hot = pairs.findIndex(([v]) => atomEquals(v, value));
  if (hot < 0 && value !== null) {
    return { expected: `${formatAtom(value)}, which is not among the s-op's compiled values`, residual: describeResidual(entry, resid, base) };
  }
  for (let i = 0; i < pairs.length; i++) {
    const want = i === hot ? 1 : 0;
    if (Math.abs(resid[base + pairs[i]![1]]! - want) > RESIDUAL_TOLERANCE) {
      return { expected: formatAtom(value), residual: describeResidual(entry, resid, base) };
    }
  }
  return null;
}

/**
 * The first layer (and s-op, and position) where sequence `b` of a hooked forward pass departs
 * from the interpreter's values; null if the residual agrees everywhere it is checked.
 */
export function firstDeparture(
  model: CompiledModel,
  plan: readonly { entry: PlanEntry; node: SOp }[],
  values: ReadonlyMap<number, NodeValue>,
  result: ForwardResult,
  b: number,
): Departure | null {
  const hooks = result.hooks;
  if (!hooks) throw new Error("firstDeparture needs a forward pass with hooks");
  const d = model.residual.length;
  const n = result.lengths[b]! - 1;
  for (let layer = -1; layer < model.layers.length; layer++) {
    const resid = layer < 0 ? embeddedResidual(model, hooks) : hooks.get(hookNames.residPost(layer));
    if (!resid) continue;
    for (const { entry, node } of plan) {
      if (!entryWritten(entry, layer < 0 ? { layer: -1 } : { layer, after: "mlp" })) continue;
      const vals = values.get(node.id) as Atom[] | undefined;
      if (!vals) continue;
      for (let i = 0; i < n; i++) {
        const bad = checkEntry(entry, vals[i]!, resid, (b * result.seqLen + i + 1) * d);
        if (bad) return { layer, sop: entry.sop, position: i, ...bad };
      }
    }
  }
  return null;
}

export function describeDeparture(dep: Departure | null): string {
  if (dep === null) return "the residual stream holds the interpreter's values at every layer; the unembedding or decoding differs";
  const where = dep.layer < 0 ? "the embedding" : `layer ${dep.layer}`;
  return `first departs at ${where} (s-op ${dep.sop}, position ${dep.position}: expected ${dep.expected}, residual says ${dep.residual})`;
}

export interface Mismatch {
  readonly input: Atom[];
  readonly expected: Atom[];
  readonly got: Atom[];
  /** Filled for the first `maxDetails` mismatches. */
  departure?: Departure | null;
}

export interface VerifyReport {
  /** Inputs tried, skipped ones included. */
  readonly total: number;
  /** Inputs on which the interpreter raised an error: not compared. */
  readonly skipped: number;
  /** Output positions left out because a categorical aggregate selects differing values there. */
  readonly undefinedPositions: number;
  readonly firstSkipReason: string | null;
  readonly mismatchCount: number;
  /** The first mismatches, in input order. */
  readonly mismatches: Mismatch[];
}

export interface VerifyOptions {
  readonly batchSize?: number;
  /** How many mismatches to keep and explain (default 10). */
  readonly maxDetails?: number;
  readonly onProgress?: (done: number) => void;
}

/** The program's aggregates that compile to categorical attention (they copy, they do not average). */
export function categoricalAggregates(sop: SOp): Set<number> {
  const nodes = topologicalOrder(sop);
  const encodings = encodingsOf(nodes);
  return new Set(nodes.filter((n) => n.kind === "aggregate" && encodings.get(n.id) === "categorical").map((n) => n.id));
}

/** Runs the interpreter and the compiled model (on the runner's engine) on every input and compares their outputs. */
export async function verifyModel(model: CompiledModel, sop: SOp, inputs: Iterable<Atom[]>, runner: ModelRunner, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const batchSize = opts.batchSize ?? batchSizeFor(model);
  const maxDetails = opts.maxDetails ?? 10;
  // Positions where a categorical aggregate averages differing values have no defined answer
  // (Tracr's evaluator raises there); they are left out of the comparison and counted.
  const evaluator = new GraphEvaluator(sop, { undefinedOnConflict: true, categoricalAggregates: categoricalAggregates(sop) });
  let undefinedPositions = 0;
  const tokenizer = makeTokenizer(model);
  let total = 0;
  let skipped = 0;
  let firstSkipReason: string | null = null;
  let mismatchCount = 0;
  const mismatches: Mismatch[] = [];
  let pending: { input: Atom[]; expected: Atom[]; ids: number[]; undef: Uint8Array | null }[] = [];

  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const got = await runner.decode(pending.map((p) => p.ids));
    pending.forEach((p, i) => {
      const out = got[i]!;
      if (p.expected.every((e, j) => (p.undef !== null && p.undef[j] === 1) || outputsMatch(model, e, out[j]!))) return;
      mismatchCount++;
      if (mismatches.length < maxDetails) mismatches.push({ input: p.input, expected: p.expected, got: out });
    });
    pending = [];
    opts.onProgress?.(total);
  };

  for (const input of inputs) {
    total++;
    let expected: Atom[];
    try {
      expected = evaluator.run(input).get(sop.id) as Atom[];
    } catch (err) {
      if (!(err instanceof RaspError)) throw err;
      skipped++;
      firstSkipReason ??= `${err.message} (on input ${JSON.stringify(input)})`;
      continue;
    }
    const undef = evaluator.undefinedAt.get(sop.id) ?? null;
    if (undef) {
      const count = undef.reduce((a, b) => a + b, 0);
      undefinedPositions += count;
      if (count === input.length) {
        skipped++;
        firstSkipReason ??= `no position has a defined value (on input ${JSON.stringify(input)})`;
        continue;
      }
    }
    pending.push({ input, expected, ids: tokenizer.encode(input, "input"), undef: undef ? undef.slice() : null });
    if (pending.length >= batchSize) await flush();
  }
  await flush();
  opts.onProgress?.(total);

  // Explain the kept mismatches with a hooked forward pass.
  if (mismatches.length > 0) {
    const plan = matchPlan(model, evaluator);
    const result = await runner.forward(mismatches.map((m) => tokenizer.encode(m.input, "input")), { hooks: true });
    mismatches.forEach((m, b) => {
      m.departure = firstDeparture(model, plan, evaluator.run(m.input), result, b);
    });
  }
  return { total, skipped, firstSkipReason, mismatchCount, mismatches, undefinedPositions };
}

/** Every input of every length 1..maxLen over the vocabulary, shortest first. */
export function* exhaustiveInputs(vocab: readonly Atom[], maxLen: number): Generator<Atom[]> {
  for (let n = 1; n <= maxLen; n++) {
    const digits = new Array<number>(n).fill(0);
    for (;;) {
      yield digits.map((i) => vocab[i]!);
      let k = n - 1;
      while (k >= 0 && digits[k] === vocab.length - 1) digits[k--] = 0;
      if (k < 0) break;
      digits[k]!++;
    }
  }
}

/** How many inputs `exhaustiveInputs` yields (may exceed 2^53 as a float: only compared with a bound). */
export function exhaustiveCount(vocabSize: number, maxLen: number): number {
  let total = 0;
  let pow = 1;
  for (let n = 1; n <= maxLen; n++) {
    pow *= vocabSize;
    total += pow;
  }
  return total;
}

/**
 * `count` random inputs: length uniform in 1..maxLen, tokens uniform over the vocabulary; with
 * `distinct`, drawn without replacement (as the paper's Max-identifier task samples), so lengths
 * stop at the vocabulary's size.
 */
export function* randomInputs(vocab: readonly Atom[], maxLen: number, count: number, rng: { int(n: number): number }, distinct = false): Generator<Atom[]> {
  const longest = distinct ? Math.min(maxLen, vocab.length) : maxLen;
  for (let i = 0; i < count; i++) {
    const n = 1 + rng.int(longest);
    if (!distinct) {
      yield Array.from({ length: n }, () => vocab[rng.int(vocab.length)]!);
      continue;
    }
    const pool = [...vocab];
    for (let j = 0; j < n; j++) {
      const k = j + rng.int(pool.length - j); // partial Fisher–Yates
      [pool[j], pool[k]] = [pool[k]!, pool[j]!];
    }
    yield pool.slice(0, n);
  }
}

/** Whether an input repeats no token (for exhaustive runs restricted to distinct tokens). */
export function hasDistinctTokens(input: readonly Atom[]): boolean {
  return input.every((a, i) => input.findIndex((b) => atomEquals(a, b)) === i);
}
