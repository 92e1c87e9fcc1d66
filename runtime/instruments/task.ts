// Which task of the lab (runtime/tasks/data.ts) a model was made for, so that an instrument can
// draw that task's inputs and read the O_PT and O_FT answers without the user restating them. A
// fine-tuning run's folder records its task in config.json; a sweep's compiled models
// (SWEEP/models/pt.json, ft.json) take the sweep's experiment.json. A bare model file names no task:
// the instruments then take `--task`, with the lab's default operands (DEFAULT_SPECS).
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { readJsonConfig } from "../experiment/jsonSyntax.js";
import { DEFAULT_SPECS, makeDataset, specProblem, type Sample, type TaskName, type TaskSpec } from "../tasks/data.js";
import { makeRng } from "../random.js";

export interface FoundTask {
  readonly spec: TaskSpec;
  /** The file it was read from, or "--task". */
  readonly from: string;
}

const isFile = (f: string): boolean => {
  try {
    return fs.statSync(f).isFile();
  } catch {
    return false;
  }
};

/** The spec in a record with task, oPt, oFt, q and length fields, or null when it is not one. */
function specIn(record: unknown, file: string): TaskSpec | null {
  if (typeof record !== "object" || record === null) return null;
  const r = record as Record<string, unknown>;
  if (r.task !== "counter" && r.task !== "max_identifier") return null;
  const spec: TaskSpec = { task: r.task, oPt: r.oPt as string | number, oFt: r.oFt as string | number, q: r.q as number, length: r.length as number };
  const problem = specProblem(spec);
  if (problem) throw new UsageError(`${file}: its task is not one the lab can sample: ${problem}`);
  return spec;
}

/**
 * The task recorded beside a model path: a run folder's (or its final-model.json's) config.json,
 * or the experiment.json of the sweep whose models/ folder holds the file. Null when none says.
 */
export function taskBeside(modelPath: string): FoundTask | null {
  const dir = fs.existsSync(modelPath) && fs.statSync(modelPath).isDirectory() ? modelPath : path.dirname(modelPath);
  const runConfig = path.join(dir, "config.json");
  if (isFile(runConfig)) {
    const spec = specIn((readJsonConfig(runConfig, "a run's config") as Record<string, unknown> | null)?.task, runConfig);
    if (spec) return { spec, from: runConfig };
  }
  if (path.basename(dir) === "models") {
    const experiment = path.join(path.dirname(dir), "experiment.json");
    if (isFile(experiment)) {
      const spec = specIn(readJsonConfig(experiment, "a sweep's experiment.json"), experiment);
      if (spec) return { spec, from: experiment };
    }
  }
  return null;
}

/** `--task NAME` wins; else the first model path that records a task; else null. */
export function findTask(modelPaths: readonly string[], taskFlag?: string): FoundTask | null {
  if (taskFlag !== undefined) {
    if (taskFlag !== "counter" && taskFlag !== "max_identifier") throw new UsageError(`--task must be counter or max_identifier, got ${JSON.stringify(taskFlag)}`);
    return { spec: DEFAULT_SPECS[taskFlag as TaskName], from: "--task" };
  }
  for (const p of modelPaths) {
    const found = taskBeside(p);
    if (found) return found;
  }
  return null;
}

/** The same `--task` refusal everywhere an instrument needs a task and none is recorded. */
export function requireTask(found: FoundTask | null, why: string): FoundTask {
  if (found) return found;
  throw new UsageError(`${why} needs the model's task, and no run config.json or sweep experiment.json beside the model names one; give --task counter or --task max_identifier`);
}

/**
 * `count` samples of the task drawn with `seed`, `fraction` of them with the spurious correlation
 * (makeDataset): the inputs `--sample` and `--batch` of the instruments pick from.
 */
export function taskSamples(spec: TaskSpec, count: number, seed: number, fraction = 0): Sample[] {
  return makeDataset(spec, count, fraction, makeRng(seed));
}
