// Max-identifier as the fine-tuning lab compiles it (length 10, coldness 10; see TASK_COLDNESS in
// runtime/experiment/presets.ts): the noise the lab adds costs nothing on either compiled model,
// fine-tuning at a very small learning rate re-reads the sort (O_PT = 5th -> O_FT = 7th), and
// reverse fine-tuning at that rate brings O_PT back within a budget in which the model compiled for
// O_FT (Scr.+FT) does not get there.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { TASK_COLDNESS } from "../../runtime/experiment/presets.js";
import { makeRng } from "../../runtime/random.js";
import { DEFAULT_SPECS, MAX_IDENTIFIER_VOCAB } from "../../runtime/tasks/data.js";
import { modelFingerprint } from "../../runtime/train/checkpoint.js";
import { evaluate, makeTestSets, trainRun, type RunSettings, type TestSets } from "../../runtime/train/loop.js";
import { createOrtTrainer } from "../../runtime/train/ortTrainer.js";
import { addNoise, geometryOf, paramsOf, type Params } from "../../runtime/train/params.js";
import { MODEL_ANSWER_POSITION, TaskEncoder } from "../../runtime/train/taskBatches.js";
import { zerosLike, type Trainer } from "../../runtime/train/trainer.js";

const FILE = "rasp-programs/max_identifier.rasp";
const spec = DEFAULT_SPECS.max_identifier;

function compileMaxIdentifier(rank: number): CompiledModel {
  return compileFile(FILE, { vocab: MAX_IDENTIFIER_VOCAB, maxLen: spec.length, coldness: TASK_COLDNESS.max_identifier!, overrides: new Map([["o_pt", rank]]) });
}

let pt: CompiledModel;
let ft: CompiledModel;
let tests: TestSets;
let tmp: string;
const trainers: Trainer[] = [];

beforeAll(() => {
  pt = compileMaxIdentifier(spec.oPt as number);
  ft = compileMaxIdentifier(spec.oFt as number);
  tests = makeTestSets(new TaskEncoder(pt), spec, 300, 3);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-maxid-"));
});
afterAll(() => {
  trainers.forEach((t) => t.dispose());
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function trainerFrom(model: CompiledModel, params: Params): Promise<Trainer> {
  const t = await createOrtTrainer({ geometry: geometryOf(model), initial: { params, velocity: zerosLike(params) }, answerPosition: MODEL_ANSWER_POSITION, threads: 1 });
  trainers.push(t);
  return t;
}

function settings(over: Partial<RunSettings>): RunSettings {
  return {
    spec,
    labels: "ft",
    cTrain: 0,
    schedule: { peak: 1e-4, iterations: 2000, warmupFraction: 0.2, finalFraction: 0.01 },
    momentum: 0.9,
    clipNorm: 1,
    batchSize: 96,
    seed: 5,
    testSeed: 3,
    evalEvery: 50,
    evalSamples: 300,
    checkpointEvery: 1000,
    target: "ftC0",
    ...over,
  };
}

describe("training a compiled Max-identifier model (coldness 10)", () => {
  it("both compiled models are exact on their own task with the lab's noise, for every seed tried", async () => {
    for (const seed of [0, 1, 2, 3, 4]) {
      const onPt = await evaluate(await trainerFrom(pt, addNoise(paramsOf(pt), 1e-4, makeRng(seed))), tests);
      const onFt = await evaluate(await trainerFrom(ft, addNoise(paramsOf(ft), 1e-4, makeRng(seed))), tests);
      expect([onPt.ptC0, onPt.ptC1, onFt.ftC0, onFt.ftC1], `noise seed ${seed}`).toEqual([1, 1, 1, 1]);
    }
  });

  it("FT at η_VS learns O_FT, reFT at η_VS revives O_PT in 300 steps, Scr.+FT in the same budget does not", async () => {
    const start = addNoise(paramsOf(pt), 1e-4, makeRng(1));
    const fp = modelFingerprint(geometryOf(pt), paramsOf(pt));
    const t = await trainerFrom(pt, start);
    const fine = await trainRun({ settings: settings({}), trainer: t, encoder: new TaskEncoder(pt), tests, runDir: path.join(tmp, "ft"), fingerprint: fp, resume: false });
    expect(fine.initial.acc.ftC0).toBe(0);
    expect(fine.final.acc.ftC0).toBeGreaterThan(0.8);
    expect(fine.final.acc.ptC0).toBeLessThan(0.05);
    const back = await trainerFrom(pt, t.state().params);
    const re = await trainRun({
      settings: settings({ labels: "pt", cTrain: null, target: "ptC0", schedule: { peak: 1e-4, iterations: 300, warmupFraction: 0.2, finalFraction: 0.01 }, seed: 6 }),
      trainer: back,
      encoder: new TaskEncoder(pt),
      tests,
      runDir: path.join(tmp, "reft"),
      fingerprint: fp,
      resume: false,
    });
    expect(re.final.acc.ptC0).toBeGreaterThan(0.85);
    expect(re.itersTo90 ?? Infinity).toBeLessThanOrEqual(300);

    // The baseline with the same budget: the model compiled for O_FT, fine-tuned to O_PT (Scr.+FT).
    const scratch = await trainerFrom(ft, addNoise(paramsOf(ft), 1e-4, makeRng(1)));
    const scr = await trainRun({
      settings: settings({ labels: "pt", cTrain: null, target: "ptC0", schedule: { peak: 1e-4, iterations: 300, warmupFraction: 0.2, finalFraction: 0.01 }, seed: 6 }),
      trainer: scratch,
      encoder: new TaskEncoder(ft),
      tests: makeTestSets(new TaskEncoder(ft), spec, 300, 3),
      runDir: path.join(tmp, "scrft"),
      fingerprint: modelFingerprint(geometryOf(ft), paramsOf(ft)),
      resume: false,
    });
    expect(scr.itersTo90).toBeNull();
    expect(scr.final.acc.ptC0).toBeLessThan(re.final.acc.ptC0 - 0.2);
  });
});
