// Per-class accuracy and confusion: on a compiled Counter model whose weights are noised enough to
// make mistakes, the per-class accuracies weighted by class size give back the overall accuracy,
// and each confusion row sums to the number of test samples of that class; the one-line reading
// and the class of a Max-identifier answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { makeRng } from "../../runtime/random.js";
import { COUNTER_VOCAB, DEFAULT_SPECS, readOut } from "../../runtime/tasks/data.js";
import { answerClass, describeConfusion, NOT_IN_INPUT, perClassAccuracy, predictedHistogram, type Confusion } from "../../runtime/train/confusion.js";
import { encodeTestSets, evaluateClasses, type Evaluation } from "../../runtime/train/loop.js";
import { createOrtTrainer } from "../../runtime/train/ortTrainer.js";
import { addNoise, geometryOf, paramsOf } from "../../runtime/train/params.js";
import { MODEL_ANSWER_POSITION, TaskEncoder } from "../../runtime/train/taskBatches.js";
import { testSamples, type TestSamples } from "../../runtime/train/testSets.js";
import { zerosLike, type Trainer } from "../../runtime/train/trainer.js";

const FILE = "rasp-programs/counter.rasp";
const spec = { ...DEFAULT_SPECS.counter, length: 5 };

let model: CompiledModel;
let trainer: Trainer;
let sets: TestSamples;
let evaluation: Evaluation;

beforeAll(async () => {
  model = compileFile(FILE, { vocab: COUNTER_VOCAB, maxLen: 5, overrides: new Map([["operand", "a"]]) });
  // σ = 3e-3 breaks some counts of this model but not all, so every row has errors to account for.
  const params = addNoise(paramsOf(model), 3e-3, makeRng(11));
  trainer = await createOrtTrainer({ geometry: geometryOf(model), initial: { params, velocity: zerosLike(params) }, answerPosition: MODEL_ANSWER_POSITION, threads: 1 });
  const encoder = new TaskEncoder(model);
  sets = testSamples(spec, 400, 5);
  evaluation = await evaluateClasses(trainer, encodeTestSets(encoder, sets), { task: "counter", answers: encoder.answers });
});
afterAll(() => trainer.dispose());

describe("per-class accuracy and confusion", () => {
  it("the noised model is neither perfect nor useless, so the checks below have errors to count", () => {
    expect(evaluation.acc.ptC0).toBeGreaterThan(0.05);
    expect(evaluation.acc.ptC0).toBeLessThan(1);
  });

  it("per-class accuracies, weighted by class size, sum back to the overall accuracy", () => {
    const m = evaluation.confusions!;
    for (const key of ["ptC0", "ftC0", "ptC1", "ftC1"] as const) {
      const per = Object.values(perClassAccuracy(m[key]));
      const right = per.reduce((a, [r]) => a + r, 0);
      const of = per.reduce((a, [, n]) => a + n, 0);
      expect(of).toBe(400);
      expect(right / of).toBeCloseTo(evaluation.acc[key], 12);
    }
  });

  it("each confusion row sums to the number of test samples of its true class; the histogram to the set", () => {
    const m = evaluation.confusions!;
    for (const [set, key, label] of [[sets.c0, "ptC0", "a"], [sets.c0, "ftC0", "b"], [sets.c1, "ptC1", "a"], [sets.c1, "ftC1", "b"]] as const) {
      const sizes = new Map<string, number>();
      for (const s of set) {
        const c = String(readOut(spec, s.tokens, label));
        sizes.set(c, (sizes.get(c) ?? 0) + 1);
      }
      const rows = Object.fromEntries(Object.entries(m[key]).map(([t, row]) => [t, Object.values(row).reduce((a, b) => a + b, 0)]));
      expect(rows).toEqual(Object.fromEntries(sizes));
    }
    expect(Object.values(predictedHistogram(m.ptC0)).reduce((a, b) => a + b, 0)).toBe(400);
  });

  it("reads a confusion as one line: most frequent answer first, shares only where a class is split", () => {
    const m: Confusion = { "0": { "0": 10 }, "2": { "1": 6, "2": 3, "3": 1 }, "1": { "1": 4 } };
    expect(describeConfusion(m)).toBe("0→0; 1→1; 2→1 60%, 2 30%, 3 10%");
    expect(describeConfusion(m, 0.2)).toBe("0→0; 1→1; 2→1 60%, 2 30%");
  });

  it("classes a Max-identifier answer by its rank among the input's tokens", () => {
    expect(answerClass("max_identifier", ["d", "a", "c"], "c")).toBe("2");
    expect(answerClass("max_identifier", ["d", "a", "c"], "a")).toBe("1");
    expect(answerClass("max_identifier", ["d", "a", "c"], "z")).toBe(NOT_IN_INPUT);
    expect(answerClass("counter", ["a"], 3)).toBe("3");
  });
});
