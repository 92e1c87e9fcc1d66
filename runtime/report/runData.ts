// What `raspc report` reads from a folder, and what kind of folder it is: a fine-tuning sweep
// (experiment.json, sweep.md, runs/<id>/), one run (metrics.jsonl with config, summary, confusion
// and checkpoint beside it; a fine-tuning run of a sweep or a pretraining run of `raspc train`), or
// a folder that holds only instruments' figures. Everything is read bounded and checked; a folder
// with none of these is refused in one line that says what a report needs. A run still training
// is fine: a last metrics line still being written is left out, and a missing summary.json reads
// as "not finished".
import * as fs from "node:fs";
import * as path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { readBoundedText } from "../../compiler/common/boundedRead.js";
import { baselines, type Baseline } from "../experiment/baselines.js";
import { parseExperimentConfig } from "../experiment/config.js";
import { readJsonConfig } from "../experiment/jsonSyntax.js";
import { SWEEP_FILES, sweepTestSamples, taskSpec } from "../experiment/runOne.js";
import type { PretrainRecord, PretrainSummary } from "../pretrain/run.js";
import { RUN_FILES, type MetricsRecord, type RunSummary } from "../train/loop.js";
import { figureFiles, loadFigures, type Figure } from "./figure.js";

/** A run's metrics file grows by one line per evaluation; past this it is not one of ours. */
const MAX_METRICS_BYTES = 256 * 1024 * 1024;
const MAX_SMALL_BYTES = 16 * 1024 * 1024;

interface RunCommon {
  readonly id: string;
  readonly dir: string;
  /** config.json as written by the run (null if absent). */
  readonly config: Readonly<Record<string, unknown>> | null;
  readonly hasCheckpoint: boolean;
  /** A last metrics line that is still being written (left out). */
  readonly partialLine: boolean;
  readonly figures: readonly Figure[];
}

export type RunData =
  | (RunCommon & { readonly kind: "finetune"; readonly records: readonly MetricsRecord[]; readonly summary: RunSummary | null; readonly confusion: string | null })
  | (RunCommon & { readonly kind: "pretrain"; readonly records: readonly PretrainRecord[]; readonly summary: PretrainSummary | null });

export interface SweepData {
  readonly dir: string;
  readonly name: string;
  readonly runs: readonly RunData[];
  /** Run folders with nothing to show yet (no metrics.jsonl). */
  readonly notStarted: readonly string[];
  /** sweep.md, the lab's tables (null until the sweep has written it). */
  readonly markdown: string | null;
}

/** What a report is about; `baselines` are the sweep's trivial scores (null where no sweep config is at hand). */
export type ReportSource =
  | { readonly kind: "sweep"; readonly dir: string; readonly sweep: SweepData; readonly baselines: readonly Baseline[] | null; readonly figures: readonly Figure[] }
  | { readonly kind: "run"; readonly dir: string; readonly run: RunData; readonly baselines: readonly Baseline[] | null; readonly figures: readonly Figure[] }
  | { readonly kind: "figures"; readonly dir: string; readonly figures: readonly Figure[] };

const ACC = { type: "object", required: ["ptC0", "ftC0", "ptC1", "ftC1"], properties: Object.fromEntries(["ptC0", "ftC0", "ptC1", "ftC1"].map((k) => [k, { type: "number" }])) };
const NUM_OR_NULL = { type: ["number", "null"] };
const RECORD_SCHEMA = {
  anyOf: [
    { type: "object", required: ["step", "loss", "acc"], properties: { step: { type: "integer", minimum: 0 }, loss: NUM_OR_NULL, acc: ACC } },
    {
      type: "object",
      required: ["step", "loss", "evalLoss", "tokenAcc", "seqAcc"],
      properties: { step: { type: "integer", minimum: 0 }, loss: NUM_OR_NULL, evalLoss: NUM_OR_NULL, tokenAcc: { type: "number" }, seqAcc: { type: "number" } },
    },
  ],
} as const;
let recordValidator: ValidateFunction | null = null;

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function exists(p: string): boolean {
  try {
    fs.statSync(p);
    return true;
  } catch {
    return false;
  }
}

function readJsonObject(file: string, kind: string): Record<string, unknown> | null {
  if (!exists(file)) return null;
  const json = readJsonConfig(file, kind, MAX_SMALL_BYTES);
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new UsageError(`${file}: expected a JSON object (${kind})`);
  return json as Record<string, unknown>;
}

/** metrics.jsonl: one record per line, each checked; a last line without its newline is a write in progress. */
export function readMetrics(file: string): { records: (MetricsRecord | PretrainRecord)[]; kind: "finetune" | "pretrain" | null; partialLine: boolean } {
  const text = readBoundedText(file, "a run's metrics.jsonl", MAX_METRICS_BYTES);
  recordValidator ??= new Ajv({ allErrors: false, allowUnionTypes: true, strict: false }).compile(RECORD_SCHEMA);
  const lines = text.split("\n");
  const partial = lines[lines.length - 1] !== "";
  const records: (MetricsRecord | PretrainRecord)[] = [];
  let kind: "finetune" | "pretrain" | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    const last = i === lines.length - 1;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      if (last && partial) return { records, kind, partialLine: true };
      throw new UsageError(`${file}:${i + 1}: not valid JSON`);
    }
    if (!recordValidator(json)) {
      if (last && partial) return { records, kind, partialLine: true };
      throw new UsageError(`${file}:${i + 1}: not a metrics record (a fine-tuning record has step, loss and acc; a pretraining one step, loss, evalLoss, tokenAcc and seqAcc)`);
    }
    const recordKind = "acc" in (json as object) ? "finetune" : "pretrain";
    if (kind !== null && recordKind !== kind) throw new UsageError(`${file}:${i + 1}: a ${recordKind} record among ${kind} records`);
    kind = recordKind;
    records.push(json as MetricsRecord | PretrainRecord);
  }
  return { records, kind, partialLine: false };
}

