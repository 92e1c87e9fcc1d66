// Gradient-norm statistics: sums between records, the clip rate, and the run's totals weighted by
// the steps each record covers.
import { describe, expect, it } from "vitest";
import { addStep, gradCountersFrom, gradRecord, runGradStats, ZERO_GRAD_COUNTERS } from "../../runtime/train/gradStats.js";

describe("gradient statistics", () => {
  it("a record: mean and largest pre-clip norm, and the fraction of steps the clip shortened", () => {
    const c = [0.5, 3, 1, 7.5].reduce((acc, n) => addStep(acc, n, 1), ZERO_GRAD_COUNTERS);
    expect(gradRecord(c, 1)).toEqual({ steps: 4, meanNorm: 3, maxNorm: 7.5, clippedFraction: 0.5 });
    // A norm equal to the clip is not shortened.
    expect(gradRecord(addStep(ZERO_GRAD_COUNTERS, 1, 1), 1)!.clippedFraction).toBe(0);
    expect(gradRecord(addStep(ZERO_GRAD_COUNTERS, 9, null), null)!.clippedFraction).toBeNull();
    expect(gradRecord(ZERO_GRAD_COUNTERS, 1)).toBeNull();
  });

  it("a run: records weighted by their steps; the step-0 record has none", () => {
    const run = runGradStats([{ grad: null }, { grad: { steps: 3, meanNorm: 2, maxNorm: 4, clippedFraction: 1 / 3 } }, { grad: { steps: 1, meanNorm: 6, maxNorm: 6, clippedFraction: 1 } }]);
    expect(run).toEqual({ steps: 4, meanNorm: 3, maxNorm: 6, clippedFraction: 0.5 });
    expect(runGradStats([{ grad: null }])).toBeNull();
  });

  it("reads counters back from a checkpoint, and an older checkpoint without them as zero", () => {
    const c = addStep(addStep(ZERO_GRAD_COUNTERS, 2, 1), 0.5, 1);
    expect(gradCountersFrom(JSON.parse(JSON.stringify(c)))).toEqual(c);
    expect(gradCountersFrom(undefined)).toEqual(ZERO_GRAD_COUNTERS);
  });
});
