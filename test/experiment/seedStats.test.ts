// Spreads over seeds and "iterations to X" with how many seeds reached it.
import { describe, expect, it } from "vitest";
import { formatPercentSpread, formatReached, median, spread } from "../../runtime/experiment/seedStats.js";

describe("seed statistics", () => {
  it("mean and sample standard deviation", () => {
    const s = spread([0.9, 1, 0.8])!;
    expect(s.mean).toBeCloseTo(0.9, 12);
    expect(s.sd).toBeCloseTo(0.1, 12);
    expect([s.min, s.max, s.n]).toEqual([0.8, 1, 3]);
    expect(spread([])).toBeNull();
    expect(spread([0.5])!.sd).toBe(0);
  });

  it("formats accuracies in percent, with the spread only when there is more than one seed", () => {
    expect(formatPercentSpread([0.9, 1, 0.8])).toBe("90.0 ± 10.0");
    expect(formatPercentSpread([0.862])).toBe("86.2");
    expect(formatPercentSpread([])).toBe("–");
  });

  it("iterations to X: the median over the seeds that reached it, and how many did", () => {
    expect(formatReached([300, 100, 200])).toBe("200 (3/3)");
    expect(formatReached([null, 600, null])).toBe("600 (1/3)");
    expect(formatReached([null, null])).toBe("never (0/2)");
    expect(formatReached([100, 400])).toBe("100 (2/2)");
    expect(formatReached([100, undefined], 3)).toBe("100 (1/3)");
    expect(median([4, 1, 3, 2])).toBe(2);
  });
});
