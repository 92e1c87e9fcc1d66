// Everything about a sweep that can fail is tried before its folder is written: the program is
// loaded and both models (O_PT and O_FT) are compiled in memory, and the engine's backend is
// started once. So a bad `program`, an `operandVariable` the program never assigns, or a CUDA
// provider that is not installed is one line naming the config field, and no folder exists
// afterwards to need --force. The compiled models are handed to the sweep to write.
import { ParseFailure, RaspError, UsageError, oneLine } from "../../compiler/language/diagnostics.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { CompileOptionError } from "../../compiler/options.js";
import { vocabOf } from "../tasks/data.js";
import { createTrainer } from "../train/engines.js";
import { geometryOf, paramsOf } from "../train/params.js";
import { MODEL_ANSWER_POSITION } from "../train/taskBatches.js";
import { zerosLike } from "../train/trainer.js";
import type { ExperimentConfig } from "./config.js";

export interface SweepModels {
  readonly pt: CompiledModel;
  readonly ft: CompiledModel;
}

/** `where: field: reason` for what went wrong under one field of the config. */
function fieldError(where: string, field: string, err: unknown): UsageError {
  if (err instanceof ParseFailure) return new UsageError(`${where}: ${field}: ${oneLine(err.diagnostics[0]!)}`);
  if (err instanceof RaspError) return new UsageError(`${where}: ${field}: ${oneLine(err.diagnostic)}`);
  if (err instanceof UsageError) return new UsageError(`${where}: ${field}: ${err.message}`);
  return err instanceof Error ? err : new Error(String(err));
}

/** Compiles the sweep's two models in memory. `where` names the config file in messages. */
export async function buildModels(c: ExperimentConfig, where: string, allowOutside = false): Promise<SweepModels> {
  const { loadProgram } = await import("../../compiler/interpreter/program.js");
  const { compileFile } = await import("../../compiler/compileFile.js");
  try {
    const plain = loadProgram(c.program, undefined, new Map(), allowOutside);
    if (plain.interpreter.global(c.operandVariable) === undefined) {
      throw new UsageError(`${where}: operandVariable: ${c.program} has no global named '${c.operandVariable}'`);
    }
  } catch (err) {
    if (err instanceof UsageError && err.message.startsWith(`${where}: `)) throw err;
    throw fieldError(where, "program", err);
  }
  const build = (operand: string | number): CompiledModel => {
    try {
      return compileFile(c.program, { vocab: vocabOf(c.task), maxLen: c.maxLen, ...(c.coldness !== null ? { coldness: c.coldness } : {}), overrides: new Map([[c.operandVariable, operand]]), allowOutside });
    } catch (err) {
      // A bad option names its config field itself (maxLen, coldness); the rest is the program's.
      if (err instanceof CompileOptionError) throw new UsageError(`${where}: ${err.message}`);
      throw fieldError(where, "program", err);
    }
  };
  return { pt: build(c.oPt), ft: build(c.oFt) };
}

/** Starts the config's engine and backend once on `model`, so a backend that cannot load is found now. */
export async function checkBackend(c: ExperimentConfig, model: CompiledModel, where: string): Promise<void> {
  const params = paramsOf(model);
  try {
    const trainer = await createTrainer(c.engine, { geometry: geometryOf(model), initial: { params, velocity: zerosLike(params) }, answerPosition: MODEL_ANSWER_POSITION, threads: 1, backend: c.backend });
    trainer.dispose();
  } catch (err) {
    throw fieldError(where, "backend", err);
  }
}

/** All of a sweep's checks that need more than the config itself; returns the compiled models. */
export async function preflight(c: ExperimentConfig, where: string, allowOutside = false): Promise<SweepModels> {
  const models = await buildModels(c, where, allowOutside);
  await checkBackend(c, models.pt, where);
  return models;
}
