// One training run: steps on seeded batches, metrics at an interval, checkpoints, resume, and a
// clean stop on a NaN/Inf loss. The run's folder holds metrics.jsonl (one record per evaluation),
// checkpoint.json (the latest state), final-model.json (the caller writes it from onFinished) and
// summary.json (written last, so its presence means done).
//
// Determinism: batch t depends only on (seed, t) (taskBatches.ts), the test sets only on the seed,
// and the engines are deterministic for a fixed thread count; the checkpoint carries the loop's
// counters too. So a run resumed from any checkpoint ends with the same metrics, bit for bit, as
// one that was never interrupted.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { readBoundedText } from "../../compiler/common/boundedRead.js";
import type { Sample, TaskName, TaskSpec } from "../tasks/data.js";
import { readCheckpoint, writeCheckpoint, type Checkpoint } from "./checkpoint.js";
import { learningRateAt, type Schedule } from "./schedule.js";
import { testSamples, type TestSamples } from "./testSets.js";
import { firstCrossing, heldFrom } from "./thresholds.js";
import { addStep, gradRecord, runGradStats, ZERO_GRAD_COUNTERS, type GradCounters, type GradRecord } from "./gradStats.js";
import type { Encoded, LabelKind, TaskEncoder } from "./taskBatches.js";
import { argmaxRows, type Trainer } from "./trainer.js";
import { confuse, confusionTable, perClassAccuracy, predictedHistogram, type Confusion, type Confusions } from "./confusion.js";
import type { Atom } from "../../compiler/rasp/values.js";
import type { Params } from "./params.js";

export interface RunSettings {
  readonly spec: TaskSpec;
  readonly labels: LabelKind;
  /** Fraction of training samples that carry the spurious correlation; null: the natural distribution (pretraining data). */
  readonly cTrain: number | null;
  /** Share of each batch that is pretraining data with O_PT labels (appendix G.1); absent: none. */
  readonly ptMix?: number;
  readonly schedule: Schedule;
  readonly momentum: number;
  /** Global gradient-norm clip; null: none. */
  readonly clipNorm: number | null;
  readonly batchSize: number;
  /** Seeds the training batches (and randFT's labels). */
  readonly seed: number;
  /** Seeds the test sets: one per sweep, so every run is scored on the same samples. */
  readonly testSeed: number;
  readonly evalEvery: number;
  readonly evalSamples: number;
  readonly checkpointEvery: number;
  /** The accuracy that counts for "iterations to 90% / 100%". */
  readonly target: AccuracyKey | null;
}

/** Acc O_PT / O_FT on the test sets with C_Te = 0 and C_Te = 1. */
export type AccuracyKey = "ptC0" | "ftC0" | "ptC1" | "ftC1";
export type Accuracies = Record<AccuracyKey, number>;

export interface MetricsRecord {
  readonly step: number;
  /** Mean training loss over the steps since the previous record (null before the first step). */
  readonly loss: number | null;
  readonly lr: number | null;
  readonly acc: Accuracies;
  /** Pre-clip gradient norms of the steps since the previous record, and how often the clip bound (null at step 0). */
  readonly grad?: GradRecord | null;
  /** Per class of the true O_PT / O_FT answer (confusion.ts), on each test set: [right, of]. */
  readonly perClass?: Record<AccuracyKey, Record<string, [number, number]>>;
  /** How often each answer class was predicted, per test set. */
  readonly predicted?: { readonly c0: Record<string, number>; readonly c1: Record<string, number> };
}

export interface RunSummary {
  readonly status: "done" | "diverged";
  readonly steps: number;
  readonly final: MetricsRecord;
  readonly initial: MetricsRecord;
  /** The first record at which the target accuracy reached 90% / 100% (thresholds.ts). */
  readonly itersTo90: number | null;
  readonly itersTo100: number | null;
  /** The first record from which the target accuracy stays at or above 90% / 100% to the end: what the tables report. */
  readonly heldFrom90: number | null;
  readonly heldFrom100: number | null;
  readonly trainSeconds: number;
  readonly stepsPerSecond: number;
  /** The pre-clip gradient norm and clip rate over all of the run's steps. */
  readonly grad: GradRecord | null;
  readonly message?: string;
  /** The class confusions at the final record (confusion.md in the run folder shows them as tables). */
  readonly confusions?: Confusions;
}

