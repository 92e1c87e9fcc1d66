// The compiled-model trainer on the autodiff engine (runtime/autodiff + runtime/models) against
// the hand-derived ONNX backward it replaces (runtime/train/ortTrainGraph.ts): 20 SGD-momentum
// steps with a learning-rate ramp and clipping, on the test geometry with every layer kind, the
// compiled Counter (length 5, the quick preset's) and Max-identifier (the lab's coldness).
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { compileSOp } from "../../compiler/compiler/compile.js";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { TASK_COLDNESS } from "../../runtime/experiment/presets.js";
import { compiledTransformer } from "../../runtime/models/compiledTransformer.js";
import { loadOrt } from "../../runtime/ortForward.js";
import { makeRng } from "../../runtime/random.js";
import { COUNTER_VOCAB, DEFAULT_SPECS, MAX_IDENTIFIER_VOCAB } from "../../runtime/tasks/data.js";
import { GraphTrainer } from "../../runtime/train/graphTrainer.js";
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
  const program = loadProgram(file, undefined, overrides);
  const model = compileSOp(outputSOp(program), { vocab: [...vocab], maxLen, ...(coldness ? { coldness } : {}) }, { file, text: fs.readFileSync(file, "utf8"), sop: "out" });
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

const made: { dispose(): void }[] = [];
const recorded: Record<string, unknown> = {};
afterAll(() => {
  made.forEach((t) => t.dispose());
  if (process.env.RECORD_ENGINE_SWITCH) fs.writeFileSync(process.env.RECORD_ENGINE_SWITCH, JSON.stringify(recorded, null, 1) + "\n");
});

/** What is kept of the hand-derived engine's run: its losses, and per tensor the largest entry, the norm and 16 entries. */
function record(g: Geometry, params: Params, losses: number[]) {
  const rng = makeRng(77);
  return {
    losses,
    tensors: Object.fromEntries(
      tensorSpecs(g).map((s, i) => {
        const p = params[i]!;
        const at = Array.from({ length: Math.min(16, p.length) }, () => rng.int(p.length));
        return [s.name, { maxAbs: maxAbs(p), norm: Math.sqrt(p.reduce((a, v) => a + v * v, 0)), at, values: at.map((j) => p[j]!) }];
      }),
    ),
  };
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe("the autodiff engine reproduces the hand-derived backward over 20 steps", () => {
  for (const make of CASES) {
    it("equal parameters to 1e-6 relative", async () => {
      const c = make();
      const initial = { params: cloneParams(c.params), velocity: zerosLike(c.params) };
      const old: Trainer = await createOrtTrainer({ geometry: c.geometry, initial, answerPosition: c.answer, threads: 1 });
      const ort = await loadOrt();
      const nu = new GraphTrainer(ort, {
        model: compiledTransformer(c.geometry),
        optimizer: { kind: "sgd" },
        loss: { kind: "answer", position: c.answer },
        initial: { params: cloneParams(c.params), slots: { vel: zerosLike(c.params) } },
        clipEpsilon: 1e-12,
        session: { threads: 1 },
      });
      made.push(old, nu);
      let worstLoss = 0;
      const losses: number[] = [];
      const STEPS = Number(process.env.STEPS ?? 20);
      for (let t = 0; t < STEPS; t++) {
        const batch = c.batch(t);
        const opts = { learningRate: c.peak * Math.min(1, (t + 1) / 10), momentum: 0.9, clipNorm: 1 };
        const a = await old.step(batch, opts);
        const b = await nu.step(batch, opts);
        worstLoss = Math.max(worstLoss, Math.abs(a - b.loss) / Math.abs(a));
        losses.push(a);
      }
      const [pa, pb] = [old.state(), nu.state()];
      let worst = 0;
      tensorSpecs(c.geometry).forEach((s, i) => {
        const scale = maxAbs(pa.params[i]!) || 1;
        const diff = pa.params[i]!.reduce((m, v, j) => Math.max(m, Math.abs(v - pb.params[i]![j]!)), 0);
        worst = Math.max(worst, diff / scale);
        expect(diff / scale, `${c.name}: ${s.name}`).toBeLessThan(1e-6);
      });
      if (process.env.RECORD_ENGINE_SWITCH) recorded[c.name] = record(c.geometry, pa.params, losses);
      console.log(`${c.name}: worst parameter difference ${worst.toExponential(2)} relative, worst loss difference ${worstLoss.toExponential(2)} relative`);
      expect(worstLoss).toBeLessThan(1e-6);
    });
  }
});
