// `raspc readback MODEL_OR_RUN_DIR... [--base COMPILED_MODEL] [--samples N] [--seed S] [--length N]
//   [--correlated C] [--set NAME=VALUE] [--sublayers] [--tolerance T] [--json] [-o FILE] [--save DIR]`:
// s-op read-back (runtime/instruments/readback.ts). For each model (a model file, or a fine-tuning
// run's folder), the share of positions × inputs where the residual stream after the embedding and
// after each layer still holds the value the interpreter computes for each of the program's s-ops:
// a Markdown table per model (s-ops down in plan order, layers across), and one heatmap of them all.
//
// The s-ops, their directions and the program come from the model file itself (a fine-tuned model
// keeps its compiled model's plan), or from --base (the sweep's models/ft.json, say: does the
// fine-tuned model now compute the O_FT program's intermediate values?). Inputs: a model in a
// sweep folder is fed its task's inputs (the sweep's task and length; the sweep's operand is set
// in the program too, since model files do not record compile-time --set); any other model gets
// uniformly random tokens of its vocabulary at its max length. Everything is checked before any
// model runs; the figure is written last, atomically.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import { readModel } from "../../model/modelFile.js";
import type { CompiledModel } from "../../model/types.js";
import type { OverrideValue } from "../../interpreter/interpreter.js";
import type { SOp } from "../../rasp/ops.js";
import type { Atom } from "../../rasp/values.js";
import { progressBar } from "../progress.js";
import { parseNonNegativeInt, parseOverrides, parsePositiveInt } from "./modelArgs.js";
import { labContextOf, type LabContext } from "../../../runtime/experiment/labModel.js";
import { loadHookedModel, type CompiledHookedModel } from "../../../runtime/instruments/hookedModel.js";
import { programOf, readback, readbackJson, readbackNotes, readbackProblem, readbackTable, taskInputs, uniformInputs, type ReadbackResult } from "../../../runtime/instruments/readback.js";
import { specProblem } from "../../../runtime/tasks/data.js";

export interface ReadbackCommandOptions {
  readonly base?: string;
  readonly samples?: string;
  readonly seed?: string;
  readonly length?: string;
  readonly correlated?: string;
  readonly set?: readonly string[];
  readonly position?: string;
  readonly sublayers?: boolean;
  readonly tolerance?: string;
  readonly json?: boolean;
  readonly output?: string;
  readonly save?: string;
}

export const DEFAULT_READBACK_SAMPLES = 500;
/** runtime/report/render.ts's FIGURE_FORMATS, checked before any model runs without loading the charting stack (a test keeps them equal). */
export const FIGURE_EXTENSIONS: readonly string[] = [".svg", ".png", ".json"];
/** More inputs than this is a typo, not a measurement (each input is a forward pass and an interpreter run). */
const MAX_SAMPLES = 1_000_000;

/** A gpt (minGPT) checkpoint begins with its format; peek at the head of a regular file only (FIFOs would block). */
function isGptCheckpoint(file: string): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(256);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return /"format"\s*:\s*"raspc-gpt-checkpoint"/.test(head.subarray(0, n).toString("utf8"));
  } finally {
    fs.closeSync(fd);
  }
}

/** A gpt pretraining run's folder (raspc train): no final-model.json, a gpt checkpoint or a gpt-pretrain config. */
function isGptPath(p: string): boolean {
  if (isGptCheckpoint(p)) return true;
  try {
    if (!fs.statSync(p).isDirectory() || fs.existsSync(path.join(p, "final-model.json"))) return false;
  } catch {
    return false;
  }
  if (isGptCheckpoint(path.join(p, "checkpoint.json"))) return true;
  try {
    const config = path.join(p, "config.json");
    return fs.statSync(config).isFile() && fs.statSync(config).size < 1 << 20 && /"kind"\s*:\s*"gpt-pretrain"/.test(fs.readFileSync(config, "utf8"));
  } catch {
    return false;
  }
}

/** Everything one model's read-back needs, checked before anything runs. */
interface Prepared {
  readonly m: CompiledHookedModel;
  readonly base: CompiledModel;
  readonly program: SOp;
  readonly inputs: Atom[][];
  /** Where the program, its operand and the inputs came from, for the header line (after the model's name). */
  readonly about: string;
  readonly model: string;
}

function describeModel(m: CompiledHookedModel): string {
  const t = m.model.trained;
  return t ? `${m.label} (${t.protocol}${t.startRun ? ` from ${t.startRun}` : ""} of ${t.sourceModel}, step ${t.step})` : `${m.label} (compiled)`;
}

