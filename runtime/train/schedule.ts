// The paper's learning-rate schedule (appendix E.1): linear warmup from 0 over the first
// `warmupFraction` of the run, then cosine decay from the peak to `finalFraction` of it.
export interface Schedule {
  readonly peak: number;
  readonly iterations: number;
  readonly warmupFraction: number;
  readonly finalFraction: number;
}

/** The learning rate of step `t` (0-based). */
export function learningRateAt(s: Schedule, t: number): number {
  const warmup = Math.round(s.warmupFraction * s.iterations);
  // Step t uses the rate reached after t + 1 warmup steps, so step 0 already moves (a zero first
  // step would waste an iteration).
  if (t < warmup) return (s.peak * (t + 1)) / warmup;
  const decaySteps = Math.max(1, s.iterations - warmup - 1);
  const progress = Math.min(1, (t - warmup) / decaySteps);
  const floor = s.peak * s.finalFraction;
  return floor + (s.peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
}
