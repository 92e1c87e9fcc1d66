// Counter test sets in which every count of O_PT from 0 to k is equally represented. On the task's
// own distribution (nine letters, uniform) count a is 0 or 1 for most inputs, so "always 0" and
// "min(count a, 1)" score 80-90% there and a table cannot tell counting from either; with each
// count equally often, a capped count min(count, j) scores (j + 1)/(k + 1) and counting stands out.
// Within a count the sample is the task's distribution conditioned on that count and on whether
// the correlation count O_FT = count O_PT + q holds.
import { shuffle, type Rng } from "../random.js";
import { COUNTER_VOCAB, readOut, type Sample, type TaskSpec } from "./data.js";

const REJECTION_TRIES = 2000;

/** A reason, and the config field it is about. */
export interface StratifyProblem {
  readonly field: "stratify" | "samples";
  readonly reason: string;
}

/** Why the C_Te = 0 and C_Te = 1 sets cannot both hold each count 0..k equally in `samples` samples, or null. */
export function stratifyProblem(spec: TaskSpec, k: number, samples: number): StratifyProblem | null {
  const problem = (reason: string): StratifyProblem => ({ field: "stratify", reason });
  if (spec.task !== "counter") return problem("only Counter's test sets can be stratified (by the count of O_PT)");
  const L = spec.length;
  for (let j = 0; j <= k; j++) {
    if (j > L) return problem(`a count of ${j} does not fit in ${L} tokens; the largest is ${L}`);
    const b = j + spec.q;
    if (b < 0 || j + b > L) {
      const largest = Math.floor((L - spec.q) / 2);
      return problem(`count ${j} of ${String(spec.oPt)} cannot carry the correlation (count ${String(spec.oFt)} = ${b}) in ${L} tokens, so the C_Te = 1 set cannot hold it${largest >= 0 && spec.q >= 0 ? `; the largest stratifiable count is ${Math.min(largest, L)}` : ""}`);
    }
    if (j === L && spec.q === -L) return problem(`count ${j} of ${String(spec.oPt)} always carries the correlation, so the C_Te = 0 set cannot hold it`);
  }
  if (samples % (k + 1) !== 0) return { field: "samples", reason: `must be a multiple of ${k + 1} (eval.stratify asks for each count 0..${k} equally often), got ${samples}` };
  return null;
}

/** One sample with exactly `count` O_PT tokens, with or without the correlation. */
function sampleWithCount(spec: TaskSpec, count: number, correlated: boolean, rng: Rng): Sample {
  const pt = spec.oPt as string;
  const ft = spec.oFt as string;
  const make = (tokens: string[]): Sample => {
    const labelPt = readOut(spec, tokens, pt);
    const labelFt = readOut(spec, tokens, ft);
    return { tokens, labelPt, labelFt, correlated: (labelFt as number) - (labelPt as number) === spec.q };
  };
  if (correlated) {
    const others = COUNTER_VOCAB.filter((t) => t !== pt && t !== ft);
    const tokens = [...new Array<string>(count).fill(pt), ...new Array<string>(count + spec.q).fill(ft)];
    while (tokens.length < spec.length) tokens.push(others[rng.int(others.length)]!);
    return make(shuffle(tokens, rng));
  }
  const notPt = COUNTER_VOCAB.filter((t) => t !== pt);
  for (let tries = 0; tries < REJECTION_TRIES; tries++) {
    const tokens = new Array<string>(count).fill(pt);
    while (tokens.length < spec.length) tokens.push(notPt[rng.int(notPt.length)]!);
    const s = make(shuffle(tokens, rng));
    if (!s.correlated) return s;
  }
  throw new Error(`no uncorrelated sample with count ${count} found`);
}

/**
 * `samples` Counter samples, samples/(k + 1) with each count 0..k of O_PT, all with the correlation
 * or all without, in a shuffled order. Call stratifyProblem first; a bad request throws.
 */
export function makeStratifiedDataset(spec: TaskSpec, samples: number, correlated: boolean, k: number, rng: Rng): Sample[] {
  const problem = stratifyProblem(spec, k, samples);
  if (problem) throw new Error(problem.reason);
  const per = samples / (k + 1);
  const out: Sample[] = [];
  for (let j = 0; j <= k; j++) for (let i = 0; i < per; i++) out.push(sampleWithCount(spec, j, correlated, rng));
  return shuffle(out, rng);
}