export const RUN_FILES = { metrics: "metrics.jsonl", checkpoint: "checkpoint.json", finalModel: "final-model.json", summary: "summary.json", confusion: "confusion.md" } as const;

export interface TestSets {
  readonly c0: Encoded[];
  readonly c1: Encoded[];
}

/** The evaluation chunk: big enough to run at full speed, small enough to stay in cache. */
const EVAL_CHUNK = 500;

/** The two test sets (C_Te = 0 and 1), encoded in chunks. */
export function makeTestSets(encoder: TaskEncoder, spec: TaskSpec, samples: number, seed: number): TestSets {
  return encodeTestSets(encoder, testSamples(spec, samples, seed));
}

/** Test samples (testSets.ts) encoded in chunks. */
export function encodeTestSets(encoder: TaskEncoder, sets: TestSamples): TestSets {
  const chunked = (all: readonly Sample[]): Encoded[] => {
    const out: Encoded[] = [];
    for (let i = 0; i < all.length; i += EVAL_CHUNK) out.push(encoder.encode(all.slice(i, i + EVAL_CHUNK), "pt"));
    return out;
  };
  return { c0: chunked(sets.c0), c1: chunked(sets.c1) };
}

export async function evaluate(trainer: Trainer, tests: TestSets): Promise<Accuracies> {
  return (await evaluateClasses(trainer, tests, null)).acc;
}

export interface Evaluation {
  readonly acc: Accuracies;
  /** Present when evaluateClasses was given the task and the model's answers. */
  readonly confusions: Confusions | null;
}

/** Accuracies and, with `classes`, the class confusions (confusion.ts) of the model's answers. */
export async function evaluateClasses(trainer: Trainer, tests: TestSets, classes: { readonly task: TaskName; readonly answers: readonly Atom[] } | null): Promise<Evaluation> {
  const score = async (chunks: Encoded[], pt: Confusion, ft: Confusion): Promise<[number, number]> => {
    let ptRight = 0;
    let ftRight = 0;
    let n = 0;
    for (const c of chunks) {
      const pred = argmaxRows(await trainer.logits(c.batch), trainer.geometry.outputs);
      pred.forEach((p, i) => {
        if (p === c.ptColumns[i]) ptRight++;
        if (p === c.ftColumns[i]) ftRight++;
      });
      if (classes) confuse(classes.task, c.samples, Array.from(pred, (p) => classes.answers[p]!), pt, ft);
      n += pred.length;
    }
    return [ptRight / n, ftRight / n];
  };
  const m: Confusions = { ptC0: {}, ftC0: {}, ptC1: {}, ftC1: {} };
  const [ptC0, ftC0] = await score(tests.c0, m.ptC0, m.ftC0);
  const [ptC1, ftC1] = await score(tests.c1, m.ptC1, m.ftC1);
  return { acc: { ptC0, ftC0, ptC1, ftC1 }, confusions: classes ? m : null };
}

/** The per-class accuracies and predicted-answer histograms a metrics record keeps. */
function classSummary(m: Confusions): Pick<MetricsRecord, "perClass" | "predicted"> {
  return {
    perClass: { ptC0: perClassAccuracy(m.ptC0), ftC0: perClassAccuracy(m.ftC0), ptC1: perClassAccuracy(m.ptC1), ftC1: perClassAccuracy(m.ftC1) },
    predicted: { c0: predictedHistogram(m.ptC0), c1: predictedHistogram(m.ptC1) },
  };
}

