// The training loop on a compiled Counter model: learning, the untouched model at learning rate
// zero, resume equal to an uninterrupted run, a NaN stop that keeps the last good checkpoint, and
// checkpoints refused for another model.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { makeRng } from "../../runtime/random.js";
import { DEFAULT_SPECS, COUNTER_VOCAB } from "../../runtime/tasks/data.js";
import { modelFingerprint, readCheckpoint } from "../../runtime/train/checkpoint.js";
import { evaluate, makeTestSets, RUN_FILES, trainRun, type RunSettings, type TestSets } from "../../runtime/train/loop.js";
import { createOrtTrainer } from "../../runtime/train/ortTrainer.js";
import { addNoise, geometryOf, paramsOf, type Params } from "../../runtime/train/params.js";
import { MODEL_ANSWER_POSITION, ptCount, TaskEncoder } from "../../runtime/train/taskBatches.js";
import { zerosLike, type Trainer } from "../../runtime/train/trainer.js";

const FILE = "rasp-programs/counter.rasp";
// Length 5, as the quick preset: a compiled count over 5 tokens has steps wide enough to train through.
const spec = { ...DEFAULT_SPECS.counter, length: 5 };

function compileCounter(operand: string): CompiledModel {
  return compileFile(FILE, { vocab: COUNTER_VOCAB, maxLen: 5, overrides: new Map([["operand", operand]]) });
}

let model: CompiledModel;
let encoder: TaskEncoder;
let tests: TestSets;
let tmp: string;
const trainers: Trainer[] = [];

