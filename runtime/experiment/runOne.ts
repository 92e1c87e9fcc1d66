// Executing one planned run of a sweep, in this process or in a worker: build the starting
// parameters (compiled weights plus noise, or another run's final checkpoint), train, and leave the
// run folder complete, its trained weights included as a model file (final-model.json). Everything a run needs is in its sweep folder, so a worker needs only the
// sweep folder and the run's id.
import * as fs from "node:fs";
import * as path from "node:path";
import { RASPC_VERSION } from "../../compiler/version.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { readBoundedText } from "../../compiler/common/boundedRead.js";
import { readModel, writeModel } from "../../compiler/model/modelFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { makeRng } from "../random.js";
import type { TaskSpec } from "../tasks/data.js";
import { modelFingerprint, readCheckpoint } from "../train/checkpoint.js";
import { createTrainer, engineVersions } from "../train/engines.js";
import { encodeTestSets, RUN_FILES, trainRun, type MetricsRecord, type RunSummary } from "../train/loop.js";
import { addNoise, geometryOf, modelFromParams, paramsOf } from "../train/params.js";
import { MODEL_ANSWER_POSITION, TaskEncoder } from "../train/taskBatches.js";
import { zerosLike } from "../train/trainer.js";
import { testSamples, type TestSamples } from "../train/testSets.js";
import type { ExperimentConfig } from "./config.js";
import { runSeed, type PlannedRun } from "./plan.js";

export const SWEEP_FILES = { config: "experiment.json", models: "models", runs: "runs", csv: "sweep.csv", markdown: "sweep.md" } as const;

export const modelFile = (sweepDir: string, which: "pt" | "ft") => path.join(sweepDir, SWEEP_FILES.models, `${which}.json`);
export const runDir = (sweepDir: string, id: string) => path.join(sweepDir, SWEEP_FILES.runs, id);

export function taskSpec(c: ExperimentConfig): TaskSpec {
  return { task: c.task, oPt: c.oPt, oFt: c.oFt, q: c.q, length: c.length };
}

/** The seed of a sweep's test sets: its first seed's, so that every seed is scored on the same samples as the baselines. */
export const testSeed = (c: ExperimentConfig): number => c.seeds[0]!;

/** The sweep's test samples: every run and every baseline row is scored on these. */
export function sweepTestSamples(c: ExperimentConfig): TestSamples {
  return testSamples(taskSpec(c), c.eval.samples, testSeed(c), c.eval.stratify);
}

/** Threads for one run when `jobs` runs share the machine. */
export function threadsPerRun(c: ExperimentConfig, jobs: number, cores: number): number {
  return c.threads > 0 ? c.threads : Math.max(1, Math.floor(cores / jobs));
}

export interface RunOneOptions {
  readonly config: ExperimentConfig;
  readonly sweepDir: string;
  readonly run: PlannedRun;
  readonly threads: number;
  readonly resume: boolean;
  readonly onProgress?: (step: number, total: number, last: MetricsRecord | null) => void;
}

export async function runOne(o: RunOneOptions): Promise<RunSummary> {
  const { config: c, run } = o;
  const seed = runSeed(run.seed, run.cell);
  // reFT continues a run that started from the O_PT model, so its checkpoint belongs to that model.
  const startFile = modelFile(o.sweepDir, run.start.kind === "compiled" ? run.start.model : "pt");
  const startModel: CompiledModel = readModel(startFile);
  const geometry = geometryOf(startModel);
  const compiled = paramsOf(startModel);
  const fingerprint = modelFingerprint(geometry, compiled);
  let params = compiled;
  if (run.start.kind === "compiled") {
    params = addNoise(compiled, c.training.noiseStd, makeRng(seed ^ 0x5eed));
  } else {
    const from = path.join(runDir(o.sweepDir, run.start.id), RUN_FILES.checkpoint);
    // The source's checkpoint holds its final state once its summary exists (the scheduler waits for that).
    params = readCheckpoint(from, geometry, fingerprint).state.params;
  }
  const dir = runDir(o.sweepDir, run.id);
  fs.mkdirSync(dir, { recursive: true });
  const trainer = await createTrainer(c.engine, { geometry, initial: { params, velocity: zerosLike(params) }, answerPosition: MODEL_ANSWER_POSITION, threads: o.threads, backend: c.backend });
  try {
    const record = {
      run,
      seed,
      engine: trainer.engine,
      backend: trainer.backend,
      threads: o.threads,
      versions: { raspc: RASPC_VERSION, ...engineVersions(trainer.engine) },
      model: { file: path.relative(o.sweepDir, startFile), fingerprint },
      task: taskSpec(c),
      training: c.training,
      eval: c.eval,
      checkpointEvery: c.checkpointEvery,
    };
    writeFileAtomic(path.join(dir, "config.json"), JSON.stringify(record, null, 2) + "\n");
    const encoder = new TaskEncoder(startModel);
    const spec = taskSpec(c);
    const tests = encodeTestSets(encoder, sweepTestSamples(c));
    return await trainRun({
      settings: {
        spec,
        labels: run.labels,
        cTrain: run.cTrain,
        ptMix: run.ptMix,
        schedule: { peak: run.learningRate, iterations: run.iterations, warmupFraction: c.training.warmupFraction, finalFraction: c.training.finalLrFraction },
        momentum: c.training.momentum,
        clipNorm: c.training.gradClip,
        batchSize: c.training.batchSize,
        seed,
        testSeed: testSeed(c),
        evalEvery: c.eval.every,
        evalSamples: c.eval.samples,
        checkpointEvery: c.checkpointEvery,
        target: run.target,
      },
      trainer,
      encoder,
      tests,
      runDir: dir,
      fingerprint,
      resume: o.resume,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      // The trained weights as a model file of their own: exec, inspect, verify --model and export read it.
      onFinished: (final, step) => {
        const trained = { sourceModel: path.relative(o.sweepDir, startFile), runId: run.id, step, protocol: run.protocol, ...(run.start.kind === "run" ? { startRun: run.start.id } : {}) };
        writeModel(path.join(dir, RUN_FILES.finalModel), modelFromParams(startModel, final, trained));
      },
    });
  } finally {
    trainer.dispose();
  }
}

/** A finished run's summary, or null when it has not finished. */
export function readSummary(sweepDir: string, id: string): RunSummary | null {
  const file = path.join(runDir(sweepDir, id), RUN_FILES.summary);
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(readBoundedText(file, "a run summary", 1024 * 1024)) as RunSummary;
  } catch {
    throw new UsageError(`${file}: unreadable run summary; delete the run folder to run it again`);
  }
}
