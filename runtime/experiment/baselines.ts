// Trivial functions scored on a sweep's own test sets, printed as rows beside the runs so that a
// reader sees at once which accuracies need no model at all: the best constant answer and, for
// Counter, the capped counts min(count, k) of either operand. A fine-tuned model that "keeps 86%"
// may be computing one of these; the per-class line of each run (confusion.ts) says which.
import { readOut, type Sample, type TaskSpec } from "../tasks/data.js";
import type { Accuracies } from "../train/loop.js";
import type { TestSamples } from "../train/testSets.js";

export interface Baseline {
  /** What the function answers, e.g. `always 0`, `min(count a, 1)`. */
  readonly name: string;
  readonly acc: Accuracies;
}

type Answer = string | number;

/** The accuracies of `f` against the O_PT and O_FT labels of both test sets. */
export function scoreFunction(tests: TestSamples, f: (s: Sample) => Answer): Accuracies {
  const score = (set: readonly Sample[], label: "labelPt" | "labelFt") => (set.length === 0 ? 0 : set.filter((s) => f(s) === s[label]).length / set.length);
  return { ptC0: score(tests.c0, "labelPt"), ftC0: score(tests.c0, "labelFt"), ptC1: score(tests.c1, "labelPt"), ftC1: score(tests.c1, "labelFt") };
}

/** The most frequent value of `label` in `set` (the smallest on ties, so the choice is stable). */
function mostFrequent(set: readonly Sample[], label: "labelPt" | "labelFt"): Answer | null {
  const counts = new Map<Answer, number>();
  for (const s of set) counts.set(s[label], (counts.get(s[label]) ?? 0) + 1);
  let best: Answer | null = null;
  let bestCount = -1;
  for (const [v, n] of counts) if (n > bestCount || (n === bestCount && best !== null && v < best)) [best, bestCount] = [v, n];
  return best;
}

/** The largest count of `operand` in any test sample. */
function maxCount(spec: TaskSpec, tests: TestSamples, operand: Answer): number {
  return Math.max(0, ...[...tests.c0, ...tests.c1].map((s) => readOut(spec, s.tokens, operand) as number));
}

/**
 * The baseline rows for a sweep: the constant answers that score best on Acc O_PT and on Acc O_FT
 * at C_Te = 0 (one row when they agree), then, for Counter, min(count O, k) for both operands and
 * k = 1 .. `maxCap` wherever k is below the largest count in the sets (at or above it the capped
 * count is the count itself, which is the task, not a baseline).
 */
export function baselines(spec: TaskSpec, tests: TestSamples, maxCap = 3): Baseline[] {
  const out: Baseline[] = [];
  const constants = [mostFrequent(tests.c0, "labelPt"), mostFrequent(tests.c0, "labelFt")].filter((v): v is Answer => v !== null);
  for (const v of [...new Set(constants)]) out.push({ name: `always ${v}`, acc: scoreFunction(tests, () => v) });
  if (spec.task === "counter") {
    for (const operand of [spec.oPt, spec.oFt]) {
      const top = maxCount(spec, tests, operand);
      for (let k = 1; k <= maxCap && k < top; k++) {
        out.push({ name: `min(count ${operand}, ${k})`, acc: scoreFunction(tests, (s) => Math.min(readOut(spec, s.tokens, operand) as number, k)) });
      }
    }
  }
  return out;
}