beforeAll(() => {
  model = compileCounter("a");
  encoder = new TaskEncoder(model);
  tests = makeTestSets(encoder, spec, 300, 7);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-loop-"));
});
afterAll(() => {
  trainers.forEach((t) => t.dispose());
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function trainerFrom(params: Params): Promise<Trainer> {
  const t = await createOrtTrainer({ geometry: geometryOf(model), initial: { params, velocity: zerosLike(params) }, answerPosition: MODEL_ANSWER_POSITION, threads: 1 });
  trainers.push(t);
  return t;
}

function settings(over: Partial<RunSettings> = {}): RunSettings {
  return {
    spec,
    labels: "ft",
    cTrain: 0,
    schedule: { peak: 0.01, iterations: 400, warmupFraction: 0.2, finalFraction: 0.01 },
    momentum: 0.9,
    clipNorm: 1,
    batchSize: 96,
    seed: 5,
    testSeed: 7,
    evalEvery: 50,
    evalSamples: 300,
    checkpointEvery: 50,
    target: "ftC0",
    ...over,
  };
}

const fingerprint = () => modelFingerprint(geometryOf(model), paramsOf(model));
const noisy = () => addNoise(paramsOf(model), 1e-4, makeRng(9));

describe("training a compiled Counter model", () => {
  it("is exact before training, with and without the default noise", async () => {
    for (const params of [paramsOf(model), noisy()]) {
      const acc = await evaluate(await trainerFrom(params), tests);
      expect(acc.ptC0).toBe(1);
      expect(acc.ptC1).toBe(1);
    }
  });

  it("keeps 100% on its own task at learning rate zero", async () => {
    const t = await trainerFrom(noisy());
    for (let step = 0; step < 20; step++) await t.step(encoder.trainingBatch(spec, 1, step, 96, 0, "ft"), { learningRate: 0, momentum: 0.9 });
    expect((await evaluate(t, tests)).ptC0).toBe(1);
  });

  it("learns to count b in 400 steps on uncorrelated data (C_Tr = 0)", async () => {
    const t = await trainerFrom(noisy());
    const s = await trainRun({ settings: settings(), trainer: t, encoder, tests, runDir: path.join(tmp, "learn"), fingerprint: fingerprint(), resume: false });
    expect(s.status).toBe("done");
    // Before: the model counts a, which equals the count of b by chance on about half the inputs;
    // always answering the most common count (0) is right on (8/9)^5 = 55%.
    expect(s.initial.acc.ftC0).toBeLessThan(0.6);
    expect(s.final.acc.ftC0).toBeGreaterThan(0.72);
  });

  it("resumed from a checkpoint, ends bit-identical to an uninterrupted run", async () => {
    const whole = path.join(tmp, "whole");
    const cut = path.join(tmp, "cut");
    const base = noisy();
    const s = settings({ schedule: { peak: 0.05, iterations: 120, warmupFraction: 0.2, finalFraction: 0.01 }, evalEvery: 20, checkpointEvery: 30 });
    const full = await trainRun({ settings: s, trainer: await trainerFrom(base), encoder, tests, runDir: whole, fingerprint: fingerprint(), resume: false });
    // "Kill" a run at step 75: after the checkpoint at 60 and the metrics record at 60, before those at 80 and 90.
    const killed = await trainerFrom(base);
    await expect(
      trainRun({
        settings: s,
        trainer: killed,
        encoder,
        tests,
        runDir: cut,
        fingerprint: fingerprint(),
        resume: false,
        onProgress: (step) => {
          if (step === 75) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    expect(readCheckpoint(path.join(cut, RUN_FILES.checkpoint), geometryOf(model), fingerprint()).step).toBe(60);
    const resumed = await trainRun({ settings: s, trainer: await trainerFrom(paramsOf(model)), encoder, tests, runDir: cut, fingerprint: fingerprint(), resume: true });
    expect(fs.readFileSync(path.join(cut, RUN_FILES.metrics), "utf8")).toBe(fs.readFileSync(path.join(whole, RUN_FILES.metrics), "utf8"));
    expect(resumed.final).toEqual(full.final);
    const [a, b] = [readCheckpoint(path.join(whole, RUN_FILES.checkpoint), geometryOf(model), fingerprint()), readCheckpoint(path.join(cut, RUN_FILES.checkpoint), geometryOf(model), fingerprint())];
    a.state.params.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(b.state.params[i]!.buffer))).toBe(true));
  });

  it("stops on a NaN loss with a clear message and keeps the last good checkpoint", async () => {
    const dir = path.join(tmp, "nan");
    const s = settings({ schedule: { peak: 1e4, iterations: 200, warmupFraction: 0, finalFraction: 1 }, clipNorm: null, checkpointEvery: 1, evalEvery: 1 });
    const summary = await trainRun({ settings: s, trainer: await trainerFrom(noisy()), encoder, tests, runDir: dir, fingerprint: fingerprint(), resume: false });
    expect(summary.status).toBe("diverged");
    expect(summary.message).toMatch(/^the (loss became (NaN|Infinity|-Infinity)|parameters overflowed) at step \d+ .*keeping the last good checkpoint \(step \d+\)$/);
    const ck = readCheckpoint(path.join(dir, RUN_FILES.checkpoint), geometryOf(model), fingerprint());
    expect(summary.message).toContain(`(step ${ck.step})`);
    expect(ck.step).toBeLessThanOrEqual(summary.steps);
    ck.state.params.forEach((p) => expect(p.every(Number.isFinite)).toBe(true));
  });

  it("refuses a checkpoint of another model, naming the file", async () => {
    const other = compileCounter("b");
    const file = path.join(tmp, "whole", RUN_FILES.checkpoint);
    expect(() => readCheckpoint(file, geometryOf(other), modelFingerprint(geometryOf(other), paramsOf(other)))).toThrow(/checkpoint\.json: the checkpoint is from a different model/);
  });
});

describe("PT/FT mixing (appendix G.1)", () => {
  it("puts ptCount(share, batch) natural samples with O_PT labels at the end of an FT batch; share 0 changes nothing", () => {
    const plain = encoder.trainingBatch(spec, 4, 9, 96, 1, "ft");
    expect(encoder.trainingBatch(spec, 4, 9, 96, 1, "ft", 0)).toEqual(plain);
    const mixed = encoder.trainingBatch(spec, 4, 9, 96, 1, "ft", 0.5);
    expect(mixed.labels).toHaveLength(96);
    // Decode each sample back to tokens and check its label against both operands' counts.
    const countOf = (row: number, token: number) => Array.from(mixed.ids.slice(row * mixed.seqLen + 1, (row + 1) * mixed.seqLen)).filter((id) => id === token).length;
    const [a, b] = ["a", "b"].map((t) => encoder.encode([{ tokens: [t, t, t, t, t], labelPt: 0, labelFt: 0, correlated: false }], "pt").batch.ids[1]!);
    for (let i = 0; i < 96; i++) {
      const want = i < 48 ? countOf(i, b!) : countOf(i, a!);
      expect(mixed.labels[i], `sample ${i}`).toBe(encoder.column(want));
    }
  });

  it("mixes in shares below one sample per batch at the right rate on average", () => {
    const rng = makeRng(3);
    let total = 0;
    for (let t = 0; t < 20_000; t++) total += ptCount(0.001, 96, rng);
    expect(total / 20_000).toBeGreaterThan(0.096 * 0.85);
    expect(total / 20_000).toBeLessThan(0.096 * 1.15);
    expect(ptCount(1, 96, rng)).toBe(96);
    expect(ptCount(0.5, 96, rng)).toBe(48);
  });
});
