// The compiled-model trainer on the autodiff engine (runtime/autodiff + runtime/models) against
// the hand-derived ONNX backward it replaced (the former runtime/train/ortTrainGraph.ts, deleted in
// the commit after this comparison was recorded): 20 SGD-momentum steps with a learning-rate ramp
// and clipping, on the test geometry with every layer kind, the compiled Counter (length 5, the
// quick preset's) and Max-identifier (the lab's coldness). test/fixtures/engine-switch.json holds
// what the hand-derived engine produced: its 20 losses and, per tensor, the largest entry, the norm
// and 16 entries of the final parameters. The engine now in use must reproduce them to 1e-6
// relative (when both engines ran side by side the worst differences were 1.1e-7, 1.7e-7 and
// 9.8e-8 relative, docs/experiments.md "Engines and speed").
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { TASK_COLDNESS } from "../../runtime/experiment/presets.js";
import { makeRng } from "../../runtime/random.js";
import { COUNTER_VOCAB, DEFAULT_SPECS, MAX_IDENTIFIER_VOCAB } from "../../runtime/tasks/data.js";
import { createOrtTrainer } from "../../runtime/train/ortTrainer.js";
import { addNoise, cloneParams, geometryOf, paramsOf, randomParams, tensorSpecs, type Geometry, type Params } from "../../runtime/train/params.js";
import { MODEL_ANSWER_POSITION, TaskEncoder } from "../../runtime/train/taskBatches.js";
import { zerosLike, type TrainBatch, type Trainer } from "../../runtime/train/trainer.js";
import { ANSWER, GEOMETRY, randomBatch } from "./fixtures.js";

interface Case {
  readonly name: string;
  readonly geometry: Geometry;
  readonly params: Params;
  readonly answer: number;
  readonly batch: (step: number) => TrainBatch;
  readonly peak: number;
}

function compiledCase(name: string, file: string, vocab: readonly string[], maxLen: number, overrides: Map<string, string | number>, coldness: number | undefined, specKey: "counter" | "max_identifier", peak: number): Case {
  const model = compileFile(file, { vocab: [...vocab], maxLen, overrides, ...(coldness ? { coldness } : {}) });
  const encoder = new TaskEncoder(model);
  const spec = { ...DEFAULT_SPECS[specKey], length: maxLen };
  return {
    name,
    geometry: geometryOf(model),
    params: addNoise(paramsOf(model), 0.001, makeRng(5)),
    answer: MODEL_ANSWER_POSITION,
    batch: (t) => encoder.trainingBatch(spec, 9, t, 96, 0, "ft"),
    peak,
  };
}

const CASES: (() => Case)[] = [
  () => {
    const rng = makeRng(21);
    const batches = Array.from({ length: 20 }, () => randomBatch(rng, 9, 5));
    return { name: "test geometry (every layer kind)", geometry: GEOMETRY, params: addNoise(randomParams(GEOMETRY, makeRng(3)), 0.05, makeRng(4)), answer: ANSWER, batch: (t) => batches[t]!, peak: 0.01 };
  },
  () => compiledCase("compiled Counter, length 5", "rasp-programs/counter.rasp", COUNTER_VOCAB, 5, new Map([["operand", "a"]]), undefined, "counter", 0.01),
  () =>
    compiledCase("compiled Max-identifier, length 10", "rasp-programs/max_identifier.rasp", MAX_IDENTIFIER_VOCAB, DEFAULT_SPECS.max_identifier.length, new Map([["o_pt", DEFAULT_SPECS.max_identifier.oPt as number]]), TASK_COLDNESS.max_identifier ?? undefined, "max_identifier", 1e-4),
];

interface Recorded {
  readonly losses: number[];
  readonly tensors: Record<string, { maxAbs: number; norm: number; at: number[]; values: number[] }>;
}
const RECORDED = JSON.parse(fs.readFileSync("test/fixtures/engine-switch.json", "utf8")) as Record<string, Recorded>;

const made: Trainer[] = [];
afterAll(() => made.forEach((t) => t.dispose()));

describe("the autodiff engine reproduces the hand-derived backward's 20 steps", () => {
  for (const make of CASES) {
    it("losses and parameters to 1e-6 relative", async () => {
      const c = make();
      const want = RECORDED[c.name];
      if (!want) throw new Error(`no recorded run for ${c.name}`);
      const t = await createOrtTrainer({ geometry: c.geometry, initial: { params: cloneParams(c.params), velocity: zerosLike(c.params) }, answerPosition: c.answer, threads: 1 });
      made.push(t);
      let worstLoss = 0;
      for (let s = 0; s < 20; s++) {
        const opts = { learningRate: c.peak * Math.min(1, (s + 1) / 10), momentum: 0.9, clipNorm: 1 };
        const { loss } = await t.step(c.batch(s), opts);
        worstLoss = Math.max(worstLoss, Math.abs(loss - want.losses[s]!) / Math.abs(want.losses[s]!));
      }
      expect(worstLoss).toBeLessThan(1e-6);
      const params = t.state().params;
      let worst = 0;
      tensorSpecs(c.geometry).forEach((s, i) => {
        const rec = want.tensors[s.name]!;
        const p = params[i]!;
        const norm = Math.sqrt(p.reduce((a, v) => a + v * v, 0));
        const diff = Math.max(Math.abs(norm - rec.norm), ...rec.at.map((j, k) => Math.abs(p[j]! - rec.values[k]!)));
        const rel = diff / (rec.maxAbs || 1);
        worst = Math.max(worst, rel);
        expect(rel, `${c.name}: ${s.name}`).toBeLessThan(1e-6);
      });
      console.log(`${c.name}: worst parameter difference ${worst.toExponential(2)} relative, worst loss difference ${worstLoss.toExponential(2)} relative`);
    });
  }
});
