// Stratified Counter test sets: each count of O_PT equally often, the correlation held or absent in
// every sample, labels that are the samples' own counts, the same set for the same seed; and an
// impossible stratification refused with the field it is about.
import { describe, expect, it } from "vitest";
import { makeRng } from "../../runtime/random.js";
import { readOut, type TaskSpec } from "../../runtime/tasks/data.js";
import { makeStratifiedDataset, stratifyProblem } from "../../runtime/tasks/stratified.js";
import { testSamples } from "../../runtime/train/testSets.js";

const spec: TaskSpec = { task: "counter", oPt: "a", oFt: "b", q: 1, length: 10 };

describe("stratified test sets", () => {
  it("hold each count 0..k of O_PT equally often, with or without the correlation throughout", () => {
    for (const correlated of [false, true]) {
      const set = makeStratifiedDataset(spec, 500, correlated, 4, makeRng(3));
      expect(set).toHaveLength(500);
      const counts = new Map<number, number>();
      for (const s of set) {
        expect(s.tokens).toHaveLength(10);
        expect(s.labelPt).toBe(readOut(spec, s.tokens, "a"));
        expect(s.labelFt).toBe(readOut(spec, s.tokens, "b"));
        expect(s.correlated).toBe(correlated);
        counts.set(s.labelPt as number, (counts.get(s.labelPt as number) ?? 0) + 1);
      }
      expect([...counts.entries()].sort((x, y) => x[0] - y[0])).toEqual([0, 1, 2, 3, 4].map((c) => [c, 100]));
    }
  });

  it("are the same for the same seed and differ for another", () => {
    const a = testSamples(spec, 250, 7, 4);
    const b = testSamples(spec, 250, 7, 4);
    const c = testSamples(spec, 250, 8, 4);
    expect(b).toEqual(a);
    expect(c.c0.map((s) => s.tokens.join(""))).not.toEqual(a.c0.map((s) => s.tokens.join("")));
    // And the natural sets are untouched by the option.
    expect(testSamples(spec, 50, 7)).toEqual(testSamples(spec, 50, 7, null));
  });

  it("are in a random order, not sorted by count", () => {
    const set = makeStratifiedDataset(spec, 100, false, 4, makeRng(1));
    expect(set.slice(0, 20).every((s) => s.labelPt === 0)).toBe(false);
  });

  it("refuse what cannot be built, naming the field", () => {
    // count 5 of a with count b = 6 needs 11 tokens
    expect(stratifyProblem(spec, 5, 600)).toEqual({ field: "stratify", reason: "count 5 of a cannot carry the correlation (count b = 6) in 10 tokens, so the C_Te = 1 set cannot hold it; the largest stratifiable count is 4" });
    expect(stratifyProblem(spec, 4, 501)?.field).toBe("samples");
    expect(stratifyProblem({ ...spec, task: "max_identifier", oPt: 5, oFt: 7, q: 3 }, 2, 300)?.reason).toMatch(/only Counter/);
    expect(stratifyProblem({ ...spec, q: -1 }, 2, 300)?.reason).toMatch(/count 0 of a cannot carry the correlation \(count b = -1\)/);
    expect(stratifyProblem(spec, 4, 500)).toBeNull();
    expect(() => makeStratifiedDataset(spec, 600, true, 5, makeRng(1))).toThrow(/cannot carry/);
  });
});
