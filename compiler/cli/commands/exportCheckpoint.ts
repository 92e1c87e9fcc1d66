// `raspc export-checkpoint CHECKPOINT.json --model MODEL.json -o OUT.json`: a training checkpoint
// (any step of any run) as a model file of its own, like the final-model.json every run writes, so
// exec, exec --trace, inspect, verify --model and export can read the weights at that step. MODEL is
// the model the run started from (a sweep's models/ft.json or models/pt.json); the checkpoint's
// fingerprint must match it. The run id and protocol come from the run folder's config.json.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import { readModel, writeModel } from "../../model/modelFile.js";
import type { Provenance } from "../../model/types.js";
import { modelFingerprint, readCheckpoint } from "../../../runtime/train/checkpoint.js";
import { geometryOf, modelFromParams, paramsOf } from "../../../runtime/train/params.js";

export interface ExportCheckpointOptions {
  readonly model: string;
  readonly output: string;
}

/** The run a checkpoint belongs to, from the config.json beside it (a sweep run folder). */
function runOf(checkpoint: string): { runId: string; protocol: string; startRun?: string } {
  const dir = path.dirname(path.resolve(checkpoint));
  const fallback = { runId: path.basename(dir), protocol: "unknown" };
  const configFile = path.join(dir, "config.json");
  if (!fs.existsSync(configFile)) return fallback;
  try {
    const c = JSON.parse(fs.readFileSync(configFile, "utf8")) as { run?: { id?: unknown; protocol?: unknown; start?: { kind?: unknown; id?: unknown } } };
    const run = c.run;
    if (typeof run?.id !== "string" || typeof run.protocol !== "string") return fallback;
    return { runId: run.id, protocol: run.protocol, ...(run.start?.kind === "run" && typeof run.start.id === "string" ? { startRun: run.start.id } : {}) };
  } catch {
    throw new UsageError(`${configFile}: not valid JSON; the run folder's config.json names the run`);
  }
}

export function exportCheckpoint(checkpoint: string, opts: ExportCheckpointOptions): number {
  const base = readModel(opts.model);
  const geometry = geometryOf(base);
  const ck = readCheckpoint(checkpoint, geometry, modelFingerprint(geometry, paramsOf(base)));
  const trained: Provenance = { sourceModel: opts.model, step: ck.step, ...runOf(checkpoint) };
  writeModel(opts.output, modelFromParams(base, ck.state.params, trained));
  process.stdout.write(`wrote ${path.normalize(opts.output)}: ${opts.model} after ${ck.step} steps of run ${trained.runId} (${trained.protocol})\n`);
  return 0;
}
