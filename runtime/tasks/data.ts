// The paper's two compiled tasks as seeded data (Jain et al. 2023, section 3 and appendix D.1),
// with the spurious correlation r(x; O_FT) - r(x; O_PT) = q planted in a chosen fraction of the
// samples. The label of a sample is what the compiled program writes at its answer position
// (input position 1; model position 2, after BOS), so a compiled model can be scored against it
// directly:
//   - Counter: tokens from a..i with replacement; r(x; O) is the number of O in x.
//   - Max-identifier: distinct tokens from a..z; r(x; O) is the token with exactly O - 1 smaller
//     tokens in x (what max_identifier.rasp computes for `o_pt`; the paper calls it the O-th
//     largest), and the correlation compares vocabulary indices (q = 1: the O_FT token is the
//     letter after the O_PT token).
// A sample carries the correlation or provably does not, and both kinds are drawn from the task's
// distribution conditioned on that, so a C = 0 set never shows the correlation and a C = 1 set
// always does.
import { shuffle, type Rng } from "../random.js";

export type TaskName = "counter" | "max_identifier";

export interface TaskSpec {
  readonly task: TaskName;
  /** The operand the compiled model was built for (Counter: a token; Max-identifier: a rank). */
  readonly oPt: string | number;
  /** The operand fine-tuning asks for. */
  readonly oFt: string | number;
  /** The planted difference r(x; O_FT) - r(x; O_PT). */
  readonly q: number;
  /** Input length (every sample has this many tokens). */
  readonly length: number;
}

export interface Sample {
  readonly tokens: string[];
  /** r(x; O_PT): the pretraining label, at the answer position. */
  readonly labelPt: string | number;
  /** r(x; O_FT): the fine-tuning label. */
  readonly labelFt: string | number;
  /** Whether r(x; O_FT) - r(x; O_PT) = q holds. */
  readonly correlated: boolean;
}

export const COUNTER_VOCAB: readonly string[] = "abcdefghi".split("");
export const MAX_IDENTIFIER_VOCAB: readonly string[] = "abcdefghijklmnopqrstuvwxyz".split("");

/** The position (0 = first input token) where both compiled programs write their answer. */
export const ANSWER_POSITION = 1;

export const DEFAULT_SPECS: Readonly<Record<TaskName, TaskSpec>> = {
  counter: { task: "counter", oPt: "a", oFt: "b", q: 1, length: 10 },
  // The paper's Fig. 51 validation: the 5th and 7th tokens three letters apart.
  max_identifier: { task: "max_identifier", oPt: 5, oFt: 7, q: 3, length: 10 },
};

export function vocabOf(task: TaskName): readonly string[] {
  return task === "counter" ? COUNTER_VOCAB : MAX_IDENTIFIER_VOCAB;
}

/** r(x; O) for either task. */
export function readOut(spec: TaskSpec, tokens: readonly string[], operand: string | number): string | number {
  if (spec.task === "counter") return tokens.filter((t) => t === operand).length;
  const rank = operand as number;
  const sorted = [...tokens].sort();
  return sorted[rank - 1]!;
}

function difference(spec: TaskSpec, tokens: readonly string[]): number {
  const pt = readOut(spec, tokens, spec.oPt);
  const ft = readOut(spec, tokens, spec.oFt);
  if (spec.task === "counter") return (ft as number) - (pt as number);
  return MAX_IDENTIFIER_VOCAB.indexOf(ft as string) - MAX_IDENTIFIER_VOCAB.indexOf(pt as string);
}

/** Why a spec cannot be sampled, or null. */
export function specProblem(spec: TaskSpec): string | null {
  const vocab = vocabOf(spec.task);
  if (!Number.isInteger(spec.length) || spec.length < 2) return `length must be an integer of at least 2, got ${spec.length}`;
  if (!Number.isInteger(spec.q)) return `q must be an integer, got ${spec.q}`;
  if (spec.task === "counter") {
    for (const [name, o] of [["oPt", spec.oPt], ["oFt", spec.oFt]] as const) {
      if (typeof o !== "string" || !vocab.includes(o)) return `${name} must be one of ${vocab.join(", ")}, got ${JSON.stringify(o)}`;
    }
    if (spec.oPt === spec.oFt) return "oPt and oFt must differ";
    if (Math.abs(spec.q) > spec.length) return `q = ${spec.q} cannot hold in ${spec.length} tokens`;
    return null;
  }
  if (spec.length > vocab.length) return `length must be at most ${vocab.length} (tokens are distinct), got ${spec.length}`;
  for (const [name, o] of [["oPt", spec.oPt], ["oFt", spec.oFt]] as const) {
    if (typeof o !== "number" || !Number.isInteger(o) || o < 1 || o > spec.length) return `${name} must be a rank from 1 to the length ${spec.length}, got ${JSON.stringify(o)}`;
  }
  const gap = (spec.oFt as number) - (spec.oPt as number);
  if (gap === 0) return "oPt and oFt must differ";
  // Distinct tokens: the O_FT-th is at least |gap| letters from the O_PT-th, on the side of the gap.
  if (Math.sign(spec.q) !== Math.sign(gap) || Math.abs(spec.q) < Math.abs(gap)) return `q = ${spec.q} is impossible: the ${spec.oFt}th and ${spec.oPt}th distinct tokens are at least ${gap} letters apart`;
  if (Math.abs(spec.q) - Math.abs(gap) > vocab.length - spec.length) return `q = ${spec.q} leaves too few letters for ${spec.length} distinct tokens`;
  return null;
}