export interface TrainRunOptions {
  readonly settings: RunSettings;
  readonly trainer: Trainer;
  readonly encoder: TaskEncoder;
  readonly tests: TestSets;
  readonly runDir: string;
  /** Identifies the model the run started from; checkpoints of other models are refused. */
  readonly fingerprint: string;
  /** Continue from runDir's checkpoint when there is one. */
  readonly resume: boolean;
  readonly onProgress?: (step: number, total: number, last: MetricsRecord | null) => void;
  /**
   * Called once training stops, before the summary is written (so a run marked done has what this
   * writes), with the final parameters: the last state when the run finished, the last good
   * checkpoint's when it diverged (nothing when it diverged before any).
   */
  readonly onFinished?: (params: Params, step: number) => void;
}

/** One record per evaluation: even a million of them stay well under this. */
const MAX_METRICS_BYTES = 256 * 1024 * 1024;

function readMetrics(file: string): MetricsRecord[] {
  if (!fs.existsSync(file)) return [];
  return readBoundedText(file, "a metrics file (JSON lines)", MAX_METRICS_BYTES)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as MetricsRecord;
      } catch {
        throw new UsageError(`${file}: record ${i + 1} is not valid JSON; the run folder was changed (delete it to run it again)`);
      }
    });
}


/** confusion.md: the four matrices of the final record. */
function confusionReport(m: Confusions, step: number): string {
  const part = (title: string, c: Confusion) => [`## ${title}`, "", confusionTable(c), ""];
  return [
    `# What the model computes at step ${step}`,
    "",
    "Rows: the class of the true answer (Counter: the count; Max-identifier: its rank among the input's tokens); columns: the class of the model's answer (∉x: a token not in the input).",
    "",
    ...part("True O_PT answer, C_Te = 0", m.ptC0),
    ...part("True O_FT answer, C_Te = 0", m.ftC0),
    ...part("True O_PT answer, C_Te = 1", m.ptC1),
    ...part("True O_FT answer, C_Te = 1", m.ftC1),
  ].join("\n");
}

