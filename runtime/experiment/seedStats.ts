// A table cell from several seeds: accuracies as mean ± sample standard deviation, and "iterations
// to X" as the median over the seeds that got there with how many did (`450 (2/3)`), so that a
// single lucky seed cannot pass for the rule and a seed that never arrives is never averaged away.

export interface Spread {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1); 0 for one value. */
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

export function spread(xs: readonly number[]): Spread | null {
  const n = xs.length;
  if (n === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { n, mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

/** `86.0 ± 1.2` in percent (one value: `86.0`; none: `–`). */
export function formatPercentSpread(xs: readonly number[]): string {
  const s = spread(xs);
  if (!s) return "–";
  return s.n === 1 ? (100 * s.mean).toFixed(1) : `${(100 * s.mean).toFixed(1)} ± ${(100 * s.sd).toFixed(1)}`;
}

/** The lower median of the numbers. */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * Iterations to a level over seeds (null: never): `450 (3/3)`, `600 (1/3)`, `never (0/3)`; the
 * median is over the seeds that reached it. `total` counts the seeds asked (a seed without a value
 * at all, one that did not finish, counts as not reached).
 */
export function formatReached(xs: readonly (number | null | undefined)[], total = xs.length): string {
  const got = xs.filter((x): x is number => typeof x === "number");
  return got.length === 0 ? `never (0/${total})` : `${median(got)} (${got.length}/${total})`;
}