/** `k` distinct items of `pool`, uniformly. */
function choose<T>(pool: readonly T[], k: number, rng: Rng): T[] {
  return shuffle([...pool], rng).slice(0, k);
}

function uniformSample(spec: TaskSpec, rng: Rng): string[] {
  const vocab = vocabOf(spec.task);
  if (spec.task === "counter") return Array.from({ length: spec.length }, () => vocab[rng.int(vocab.length)]!);
  return choose(vocab, spec.length, rng);
}

/** A sample that satisfies the correlation, built directly (rejection would be slow for rare ones). */
function correlatedSample(spec: TaskSpec, rng: Rng): string[] {
  if (spec.task === "counter") {
    const others = COUNTER_VOCAB.filter((t) => t !== spec.oPt && t !== spec.oFt);
    // counts (k, k + q) of (O_PT, O_FT) with both >= 0 and k + k + q <= length
    const lo = Math.max(0, -spec.q);
    const hi = Math.floor((spec.length - spec.q) / 2);
    const k = lo + rng.int(hi - lo + 1);
    const tokens = [...new Array<string>(k).fill(spec.oPt as string), ...new Array<string>(k + spec.q).fill(spec.oFt as string)];
    while (tokens.length < spec.length) tokens.push(others[rng.int(others.length)]!);
    return shuffle(tokens, rng);
  }
  // Order the two ranks so that `low` is the smaller; the correlated letters sit |q| apart.
  const pt = spec.oPt as number;
  const ft = spec.oFt as number;
  const [lowRank, highRank] = pt < ft ? [pt, ft] : [ft, pt];
  const span = Math.abs(spec.q);
  const n = MAX_IDENTIFIER_VOCAB.length;
  // the low letter's index a needs lowRank - 1 letters below and length - highRank above a + span
  const minA = lowRank - 1;
  const maxA = n - 1 - span - (spec.length - highRank);
  const a = minA + rng.int(maxA - minA + 1);
  const letters = MAX_IDENTIFIER_VOCAB;
  const below = choose(letters.slice(0, a), lowRank - 1, rng);
  const between = choose(letters.slice(a + 1, a + span), highRank - lowRank - 1, rng);
  const above = choose(letters.slice(a + span + 1), spec.length - highRank, rng);
  return shuffle([...below, letters[a]!, ...between, letters[a + span]!, ...above], rng);
}

function sampleOf(spec: TaskSpec, tokens: string[]): Sample {
  return { tokens, labelPt: readOut(spec, tokens, spec.oPt), labelFt: readOut(spec, tokens, spec.oFt), correlated: difference(spec, tokens) === spec.q };
}

const REJECTION_TRIES = 2000;

/**
 * `count` samples of which exactly round(fraction · count) carry the correlation (at random
 * places); the others provably do not. Seeded through `rng`.
 */
export function makeDataset(spec: TaskSpec, count: number, fraction: number, rng: Rng): Sample[] {
  const problem = specProblem(spec);
  if (problem) throw new Error(problem);
  if (!(fraction >= 0 && fraction <= 1)) throw new Error(`the correlated fraction must be in [0, 1], got ${fraction}`);
  const correlated = Math.round(fraction * count);
  const flags = shuffle(Array.from({ length: count }, (_, i) => i < correlated), rng);
  // Both kinds are drawn from the task's own distribution conditioned on whether the correlation
  // holds (rejection), so the two sets differ in the correlation and nothing else; a correlated
  // sample rarer than 1 in REJECTION_TRIES is built directly instead.
  return flags.map((c) => {
    for (let tries = 0; tries < REJECTION_TRIES; tries++) {
      const s = sampleOf(spec, uniformSample(spec, rng));
      if (s.correlated === c) return s;
    }
    if (c) return sampleOf(spec, correlatedSample(spec, rng));
    throw new Error("the correlation holds for (nearly) every sample of this spec; an uncorrelated set cannot be drawn");
  });
}

/**
 * `count` samples from the task's own distribution, with the correlation wherever chance puts it:
 * the pretraining data of reverse fine-tuning and of the Scr.+FT baseline.
 */
export function makeNaturalDataset(spec: TaskSpec, count: number, rng: Rng): Sample[] {
  const problem = specProblem(spec);
  if (problem) throw new Error(problem);
  return Array.from({ length: count }, () => sampleOf(spec, uniformSample(spec, rng)));
}

/** How often each label occurs, sorted by label. */
export function labelHistogram(samples: readonly Sample[], which: "labelPt" | "labelFt"): [string | number, number][] {
  const counts = new Map<string | number, number>();
  for (const s of samples) counts.set(s[which], (counts.get(s[which]) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A text histogram, one line per label, bars scaled to `width`. */
export function formatHistogram(title: string, hist: readonly [string | number, number][], width = 40): string {
  const total = hist.reduce((a, [, c]) => a + c, 0);
  const most = Math.max(1, ...hist.map(([, c]) => c));
  const labelWidth = Math.max(...hist.map(([l]) => String(l).length), 1);
  const lines = hist.map(([l, c]) => `${String(l).padStart(labelWidth)} | ${"#".repeat(Math.round((c / most) * width)).padEnd(width)} ${c} (${((100 * c) / total).toFixed(1)}%)`);
  return [title, ...lines].join("\n");
}