/** The program `base` was compiled from, with the sweep's operand unless --set says otherwise, and how to name it. */
function programFor(base: CompiledModel, where: string, baseCtx: LabContext | null, settings: Settings): { program: SOp; text: string } {
  // A model file keeps the program's text, not the --set it was compiled with.
  const overrides = new Map<string, OverrideValue>(baseCtx ? [[baseCtx.operand.name, baseCtx.operand.value]] : []);
  for (const [k, v] of settings.set) overrides.set(k, v);
  const fromSweep = (k: string) => baseCtx !== null && k === baseCtx.operand.name && !settings.set.has(k);
  const shown = [...overrides].map(([k, v]) => `${k} = ${JSON.stringify(v)}${fromSweep(k) ? " from the sweep's experiment.json" : ""}`).join(", ");
  return { program: programOf(base, where, overrides), text: `${path.basename(base.source.file)}${shown ? ` with ${shown}` : ""}` };
}

/** The inputs: the sweep's task when the model (or base) lies in a sweep, else uniform tokens; and how to name them. */
function inputsFor(file: string, model: CompiledModel, task: LabContext | null, settings: Settings): { inputs: Atom[][]; text: string } {
  const length = settings.length ?? task?.spec.length ?? model.maxLen;
  if (length > model.maxLen) throw new UsageError(`--length ${length}: ${file} takes at most ${model.maxLen} tokens`);
  if (settings.position !== undefined && settings.position >= length) throw new UsageError(`--position ${settings.position}: inputs have ${length} tokens (positions 0..${length - 1})`);
  const { samples, seed, correlated } = settings;
  if (!task) {
    if (correlated !== undefined) throw new UsageError(`--correlated: ${file} is not in a fine-tuning sweep's folder, so it has no task with a planted correlation; leave --correlated out`);
    return { inputs: uniformInputs(model.vocab, length, samples, seed), text: `${samples} uniformly random inputs of length ${length} (seed ${seed})` };
  }
  const spec = { ...task.spec, length };
  const bad = specProblem(spec);
  if (bad) throw new UsageError(`--length ${length}: the ${spec.task} task cannot be sampled: ${bad}`);
  let inputs: Atom[][];
  try {
    inputs = taskInputs(spec, samples, seed, correlated);
  } catch (err) {
    // makeDataset's one refusal left after specProblem: a share without the correlation that cannot be drawn.
    if (correlated !== undefined && err instanceof Error) throw new UsageError(`--correlated ${correlated}: ${err.message}`);
    throw err;
  }
  const dist = correlated === undefined ? "its natural distribution" : `C = ${correlated}`;
  return { inputs, text: `${samples} inputs of the sweep's ${spec.task} task (length ${length}, ${dist}, seed ${seed})` };
}

function prepare(file: string, opts: ReadbackCommandOptions, given: { base: CompiledModel; ctx: LabContext | null } | null, settings: Settings): Prepared {
  if (isGptPath(file)) {
    throw new UsageError(`${file}: a gpt (minGPT) model has no plan and no named residual directions to read s-ops from; readback reads compiled models (raspc compile's output) and fine-tuning runs of them`);
  }
  const m = loadHookedModel(file);
  const ctx = labContextOf(m.path, m.model);
  const base = given?.base ?? m.model;
  const baseCtx = given ? given.ctx : ctx;
  const problem = readbackProblem(m.model, base);
  if (problem) throw new UsageError(`${file}: ${problem}`);
  const { program, text: programText } = programFor(base, given ? opts.base! : file, baseCtx, settings);
  const { inputs, text: inputText } = inputsFor(file, m.model, ctx ?? baseCtx, settings);
  const against = given ? `${opts.base}'s plan and program` : "its own plan and program";
  return { m, base, program, inputs, model: describeModel(m), about: `read against ${against} (${programText}), on ${inputText}` };
}

interface Settings {
  readonly samples: number;
  readonly seed: number;
  readonly length: number | undefined;
  readonly correlated: number | undefined;
  readonly tolerance: number | undefined;
  /** Input position to compare at (0-based); every position when undefined. */
  readonly position: number | undefined;
  readonly set: ReadonlyMap<string, string | number | boolean>;
}

function parseSettings(opts: ReadbackCommandOptions): Settings {
  const samples = opts.samples !== undefined ? parsePositiveInt(opts.samples, "--samples") : DEFAULT_READBACK_SAMPLES;
  if (samples > MAX_SAMPLES) throw new UsageError(`--samples ${samples}: at most ${MAX_SAMPLES.toLocaleString("en-US")}`);
  const fraction = (text: string | undefined, flag: string, positive: boolean): number | undefined => {
    if (text === undefined) return undefined;
    const x = Number(text);
    if (text.trim() === "" || !Number.isFinite(x) || x < 0 || (positive ? x === 0 : x > 1)) {
      throw new UsageError(`${flag} must be ${positive ? "a positive number" : "a number in [0, 1]"}, got ${JSON.stringify(text)}`);
    }
    return x;
  };
  return {
    samples,
    seed: opts.seed !== undefined ? parseNonNegativeInt(opts.seed, "--seed") : 0,
    length: opts.length !== undefined ? parsePositiveInt(opts.length, "--length") : undefined,
    correlated: fraction(opts.correlated, "--correlated", false),
    tolerance: fraction(opts.tolerance, "--tolerance", true),
    position: opts.position !== undefined ? parseNonNegativeInt(opts.position, "--position") : undefined,
    set: parseOverrides(opts.set ?? []),
  };
}

