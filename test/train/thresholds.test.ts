// "Iterations to X%" on synthetic metric series: a crossing that falls back, a level never reached,
// a level reached only at the last record, and dips below the level before it is held.
import { describe, expect, it } from "vitest";
import { firstCrossing, heldFrom } from "../../runtime/train/thresholds.js";

const series = (...accs: number[]) => accs.map((a, i) => ({ step: 50 * i, acc: { ptC0: a, ftC0: 1 - a, ptC1: 0, ftC1: 0 } }));

describe("thresholds", () => {
  it("a crossing that falls back counts as a crossing but is not held", () => {
    const s = series(0.1, 0.5, 0.92, 0.7, 0.594);
    expect(firstCrossing(s, "ptC0", 0.9)).toBe(100);
    expect(heldFrom(s, "ptC0", 0.9)).toBeNull();
  });

  it("a level never reached is null both ways", () => {
    const s = series(0.1, 0.5, 0.89);
    expect(firstCrossing(s, "ptC0", 0.9)).toBeNull();
    expect(heldFrom(s, "ptC0", 0.9)).toBeNull();
  });

  it("reached at the last record: both are the last step", () => {
    const s = series(0.1, 0.5, 0.8, 1);
    expect(firstCrossing(s, "ptC0", 1)).toBe(150);
    expect(heldFrom(s, "ptC0", 1)).toBe(150);
  });

  it("held from the first record after the last dip", () => {
    const s = series(0.95, 0.91, 0.85, 0.9, 0.97, 0.99);
    expect(firstCrossing(s, "ptC0", 0.9)).toBe(0);
    expect(heldFrom(s, "ptC0", 0.9)).toBe(150);
    expect(heldFrom(s, "ptC0", 0.8)).toBe(0);
    expect(heldFrom(s, "ftC0", 0.05)).toBeNull();
  });

  it("exact 100% survives float noise", () => {
    const s = series(0.3, 299 / 300 + 1 / 300);
    expect(heldFrom(s, "ptC0", 1)).toBe(50);
  });
});
