// Which task an instrument scores a model on, and on which samples. A model of a fine-tuning sweep
// (models/pt.json, models/ft.json, or a run folder runs/<id>/) is scored on that sweep's own test
// sets (runtime/experiment/runOne.ts: sweepTestSamples, from experiment.json), so an instrument's
// accuracies sit on the same samples as the lab's tables and its trivial baselines; a model from
// anywhere else is scored on freshly seeded sets of a task spec the caller names.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { atomEquals, formatAtom } from "../../compiler/rasp/values.js";
import { baselines, type Baseline } from "../experiment/baselines.js";
import { parseExperimentConfig, type ExperimentConfig } from "../experiment/config.js";
import { readJsonConfig } from "../experiment/jsonSyntax.js";
import { SWEEP_FILES, sweepTestSamples, taskSpec } from "../experiment/runOne.js";
import { testSamples, type TestSamples } from "../train/testSets.js";
import { vocabOf, type TaskSpec } from "../tasks/data.js";
import type { HookedModel } from "./hookedModel.js";

export interface LabTask {
  readonly spec: TaskSpec;
  /** Held-out samples with C_Te = 0 and C_Te = 1. */
  readonly tests: TestSamples;
  /** The lab's trivial baselines on those samples (runtime/experiment/baselines.ts). */
  readonly baselines: readonly Baseline[];
  /** Where the task and samples came from, for the printout. */
  readonly source: string;
}

/**
 * The experiment.json of the sweep a model belongs to, or null: for a run folder (or its
 * final-model.json) `<sweep>/runs/<id>`, for a sweep model `<sweep>/models/<pt|ft>.json`; a sweep
 * folder or an experiment.json given directly is taken as it is.
 */
export function findSweepConfig(modelPath: string): string | null {
  const abs = path.resolve(modelPath);
  const isDir = (p: string) => fs.existsSync(p) && fs.statSync(p).isDirectory();
  const candidates: string[] = [];
  if (isDir(abs)) candidates.push(path.join(abs, SWEEP_FILES.config), path.join(abs, "..", "..", SWEEP_FILES.config));
  else {
    const dir = path.dirname(abs);
    candidates.push(path.join(dir, "..", SWEEP_FILES.config), path.join(dir, "..", "..", SWEEP_FILES.config));
  }
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) ?? null;
}

function readSweepConfig(configPath: string): { file: string; config: ExperimentConfig } {
  let file = configPath;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, SWEEP_FILES.config);
  if (!fs.existsSync(file)) throw new UsageError(`${configPath}: no ${SWEEP_FILES.config} there; give a sweep folder of raspc experiment or its experiment.json`);
  // The resolved config names its program by absolute path; nothing is read from it here.
  return { file, config: parseExperimentConfig(readJsonConfig(file, "a sweep's experiment.json"), file, { allowOutside: true }) };
}

/** The task of a sweep (its experiment.json, or the folder holding it). */
export function specOfSweep(configPath: string): TaskSpec {
  return taskSpec(readSweepConfig(configPath).config);
}

/** The task and test sets of a sweep (its experiment.json, or the folder holding it). */
export function labTaskOfSweep(configPath: string): LabTask {
  const { file, config } = readSweepConfig(configPath);
  const spec = taskSpec(config);
  const tests = sweepTestSamples(config);
  const name = path.basename(path.dirname(path.resolve(file)));
  const stratified = config.eval.stratify === null ? "" : `, stratified 0..${config.eval.stratify}`;
  return { spec, tests, baselines: baselines(spec, tests), source: `sweep ${name}'s test sets (${config.eval.samples} per set, seed ${config.seeds[0]}${stratified})` };
}

/** Freshly seeded test sets of a task spec, for a model that belongs to no sweep. */
export function labTaskOfSpec(spec: TaskSpec, samples: number, seed: number): LabTask {
  const tests = testSamples(spec, samples, seed);
  return { spec, tests, baselines: baselines(spec, tests), source: `fresh test sets of ${spec.task} (${samples} per set, seed ${seed})` };
}

/** Refuses, in one line, a model that cannot read or answer the task's samples. */
export function checkModelFitsTask(m: HookedModel, spec: TaskSpec): void {
  const missing = vocabOf(spec.task).filter((t) => !m.model.vocab.some((v) => atomEquals(v, t)));
  if (missing.length > 0) throw new UsageError(`${m.label}: its vocabulary lacks ${missing.map(formatAtom).join(", ")}, tokens of the ${spec.task} task; is it a ${spec.task} model?`);
  if (spec.length + 1 > m.description.maxSeqLen) throw new UsageError(`${m.label}: takes at most ${m.description.maxSeqLen - 1} tokens, the task's samples have ${spec.length}`);
  const values = m.model.output.values;
  const answers = spec.task === "counter" ? Array.from({ length: spec.length + 1 }, (_, n) => n) : vocabOf(spec.task);
  const cannot = answers.find((a) => !values.some((v) => atomEquals(v, a)));
  if (cannot !== undefined) throw new UsageError(`${m.label}: cannot answer ${formatAtom(cannot)}, an answer of the ${spec.task} task (its outputs are ${values.map(formatAtom).join(", ")})`);
}
