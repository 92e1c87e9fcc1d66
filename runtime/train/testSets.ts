// The held-out test sets of a sweep: one without the spurious correlation (C_Te = 0) and one where
// it always holds (C_Te = 1), drawn from the sweep's test seed alone, so that every run of a sweep
// and every baseline (runtime/experiment/baselines.ts) is scored on the same samples.
import { makeRng } from "../random.js";
import { makeDataset, type Sample, type TaskSpec } from "../tasks/data.js";
import { streamSeed } from "./taskBatches.js";

export interface TestSamples {
  readonly c0: readonly Sample[];
  readonly c1: readonly Sample[];
}

/** `samples` samples per set from the task's distribution, conditioned on the correlation (C_Te = 0) or on its absence. */
export function testSamples(spec: TaskSpec, samples: number, seed: number): TestSamples {
  const draw = (c: 0 | 1) => makeDataset(spec, samples, c, makeRng(streamSeed(seed, c === 0 ? 0x7e570 : 0x7e571)));
  return { c0: draw(0), c1: draw(1) };
}
