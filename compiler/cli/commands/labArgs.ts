// What the lab-scored instrument commands (prune, probe) share on the command line: which task a model is
// scored on (its sweep's, found beside it or named with --experiment, or one named with --task) and
// the parsing of number lists and numbers, each refused in one line that names the option, and
// where their figures go (-o FILE, --save RUN_DIR).
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import type { Figure } from "../../../runtime/report/figure.js";
import { checkModelFitsTask, findSweepConfig, labTaskOfSpec, labTaskOfSweep, specOfSweep, type LabTask } from "../../../runtime/instruments/labTask.js";
import type { TaskSpec } from "../../../runtime/tasks/data.js";
import type { HookedModel } from "../../../runtime/instruments/hookedModel.js";
import { taskSpecFromOptions } from "./data.js";
import { parsePositiveInt } from "./modelArgs.js";

export interface TaskArgs {
  /** A sweep folder or its experiment.json. */
  readonly experiment?: string;
  readonly task?: string;
  readonly oPt?: string;
  readonly oFt?: string;
  readonly q?: string;
  readonly length?: string;
  /** Samples per fresh test set (with --task). */
  readonly testSamples?: string;
}

/** Fresh test sets drawn for a --task model: as many as the lab's paper preset scores on. */
const FRESH_TEST_SAMPLES = 1000;

/**
 * The task and test sets for a model: --experiment's sweep, else --task's spec, else the sweep the
 * model's path lies in; one line saying what to pass when there is none.
 */
export function labTaskFor(modelPath: string, m: HookedModel, a: TaskArgs): LabTask {
  const lab = a.task !== undefined && a.experiment === undefined
    ? labTaskOfSpec(taskSpecFromOptions(a.task, a), a.testSamples !== undefined ? parsePositiveInt(a.testSamples, "--test-samples") : FRESH_TEST_SAMPLES, 0)
    : labTaskOfSweep(sweepOf(modelPath, a));
  checkModelFitsTask(m, lab.spec);
  return lab;
}

/** The task alone (no test sets), found as labTaskFor finds it. */
export function taskSpecFor(modelPath: string, m: HookedModel, a: TaskArgs): TaskSpec {
  const spec = a.task !== undefined && a.experiment === undefined ? taskSpecFromOptions(a.task, a) : specOfSweep(sweepOf(modelPath, a));
  checkModelFitsTask(m, spec);
  return spec;
}

function sweepOf(modelPath: string, a: TaskArgs): string {
  if (a.experiment !== undefined) return a.experiment;
  const config = findSweepConfig(modelPath);
  if (config === null) throw new UsageError(`${modelPath}: not in a sweep folder (no experiment.json above it); name the task with --task counter|max_identifier, or the sweep with --experiment DIR`);
  return config;
}

/** `0,1,2,5`: distinct non-negative integers, returned ascending. */
export function parseIntList(text: string, name: string): number[] {
  const items = text.split(",").map((s) => s.trim());
  const values = items.map((s) => {
    if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`${name}: ${JSON.stringify(s)} is not a non-negative integer; give a comma-separated list such as 0,1,2,5`);
    return Number(s);
  });
  return [...new Set(values)].sort((a, b) => a - b);
}

/** A comma-separated list of names (empty items dropped). */
export function parseNameList(text: string): string[] {
  return text.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/** A finite number in (lo, hi] or [lo, hi], named in the message when it is not. */
export function parseNumber(text: string, name: string, check: (x: number) => boolean, what: string): number {
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x) || !check(x)) throw new UsageError(`${name} must be ${what}, got ${JSON.stringify(text)}`);
  return x;
}

/** `-o FILE` and `--save RUN_DIR` of the instrument commands. */
export interface FigureArgs {
  readonly output?: string;
  readonly save?: string;
}

const FIGURE_EXTENSIONS = [".svg", ".png", ".json"];

/** Refuses, before any work, an -o that cannot be written and a --save that is not a folder. */
export function checkFigureArgs(a: FigureArgs): void {
  if (a.output !== undefined) {
    const ext = path.extname(a.output).toLowerCase();
    if (!FIGURE_EXTENSIONS.includes(ext)) throw new UsageError(`-o ${a.output}: cannot tell the format from ${ext === "" ? "a name without an extension" : `"${ext}"`}; use ${FIGURE_EXTENSIONS.join(", ")}`);
    const dir = path.dirname(path.resolve(a.output));
    if (!isDir(dir)) throw new UsageError(`-o ${a.output}: cannot write: the folder ${path.dirname(a.output)} does not exist`);
    if (isDir(a.output)) throw new UsageError(`-o ${a.output}: cannot write: it is a folder (name the figure's file)`);
  }
  if (a.save !== undefined && fs.existsSync(a.save) && !isDir(a.save)) throw new UsageError(`--save ${a.save}: not a folder (the figures go to ${path.join(a.save, "figures")}/)`);
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes the figures: the first to -o FILE, each further one beside it as FILE's name plus its
 * suffix (`curve.svg`, `curve-classes.svg`); every one to RUN_DIR/figures/ with --save. Returns one
 * line per file written.
 */
export async function writeFigures(figures: readonly { readonly figure: Figure; readonly suffix: string }[], a: FigureArgs): Promise<string[]> {
  const lines: string[] = [];
  if (a.output !== undefined) {
    const { writeFigureFile } = await import("../../../runtime/report/render.js");
    const ext = path.extname(a.output);
    const stem = a.output.slice(0, a.output.length - ext.length);
    for (const [i, f] of figures.entries()) {
      const file = i === 0 ? a.output : `${stem}-${f.suffix}${ext}`;
      await writeFigureFile(file, f.figure);
      lines.push(`wrote ${file}`);
    }
  }
  if (a.save !== undefined) {
    const { saveFigure } = await import("../../../runtime/report/figure.js");
    for (const f of figures) lines.push(`saved ${saveFigure(a.save, f.figure)}`);
  }
  return lines;
}