/** The run in `dir`, or null when it has no metrics.jsonl (not started, or not a run). */
export function readRun(dir: string): RunData | null {
  const metricsFile = path.join(dir, RUN_FILES.metrics);
  if (!exists(metricsFile)) return null;
  const { records, kind, partialLine } = readMetrics(metricsFile);
  const common: RunCommon = {
    id: path.basename(path.resolve(dir)),
    dir,
    config: readJsonObject(path.join(dir, "config.json"), "a run's config.json"),
    hasCheckpoint: exists(path.join(dir, RUN_FILES.checkpoint)),
    partialLine,
    figures: loadFigures(dir),
  };
  const summary = readJsonObject(path.join(dir, RUN_FILES.summary), "a run's summary.json");
  if (kind === "pretrain") return { ...common, kind, records: records as PretrainRecord[], summary: summary as PretrainSummary | null };
  const confusionFile = path.join(dir, RUN_FILES.confusion);
  const confusion = exists(confusionFile) ? readBoundedText(confusionFile, "a run's confusion.md", MAX_SMALL_BYTES) : null;
  return { ...common, kind: "finetune", records: records as MetricsRecord[], summary: summary as RunSummary | null, confusion };
}

/** The trivial baselines of the sweep whose experiment.json this is, or null if it cannot be read as one. */
function sweepBaselines(configFile: string): Baseline[] | null {
  if (!exists(configFile)) return null;
  try {
    // The resolved config names its program by absolute path; nothing is read from it here.
    const config = parseExperimentConfig(readJsonConfig(configFile, "a sweep's experiment.json"), configFile, { allowOutside: true });
    return baselines(taskSpec(config), sweepTestSamples(config));
  } catch {
    return null;
  }
}

const naturalOrder = (a: string, b: string) => a.localeCompare(b, "en", { numeric: true });

function readSweep(dir: string): SweepData {
  const runsDir = path.join(dir, SWEEP_FILES.runs);
  const ids = isDir(runsDir) ? fs.readdirSync(runsDir).filter((n) => !n.startsWith(".") && isDir(path.join(runsDir, n))).sort(naturalOrder) : [];
  const runs: RunData[] = [];
  const notStarted: string[] = [];
  for (const id of ids) {
    const run = readRun(path.join(runsDir, id));
    if (run === null) notStarted.push(id);
    else runs.push(run);
  }
  const mdFile = path.join(dir, SWEEP_FILES.markdown);
  const markdown = exists(mdFile) ? readBoundedText(mdFile, "a sweep's sweep.md", MAX_SMALL_BYTES) : null;
  return { dir, name: path.basename(path.resolve(dir)), runs, notStarted, markdown };
}

/** What `dir` holds for a report; a folder with nothing to show is a one-line UsageError. */
export function readReportSource(dir: string): ReportSource {
  if (dir === "") throw new UsageError("the run folder is empty (give a run or sweep folder)");
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new UsageError(`${dir}: no such folder`);
  }
  if (!stat.isDirectory()) throw new UsageError(`${dir}: not a folder (give a run or sweep folder)`);
  const configFile = path.join(dir, SWEEP_FILES.config);
  if (exists(configFile) || isDir(path.join(dir, SWEEP_FILES.runs))) {
    const sweep = readSweep(dir);
    const figures = loadFigures(dir);
    if (sweep.runs.length === 0 && sweep.markdown === null && figures.length === 0) {
      throw new UsageError(`${dir}: nothing to report yet: no run under ${SWEEP_FILES.runs}/ has a ${RUN_FILES.metrics}, there is no ${SWEEP_FILES.markdown}, and no ${path.join("figures", "*.json")}`);
    }
    return { kind: "sweep", dir, sweep, baselines: sweepBaselines(configFile), figures };
  }
  const run = readRun(dir);
  if (run !== null) {
    // A run of a sweep (SWEEP/runs/ID): its sweep's baselines.
    const parent = path.dirname(path.dirname(path.resolve(dir)));
    const inSweep = path.basename(path.dirname(path.resolve(dir))) === SWEEP_FILES.runs;
    return { kind: "run", dir, run, baselines: run.kind === "finetune" && inSweep ? sweepBaselines(path.join(parent, SWEEP_FILES.config)) : null, figures: run.figures };
  }
  if (figureFiles(dir).length > 0) return { kind: "figures", dir, figures: loadFigures(dir) };
  const missing = exists(path.join(dir, RUN_FILES.checkpoint)) ? `${RUN_FILES.metrics} (it has a ${RUN_FILES.checkpoint} but no metrics)` : `${RUN_FILES.metrics}, ${RUN_FILES.checkpoint} or figures/*.json`;
  throw new UsageError(
    `${dir}: nothing to report: no ${missing}; expected a run folder (${RUN_FILES.metrics}, ${RUN_FILES.checkpoint}, ${RUN_FILES.summary}), a sweep folder (${SWEEP_FILES.config}, ${SWEEP_FILES.runs}/) or instruments' figures (figures/*.json)`,
  );
}
