// The held-out test sets of a sweep: one without the spurious correlation (C_Te = 0) and one where
// it always holds (C_Te = 1), drawn from the sweep's test seed alone, so that every run of a sweep
// and every baseline (runtime/experiment/baselines.ts) is scored on the same samples.
import { makeRng } from "../random.js";
import { makeDataset, type Sample, type TaskSpec } from "../tasks/data.js";
import { makeStratifiedDataset } from "../tasks/stratified.js";
import { streamSeed } from "./taskBatches.js";

export interface TestSamples {
  readonly c0: readonly Sample[];
  readonly c1: readonly Sample[];
}

/**
 * `samples` samples per set from the task's distribution, conditioned on the correlation (C_Te = 1)
 * or on its absence (C_Te = 0); with `stratify` = k (Counter), each count 0..k of O_PT equally often
 * (runtime/tasks/stratified.ts).
 */
export function testSamples(spec: TaskSpec, samples: number, seed: number, stratify: number | null = null): TestSamples {
  const draw = (c: 0 | 1) => {
    const rng = makeRng(streamSeed(seed, c === 0 ? 0x7e570 : 0x7e571));
    return stratify === null ? makeDataset(spec, samples, c, rng) : makeStratifiedDataset(spec, samples, c === 1, stratify, rng);
  };
  return { c0: draw(0), c1: draw(1) };
}
