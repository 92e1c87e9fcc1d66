// What a model computes, class by class: the confusion of the true answer's class against the
// predicted answer's class on a test set, from which the per-class accuracy and the histogram of
// predicted answers (the paper's fig. 59) follow. Overall accuracies can hide which of a few
// discrete functions a model has become (on a test set where count a is mostly 0, "always 0"
// scores 88%); the rows of a confusion matrix cannot.
//
// Classes: for Counter the answer itself (a count); for Max-identifier the answer's rank among the
// input's tokens (1 = smallest, the rank O the program reads out), or "∉x" for a token not in the
// input, so that "5→5" means "reads the 5th token" whatever the letters are.
import type { Atom } from "../../compiler/rasp/values.js";
import type { Sample, TaskName } from "../tasks/data.js";

/** True class → predicted class → how many samples. */
export type Confusion = Record<string, Record<string, number>>;

export const NOT_IN_INPUT = "∉x";

/** The class of `answer` for a sample of `task`. */
export function answerClass(task: TaskName, tokens: readonly string[], answer: Atom): string {
  if (task === "counter") return String(answer);
  const sorted = [...tokens].sort();
  const i = typeof answer === "string" ? sorted.indexOf(answer) : -1;
  return i < 0 ? NOT_IN_INPUT : String(i + 1);
}

export function addToConfusion(m: Confusion, truth: string, predicted: string): void {
  const row = (m[truth] ??= {});
  row[predicted] = (row[predicted] ?? 0) + 1;
}

/** Classes in reading order: numbers by value, then the rest by name. */
export function sortClasses(classes: Iterable<string>): string[] {
  const num = (c: string) => (/^-?\d+(\.\d+)?$/.test(c) ? Number(c) : Infinity);
  return [...new Set(classes)].sort((a, b) => num(a) - num(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Per true class: [right, of]. */
export function perClassAccuracy(m: Confusion): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const t of sortClasses(Object.keys(m))) {
    const row = m[t]!;
    out[t] = [row[t] ?? 0, Object.values(row).reduce((a, b) => a + b, 0)];
  }
  return out;
}

/** How often each class was predicted (the column sums). */
export function predictedHistogram(m: Confusion): Record<string, number> {
  const counts = new Map<string, number>();
  for (const row of Object.values(m)) for (const [p, n] of Object.entries(row)) counts.set(p, (counts.get(p) ?? 0) + n);
  return Object.fromEntries(sortClasses(counts.keys()).map((c) => [c, counts.get(c)!]));
}

const share = (n: number, of: number) => `${Math.round((100 * n) / of)}%`;

/**
 * One line: each true class and the answers it gets, most frequent first, those under `minShare`
 * left out; the share is shown unless a class always gets one answer. `0→0; 1→1; 2→1 62%, 2 30%`.
 */
export function describeConfusion(m: Confusion, minShare = 0.1): string {
  return sortClasses(Object.keys(m))
    .map((t) => {
      const row = m[t]!;
      const total = Object.values(row).reduce((a, b) => a + b, 0);
      const answers = Object.entries(row)
        .sort((a, b) => b[1] - a[1])
        .filter(([, n], i) => i === 0 || n / total >= minShare);
      const only = answers.length === 1 && answers[0]![1] === total;
      return `${t}→${answers.map(([p, n]) => (only ? p : `${p} ${share(n, total)}`)).join(", ")}`;
    })
    .join("; ");
}

/** A confusion matrix as a Markdown table, true classes down, predicted across. */
export function confusionTable(m: Confusion): string {
  const rows = sortClasses(Object.keys(m));
  const cols = sortClasses(Object.values(m).flatMap((r) => Object.keys(r)));
  const lines = [`| true \\ predicted | ${cols.join(" | ")} | n | acc |`, `| --- | ${cols.map(() => "---").join(" | ")} | --- | --- |`];
  for (const t of rows) {
    const row = m[t]!;
    const n = Object.values(row).reduce((a, b) => a + b, 0);
    lines.push(`| ${t} | ${cols.map((c) => String(row[c] ?? 0)).join(" | ")} | ${n} | ${((100 * (row[t] ?? 0)) / n).toFixed(1)} |`);
  }
  return lines.join("\n");
}

/** The class confusions of one evaluation: the four Accuracies keys (true O_PT / O_FT answer × C_Te). */
export interface Confusions {
  readonly ptC0: Confusion;
  readonly ftC0: Confusion;
  readonly ptC1: Confusion;
  readonly ftC1: Confusion;
}

/** Fills `pt` and `ft` with the samples' true classes against the predicted answers. */
export function confuse(task: TaskName, samples: readonly Sample[], predicted: readonly Atom[], pt: Confusion, ft: Confusion): void {
  samples.forEach((s, i) => {
    const p = answerClass(task, s.tokens, predicted[i]!);
    addToConfusion(pt, answerClass(task, s.tokens, s.labelPt), p);
    addToConfusion(ft, answerClass(task, s.tokens, s.labelFt), p);
  });
}
