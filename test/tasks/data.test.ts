// The task data of the fine-tuning lab: the planted correlation holds in exactly the requested
// fraction, C = 1 sets always satisfy it and C = 0 sets never do, and the labels are what the
// compiled programs compute at their answer position (checked against the interpreter running
// counter.rasp and max_identifier.rasp, and against independent counts).
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { GraphEvaluator, evaluateSOp } from "../../compiler/rasp/evaluate.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import { makeRng } from "../../runtime/random.js";
import { ANSWER_POSITION, DEFAULT_SPECS, formatHistogram, labelHistogram, makeDataset, specProblem, type TaskSpec } from "../../runtime/tasks/data.js";

const program = (file: string, operandLine: RegExp, operand: string) => {
  // The operand is a plain variable at the top of each file; rewrite it to compile other tasks.
  const text = fs.readFileSync(`rasp-programs/${file}`, "utf8").replace(operandLine, operand);
  return outputSOp(loadProgram(file, () => text), "out");
};

describe("counter data", () => {
  const spec = DEFAULT_SPECS.counter;

  it("plants the correlation in exactly round(C·n) samples, and nowhere else", () => {
    for (const c of [0, 0.5, 0.8, 1]) {
      const data = makeDataset(spec, 1000, c, makeRng(7));
      expect(data.filter((s) => s.correlated).length).toBe(Math.round(c * 1000));
      for (const s of data) expect(s.correlated).toBe((s.labelFt as number) - (s.labelPt as number) === spec.q);
    }
  });

  it("labels are independent counts and what counter.rasp writes at the answer position", () => {
    const countA = program("counter.rasp", /^operand = .*$/m, 'operand = "a";');
    const countB = program("counter.rasp", /^operand = .*$/m, 'operand = "b";');
    for (const s of makeDataset(spec, 300, 0.5, makeRng(3))) {
      expect(s.tokens).toHaveLength(spec.length);
      expect(s.labelPt).toBe(s.tokens.join("").split("a").length - 1);
      expect(evaluateSOp(countA, s.tokens)[ANSWER_POSITION]).toBe(s.labelPt);
      expect(evaluateSOp(countB, s.tokens)[ANSWER_POSITION]).toBe(s.labelFt);
    }
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: -3, max: 4 }), fc.integer({ min: 4, max: 16 })], { numRuns: 40, seed: 1 })(
    "C = 1 always satisfies it and C = 0 never does, for any q and length",
    (seed, q, length) => {
      const s: TaskSpec = { ...spec, q, length };
      expect(makeDataset(s, 50, 1, makeRng(seed)).every((x) => x.correlated)).toBe(true);
      expect(makeDataset(s, 50, 0, makeRng(seed)).some((x) => x.correlated)).toBe(false);
    },
  );

  it("the same seed gives the same data", () => {
    expect(makeDataset(spec, 20, 0.5, makeRng(9))).toEqual(makeDataset(spec, 20, 0.5, makeRng(9)));
  });
});

describe("max_identifier data", () => {
  const spec = DEFAULT_SPECS.max_identifier;

  it("tokens are distinct; labels are what max_identifier.rasp writes at the answer position", () => {
    const rank = (o: number) => program("max_identifier.rasp", /^o_pt = .*$/m, `o_pt = ${o};`);
    const pt = rank(spec.oPt as number);
    const ft = rank(spec.oFt as number);
    // Position 0 averages differing letters (undefined); the answer position is always defined.
    const answer = (sop: SOp, tokens: string[]) => (new GraphEvaluator(sop, { undefinedOnConflict: true }).run(tokens).get(sop.id) as unknown[])[ANSWER_POSITION];
    for (const s of makeDataset(spec, 300, 0.5, makeRng(4))) {
      expect(new Set(s.tokens).size).toBe(spec.length);
      expect(answer(pt, s.tokens)).toBe(s.labelPt);
      expect(answer(ft, s.tokens)).toBe(s.labelFt);
      const gap = (s.labelFt as string).charCodeAt(0) - (s.labelPt as string).charCodeAt(0);
      expect(s.correlated).toBe(gap === spec.q);
    }
  });

  test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom<[number, number, number]>([5, 7, 3], [5, 7, 2], [5, 6, 1], [7, 5, -4], [1, 10, 12])], { numRuns: 30, seed: 2 })(
    "C = 1 always satisfies it and C = 0 never does",
    (seed, [oPt, oFt, q]) => {
      const s: TaskSpec = { ...spec, oPt, oFt, q };
      expect(makeDataset(s, 40, 1, makeRng(seed)).every((x) => x.correlated)).toBe(true);
      expect(makeDataset(s, 40, 0, makeRng(seed)).some((x) => x.correlated)).toBe(false);
    },
  );

  it("refuses impossible specs with a reason naming the field", () => {
    expect(specProblem({ ...spec, q: 1 })).toMatch(/q = 1 is impossible/);
    expect(specProblem({ ...spec, oFt: 11 })).toMatch(/oFt must be a rank from 1 to the length 10/);
    expect(specProblem({ ...spec, length: 27 })).toMatch(/length must be at most 26/);
    expect(specProblem({ ...DEFAULT_SPECS.counter, oFt: "z" })).toMatch(/oFt must be one of a, b/);
    expect(() => makeDataset(spec, 10, 1.5, makeRng(1))).toThrow(/fraction must be in \[0, 1\]/);
  });
});

describe("label histograms", () => {
  it("count every label once, and the correlated set's FT labels follow its PT labels", () => {
    const data = makeDataset(DEFAULT_SPECS.counter, 500, 1, makeRng(5));
    const pt = labelHistogram(data, "labelPt");
    const ft = labelHistogram(data, "labelFt");
    expect(pt.reduce((a, [, c]) => a + c, 0)).toBe(500);
    // With q = 1 everywhere, the FT histogram is the PT histogram shifted by one.
    expect(ft).toEqual(pt.map(([l, c]) => [(l as number) + 1, c]));
    expect(formatHistogram("labels", pt).split("\n")).toHaveLength(pt.length + 1);
  });
});