/** Checks where the figure goes before any model runs, so a bad path costs nothing. */
function checkOutputs(opts: ReadbackCommandOptions): void {
  if (opts.output !== undefined && !FIGURE_EXTENSIONS.includes(path.extname(opts.output).toLowerCase())) {
    throw new UsageError(`-o ${opts.output}: the figure's file must end in ${FIGURE_EXTENSIONS.join(", ")}`);
  }
  if (opts.output !== undefined) {
    const dir = path.dirname(path.resolve(opts.output));
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`-o ${opts.output}: the folder ${path.dirname(opts.output)} does not exist`);
  }
  if (opts.save !== undefined && !(fs.existsSync(opts.save) && fs.statSync(opts.save).isDirectory())) {
    throw new UsageError(`--save ${opts.save}: not a folder (give a run or sweep folder, or any existing folder, to add the figure to its figures/)`);
  }
}

export async function readbackCommand(files: readonly string[], opts: ReadbackCommandOptions): Promise<number> {
  const settings = parseSettings(opts);
  checkOutputs(opts);
  let given: { base: CompiledModel; ctx: LabContext | null } | null = null;
  if (opts.base !== undefined) {
    if (isGptPath(opts.base)) throw new UsageError(`--base ${opts.base}: a gpt (minGPT) model has no plan; give a compiled model file`);
    const base = readModel(opts.base);
    const problem = readbackProblem(base);
    if (problem) throw new UsageError(`--base ${opts.base}: ${problem}`);
    given = { base, ctx: labContextOf(opts.base, base) };
  }
  const prepared = files.map((f) => prepare(f, opts, given, settings));
  const results: ReadbackResult[] = [];
  const out: string[] = [];
  for (const p of prepared) {
    const bar = progressBar(`readback ${p.m.label}`, p.inputs.length, 2000);
    let r: ReadbackResult;
    try {
      const options = {
        sublayers: opts.sublayers === true,
        ...(settings.tolerance !== undefined ? { tolerance: settings.tolerance } : {}),
        ...(settings.position !== undefined ? { positions: [settings.position] } : {}),
        onProgress: (done: number) => bar.update(done),
      };
      r = await readback(p.m, p.program, p.inputs, options, p.base);
    } finally {
      bar.finish();
    }
    results.push(r);
    if (!opts.json) {
      const where = settings.position === undefined ? "positions × inputs" : `inputs at position ${settings.position}`;
      const block = [`readback: ${p.model}, ${p.about}: % of ${where} where the residual stream holds the interpreter's value`, "", readbackTable(r), ...readbackNotes(r)];
      out.push(block.join("\n"));
      process.stdout.write((results.length > 1 ? "\n" : "") + block.join("\n") + "\n");
    }
  }
  if (opts.json) process.stdout.write(JSON.stringify(results.map((r, i) => ({ about: `${prepared[i]!.model}, ${prepared[i]!.about}`, ...(readbackJson(r) as object) }))) + "\n");
  if (opts.output === undefined && opts.save === undefined) return 0;
  const abouts = [...new Set(prepared.map((p) => p.about))];
  const where = settings.position === undefined ? "" : ` at input position ${settings.position}`;
  const variant = [settings.position !== undefined ? `pos${settings.position}` : "", opts.base !== undefined ? `base-${path.basename(opts.base, ".json")}` : ""].filter((v) => v).join("-");
  // The charting stack (Vega, resvg) loads only when a figure is asked for.
  const { readbackFigure } = await import("../../../runtime/instruments/readbackFigure.js");
  const { saveFigure } = await import("../../../runtime/report/figure.js");
  const { writeFigureFile } = await import("../../../runtime/report/render.js");
  const figure = readbackFigure(results, { about: `${prepared.map((p) => p.m.label).join(", ")}${where}, ${abouts.join("; ")}`, ...(variant ? { variant } : {}), ...(settings.position !== undefined ? { position: settings.position } : {}) });
  if (opts.output !== undefined) {
    await writeFigureFile(opts.output, figure);
    if (!opts.json) process.stdout.write(`wrote ${opts.output}\n`);
  }
  if (opts.save !== undefined) {
    const file = saveFigure(opts.save, figure);
    if (!opts.json) process.stdout.write(`saved ${file}\n`);
  }
  return 0;
}