export async function trainRun(o: TrainRunOptions): Promise<RunSummary> {
  const { settings: s, trainer, encoder } = o;
  fs.mkdirSync(o.runDir, { recursive: true });
  const metricsFile = path.join(o.runDir, RUN_FILES.metrics);
  const checkpointFile = path.join(o.runDir, RUN_FILES.checkpoint);
  const total = s.schedule.iterations;

  let step = 0;
  let lossSum = 0;
  let lossCount = 0;
  let grad: GradCounters = ZERO_GRAD_COUNTERS;
  let records: MetricsRecord[] = [];
  let lastSaved: number | null = null;
  if (o.resume && fs.existsSync(checkpointFile)) {
    const ck = readCheckpoint(checkpointFile, trainer.geometry, o.fingerprint);
    // A checkpoint past the run's end, or counting records the file lacks, was not written by this
    // run: resuming it would report a run as done that never trained.
    if (ck.step > total) throw new UsageError(`${checkpointFile}: step ${ck.step} is past the run's ${total} iterations; not this run's checkpoint (delete the run folder to run it again)`);
    const written = readMetrics(metricsFile);
    if (ck.metricsLines > written.length) throw new UsageError(`${checkpointFile}: metricsLines ${ck.metricsLines} but ${RUN_FILES.metrics} has ${written.length} record(s); the run folder was changed (delete it to run it again)`);
    trainer.load(ck.state);
    ({ step, lossSum, lossCount, grad } = ck);
    lastSaved = step;
    // Records written after the checkpoint belong to steps that will be run again.
    records = written.slice(0, ck.metricsLines);
    writeFileAtomic(metricsFile, records.map((r) => JSON.stringify(r) + "\n").join(""));
  } else {
    fs.rmSync(metricsFile, { force: true });
    fs.rmSync(checkpointFile, { force: true });
  }
  /** Writes a checkpoint; returns false (writing nothing) when the parameters are no longer finite. */
  const save = (): boolean => {
    const state = trainer.state();
    if (!state.params.every((t) => t.every(Number.isFinite))) return false;
    const ck: Checkpoint = { fingerprint: o.fingerprint, step, lossSum, lossCount, grad, metricsLines: records.length, state };
    writeCheckpoint(checkpointFile, trainer.geometry, ck);
    lastSaved = step;
    return true;
  };
  let lastConfusions: Confusions | null = null;
  const record = async (lr: number | null): Promise<void> => {
    const e = await evaluateClasses(trainer, o.tests, { task: s.spec.task, answers: encoder.answers });
    lastConfusions = e.confusions;
    const r: MetricsRecord = { step, loss: lossCount > 0 ? lossSum / lossCount : null, lr, acc: e.acc, grad: gradRecord(grad, s.clipNorm), ...classSummary(e.confusions!) };
    records.push(r);
    fs.appendFileSync(metricsFile, JSON.stringify(r) + "\n");
    lossSum = 0;
    lossCount = 0;
    grad = ZERO_GRAD_COUNTERS;
  };
  if (step === 0 && records.length === 0) {
    await record(null);
    save();
  }

  let trainSeconds = 0;
  let stepsTimed = 0;
  let diverged: string | null = null;
  const kept = () => `stopped, keeping the last good checkpoint (step ${lastSaved ?? "none"})`;
  o.onProgress?.(step, total, records.at(-1) ?? null);
  while (step < total) {
    const lr = learningRateAt(s.schedule, step);
    const batch = encoder.trainingBatch(s.spec, s.seed, step, s.batchSize, s.cTrain, s.labels, s.ptMix ?? 0);
    const t0 = performance.now();
    const { loss, gradNorm } = await trainer.step(batch, { learningRate: lr, momentum: s.momentum, ...(s.clipNorm !== null ? { clipNorm: s.clipNorm } : {}) });
    trainSeconds += (performance.now() - t0) / 1000;
    stepsTimed++;
    if (!Number.isFinite(loss)) {
      diverged = `the loss became ${loss} at step ${step + 1} (learning rate ${lr.toPrecision(3)}); ${kept()}`;
      break;
    }
    step++;
    lossSum += loss;
    lossCount++;
    grad = addStep(grad, gradNorm, s.clipNorm);
    if (step % s.evalEvery === 0 || step === total) await record(lr);
    if ((step % s.checkpointEvery === 0 || step === total) && !save()) {
      diverged = `the parameters overflowed at step ${step} (learning rate ${lr.toPrecision(3)}); ${kept()}`;
      break;
    }
    o.onProgress?.(step, total, records.at(-1) ?? null);
  }
  if (o.onFinished) {
    if (!diverged) o.onFinished(trainer.state().params, step);
    else if (lastSaved !== null) o.onFinished(readCheckpoint(checkpointFile, trainer.geometry, o.fingerprint).state.params, lastSaved);
  }
  const final = records.at(-1)!;
  // A resumed run that had nothing left to do scores its final parameters again for the matrices.
  const confusions = lastConfusions ?? (await evaluateClasses(trainer, o.tests, { task: s.spec.task, answers: encoder.answers })).confusions!;
  const summary: RunSummary = {
    status: diverged ? "diverged" : "done",
    steps: step,
    initial: records[0]!,
    final,
    itersTo90: s.target ? firstCrossing(records, s.target, 0.9) : null,
    itersTo100: s.target ? firstCrossing(records, s.target, 1) : null,
    heldFrom90: s.target ? heldFrom(records, s.target, 0.9) : null,
    heldFrom100: s.target ? heldFrom(records, s.target, 1) : null,
    trainSeconds,
    stepsPerSecond: stepsTimed > 0 ? stepsTimed / trainSeconds : 0,
    grad: runGradStats(records),
    ...(diverged ? { message: diverged } : {}),
    confusions,
  };
  writeFileAtomic(path.join(o.runDir, RUN_FILES.confusion), confusionReport(confusions, final.step));
  writeFileAtomic(path.join(o.runDir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}
