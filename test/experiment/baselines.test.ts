// Baselines against a direct count on a hand-built test set: the constant and capped-count rows must
// score exactly what counting the samples by hand gives.
import { describe, expect, it } from "vitest";
import { readOut, type Sample, type TaskSpec } from "../../runtime/tasks/data.js";
import { baselines, scoreFunction } from "../../runtime/experiment/baselines.js";

const spec: TaskSpec = { task: "counter", oPt: "a", oFt: "b", q: 1, length: 4 };
const sample = (text: string): Sample => {
  const tokens = text.split("");
  const pt = readOut(spec, tokens, "a") as number;
  const ft = readOut(spec, tokens, "b") as number;
  return { tokens, labelPt: pt, labelFt: ft, correlated: ft - pt === 1 };
};
// C_Te = 0: count a = 0, 0, 0, 1, 2, 3; count b = 0, 2, 0, 0, 0, 0 (never count a + 1).
const c0 = ["cccc", "bbcc", "cdef", "accc", "aacc", "aaac"].map(sample);
// C_Te = 1: (a, b) = (0, 1), (0, 1), (1, 2), (0, 1).
const c1 = ["bccc", "cbcc", "abbc", "cccb"].map(sample);

describe("baselines", () => {
  it("the sets are what the comments say", () => {
    expect(c0.every((s) => !s.correlated)).toBe(true);
    expect(c1.every((s) => s.correlated)).toBe(true);
  });

  it("the best constant and the capped counts equal a direct count", () => {
    const rows = baselines(spec, { c0, c1 });
    const byName = new Map(rows.map((r) => [r.name, r.acc]));
    // Most frequent O_PT and O_FT label at C_Te = 0 is 0 for both: one row.
    expect(rows.filter((r) => r.name.startsWith("always")).map((r) => r.name)).toEqual(["always 0"]);
    expect(byName.get("always 0")).toEqual({ ptC0: 3 / 6, ftC0: 5 / 6, ptC1: 3 / 4, ftC1: 0 });
    // min(count a, 1): answers 0,0,0,1,1,1 on c0 (right for a on 4 of 6, for b on 2), 0,0,1,0 on c1.
    expect(byName.get("min(count a, 1)")).toEqual({ ptC0: 4 / 6, ftC0: 2 / 6, ptC1: 4 / 4, ftC1: 0 });
    // min(count a, 2): 0,0,0,1,2,2 — right for a on 5 of 6.
    expect(byName.get("min(count a, 2)")).toEqual({ ptC0: 5 / 6, ftC0: 2 / 6, ptC1: 1, ftC1: 0 });
    // The largest a count is 3, so k stops at 2; the largest b count is 2, so k stops at 1.
    expect(byName.has("min(count a, 3)")).toBe(false);
    expect(byName.get("min(count b, 1)")).toEqual({ ptC0: 2 / 6, ftC0: 5 / 6, ptC1: 1 / 4, ftC1: 3 / 4 });
    expect(byName.has("min(count b, 2)")).toBe(false);
  });

  it("scores any function the same way as counting by hand", () => {
    const direct = (f: (s: Sample) => number, set: readonly Sample[], label: "labelPt" | "labelFt") => set.filter((s) => f(s) === s[label]).length / set.length;
    const f = (s: Sample) => s.tokens.filter((t) => t === "c").length % 3;
    expect(scoreFunction({ c0, c1 }, f)).toEqual({ ptC0: direct(f, c0, "labelPt"), ftC0: direct(f, c0, "labelFt"), ptC1: direct(f, c1, "labelPt"), ftC1: direct(f, c1, "labelFt") });
  });

  it("Max-identifier gets the best constant letter only", () => {
    const mi: TaskSpec = { task: "max_identifier", oPt: 1, oFt: 2, q: 1, length: 3 };
    const s = (t: string): Sample => ({ tokens: t.split(""), labelPt: readOut(mi, t.split(""), 1), labelFt: readOut(mi, t.split(""), 2), correlated: false });
    const rows = baselines(mi, { c0: [s("acz"), s("adz"), s("bdz")], c1: [] });
    expect(rows.map((r) => r.name)).toEqual(["always a", "always d"]);
    expect(rows[0]!.acc.ptC0).toBeCloseTo(2 / 3);
    expect(rows[1]!.acc.ftC0).toBeCloseTo(2 / 3);
  });
});
