// Where a model file sits in a fine-tuning sweep, for the instruments that need to know more than
// the file says: which task its inputs come from, and which operand the program was compiled with.
//
// A sweep compiles one program twice with `--set OPERAND=...` (O_PT into models/pt.json, O_FT into
// models/ft.json), and a model file keeps the program's text but not that override. So a tool that
// runs the program a model carries (s-op read-back runs it on the interpreter) must get the operand
// from the sweep's experiment.json: O_PT for models/pt.json and for every model trained from it (FT,
// reFT, randFT: their final-model.json names models/pt.json as its source), O_FT for models/ft.json
// and the Scr.+FT runs trained from it. A model outside a sweep folder has no such context.
import * as fs from "node:fs";
import * as path from "node:path";
import type { CompiledModel } from "../../compiler/model/types.js";
import type { TaskSpec } from "../tasks/data.js";
import { RUN_FILES } from "../train/loop.js";
import { loadExperimentConfig, type ExperimentConfig } from "./config.js";
import { SWEEP_FILES, taskSpec } from "./runOne.js";

export interface LabContext {
  readonly sweepDir: string;
  readonly config: ExperimentConfig;
  /** The sweep's compiled model this one is, or was trained from. */
  readonly which: "pt" | "ft";
  /** The run this model is the final weights of; null for models/pt.json and models/ft.json. */
  readonly runId: string | null;
  readonly spec: TaskSpec;
  /** The program variable the sweep sets, and its value for this model. */
  readonly operand: { readonly name: string; readonly value: string | number };
}

/** "pt" or "ft" when `file` is one of a sweep folder's models/{pt,ft}.json, else null. */
function sweepModelName(file: string): "pt" | "ft" | null {
  if (path.basename(path.dirname(file)) !== SWEEP_FILES.models) return null;
  const base = path.basename(file);
  return base === "pt.json" ? "pt" : base === "ft.json" ? "ft" : null;
}

/**
 * The sweep `model` belongs to, read from where it lies: `file` is the model file (a run's
 * final-model.json, or a sweep's models/pt.json or models/ft.json); null when it is not in a sweep
 * folder. A sweep folder whose experiment.json cannot be read is a one-line UsageError.
 */
export function labContextOf(file: string, model: CompiledModel): LabContext | null {
  const abs = path.resolve(file);
  let sweepDir: string;
  let which: "pt" | "ft" | null;
  let runId: string | null = null;
  if (path.basename(abs) === RUN_FILES.finalModel && path.basename(path.dirname(path.dirname(abs))) === SWEEP_FILES.runs) {
    sweepDir = path.dirname(path.dirname(path.dirname(abs)));
    runId = model.trained?.runId ?? path.basename(path.dirname(abs));
    which = model.trained ? sweepModelName(path.join(sweepDir, model.trained.sourceModel)) : null;
  } else {
    sweepDir = path.dirname(path.dirname(abs));
    which = sweepModelName(abs);
  }
  const configFile = path.join(sweepDir, SWEEP_FILES.config);
  if (which === null || !fs.existsSync(configFile)) return null;
  // The sweep wrote its program's absolute path into its resolved config: it may lie anywhere.
  const config = loadExperimentConfig(configFile, {}, { allowOutside: true });
  return {
    sweepDir,
    config,
    which,
    runId,
    spec: taskSpec(config),
    operand: { name: config.operandVariable, value: which === "pt" ? config.oPt : config.oFt },
  };
}
