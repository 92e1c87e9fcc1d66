// How hard the gradient clip works: the pre-clip global gradient norm of every step (the Trainer's
// step result), summed between metrics records into the mean and largest norm and the fraction of
// steps the clip shortened. At the sweep's smallest learning rate the clip can bind on nearly every
// step, which makes that SGD normalised-gradient SGD; these numbers say so where prose cannot.

/** Running sums since the last metrics record (kept in checkpoints, so a resumed run sums the same). */
export interface GradCounters {
  readonly steps: number;
  readonly normSum: number;
  readonly normMax: number;
  /** Steps whose norm exceeded the clip. */
  readonly clipped: number;
}

export const ZERO_GRAD_COUNTERS: GradCounters = { steps: 0, normSum: 0, normMax: 0, clipped: 0 };

/** A metrics record's gradient statistics over the steps since the previous record. */
export interface GradRecord {
  readonly steps: number;
  readonly meanNorm: number;
  readonly maxNorm: number;
  /** Fraction of those steps the clip shortened; null when the run does not clip. */
  readonly clippedFraction: number | null;
}

export function addStep(c: GradCounters, gradNorm: number, clipNorm: number | null): GradCounters {
  return { steps: c.steps + 1, normSum: c.normSum + gradNorm, normMax: Math.max(c.normMax, gradNorm), clipped: c.clipped + (clipNorm !== null && gradNorm > clipNorm ? 1 : 0) };
}

export function gradRecord(c: GradCounters, clipNorm: number | null): GradRecord | null {
  if (c.steps === 0) return null;
  return { steps: c.steps, meanNorm: c.normSum / c.steps, maxNorm: c.normMax, clippedFraction: clipNorm === null ? null : c.clipped / c.steps };
}

/** The whole run's statistics from its records (each weighted by its steps); null before any step. */
export function runGradStats(records: readonly { readonly grad?: GradRecord | null }[]): GradRecord | null {
  const parts = records.map((r) => r.grad).filter((g): g is GradRecord => g !== null && g !== undefined);
  const steps = parts.reduce((a, g) => a + g.steps, 0);
  if (steps === 0) return null;
  const clips = parts.every((g) => g.clippedFraction !== null);
  return {
    steps,
    meanNorm: parts.reduce((a, g) => a + g.meanNorm * g.steps, 0) / steps,
    maxNorm: Math.max(...parts.map((g) => g.maxNorm)),
    clippedFraction: clips ? parts.reduce((a, g) => a + g.clippedFraction! * g.steps, 0) / steps : null,
  };
}

/** Reads counters from a checkpoint's JSON; absent (an older checkpoint) is zero. */
export function gradCountersFrom(x: unknown): GradCounters {
  const c = x as Partial<Record<keyof GradCounters, unknown>> | undefined;
  const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
  return c && typeof c === "object" ? { steps: num(c.steps), normSum: num(c.normSum), normMax: num(c.normMax), clipped: num(c.clipped) } : ZERO_GRAD_COUNTERS;
}
