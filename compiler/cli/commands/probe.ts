// `raspc probe MODEL... [--target count_a,count_b] [--iters N] [--lr X] [--milestones ...]
//   [--gamma G] [--batch B] [--seed S] [--test-samples N] [--position P] [--correlated C]
//   [--experiment DIR | --task T ...] [--json] [-o FILE] [--save DIR]`: linear probes of every
// block's residual stream (runtime/instruments/probe.ts) for one or several models of one task,
// with the paper's schedule by default; prints held-out accuracy per block beside the majority class.
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import { loadHookedModel, type HookedModel } from "../../../runtime/instruments/hookedModel.js";
import { defaultProbeSettings, PAPER_PROBE, probeModel, probeTarget, type ProbeResult, type ProbeSettings } from "../../../runtime/instruments/probe.js";
import { markdownTable } from "../../../runtime/experiment/tables.js";
import type { TaskSpec } from "../../../runtime/tasks/data.js";
import { MODEL_ANSWER_POSITION } from "../../../runtime/train/taskBatches.js";
import { progressBar } from "../progress.js";
import { checkFigureArgs, parseIntList, parseNameList, parseNumber, taskSpecFor, writeFigures, type FigureArgs, type TaskArgs } from "./labArgs.js";
import { parseNonNegativeInt, parsePositiveInt } from "./modelArgs.js";

export interface ProbeOptions extends Omit<TaskArgs, "testSamples">, FigureArgs {
  readonly target?: string;
  readonly iters?: string;
  readonly lr?: string;
  readonly milestones?: string;
  readonly gamma?: string;
  readonly batch?: string;
  readonly seed?: string;
  readonly testSamples?: string;
  readonly position?: string;
  readonly correlated?: string;
  readonly json?: boolean;
}

/** Batches past this are a memory problem, not a probe setting. */
const MAX_BATCH = 16_384;

function parseSettings(o: ProbeOptions): ProbeSettings {
  const iterations = o.iters === undefined ? PAPER_PROBE.iterations : parsePositiveInt(o.iters, "--iters");
  const milestones = o.milestones === undefined ? undefined : o.milestones.trim() === "" ? [] : parseIntList(o.milestones, "--milestones");
  const late = milestones?.find((m) => m >= iterations);
  if (late !== undefined) throw new UsageError(`--milestones ${late}: past the last iteration (${iterations - 1}); the learning rate would never drop there`);
  const batchSize = o.batch === undefined ? undefined : parsePositiveInt(o.batch, "--batch");
  if (batchSize !== undefined && batchSize > MAX_BATCH) throw new UsageError(`--batch must be at most ${MAX_BATCH}, got ${batchSize}`);
  const over: Partial<ProbeSettings> = {
    iterations,
    ...(o.lr !== undefined ? { learningRate: parseNumber(o.lr, "--lr", (x) => x > 0, "a positive number") } : {}),
    ...(milestones !== undefined ? { milestones } : {}),
    ...(o.gamma !== undefined ? { gamma: parseNumber(o.gamma, "--gamma", (x) => x > 0 && x <= 1, "a number in (0, 1]") } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(o.seed !== undefined ? { seed: parseNonNegativeInt(o.seed, "--seed") } : {}),
    ...(o.testSamples !== undefined ? { testSamples: parsePositiveInt(o.testSamples, "--test-samples") } : {}),
    ...(o.position !== undefined ? { position: parseNonNegativeInt(o.position, "--position") } : {}),
    ...(o.correlated !== undefined ? { correlated: parseNumber(o.correlated, "--correlated", (x) => x >= 0 && x <= 1, "a fraction in [0, 1]") } : {}),
  };
  return defaultProbeSettings(over);
}

const sameSpec = (a: TaskSpec, b: TaskSpec) => a.task === b.task && a.oPt === b.oPt && a.oFt === b.oFt && a.q === b.q && a.length === b.length;
const specText = (s: TaskSpec) => `${s.task}, O_PT ${String(s.oPt)}, O_FT ${String(s.oFt)}, q ${s.q}, length ${s.length}`;

/** Every model of one task: the first model's, which the others must share. */
function loadModels(paths: readonly string[], o: ProbeOptions): { models: HookedModel[]; spec: TaskSpec } {
  const labels = new Set<string>();
  const models = paths.map((p) => {
    let m = loadHookedModel(p);
    // Two runs' final-model.json files, or pt.json of two sweeps, would share a label.
    if (labels.has(m.label)) m = { ...m, label: path.relative(process.cwd(), p) || p };
    labels.add(m.label);
    return m;
  });
  const spec = taskSpecFor(paths[0]!, models[0]!, o);
  models.slice(1).forEach((m, i) => {
    const other = taskSpecFor(paths[i + 1]!, m, o);
    if (!sameSpec(other, spec)) throw new UsageError(`${paths[i + 1]}: a model of another task (${specText(other)}) than ${paths[0]} (${specText(spec)}); probe models of one task together`);
  });
  return { models, spec };
}

const pct = (x: number) => (100 * x).toFixed(1);

function textReport(results: readonly ProbeResult[][], s: ProbeSettings, spec: TaskSpec, seconds: number): string {
  const where = s.position === MODEL_ANSWER_POSITION ? `position ${s.position} (the answer position)` : `position ${s.position}`;
  const out = [
    `linear probes of the residual stream at ${where}, ${specText(spec)}`,
    `${s.iterations} AdamW iterations of batch ${s.batchSize}, lr ${s.learningRate} × ${s.gamma} at ${s.milestones.join(", ") || "no milestone"}; samples with C = ${s.correlated}, ${s.testSamples} held out (seed ${s.seed}); ${seconds.toFixed(1)} s`,
  ];
  const targets = results[0]!.map((r) => r.target);
  targets.forEach((target, t) => {
    const rows = results.map((perModel) => perModel[t]!);
    const blocks = rows[0]!.blocks.map((b) => b.block);
    out.push(
      "",
      `${target}: ${rows[0]!.description}, held-out accuracy (%) per probed stream`,
      "",
      markdownTable(
        ["model", ...blocks, "majority class"],
        rows.map((r) => [r.model, ...r.blocks.map((b) => pct(b.accuracy)), `${pct(r.majority.accuracy)} (always ${String(r.majority.answer)})`]),
      ),
    );
  });
  return out.join("\n") + "\n";
}

export async function probe(modelPaths: readonly string[], opts: ProbeOptions): Promise<number> {
  const s = parseSettings(opts);
  checkFigureArgs(opts);
  const { models, spec } = loadModels(modelPaths, opts);
  const targets = parseNameList(opts.target ?? "pt,ft").map((name) => probeTarget(spec, name));
  if (targets.length === 0) throw new UsageError("--target: name at least one target");
  const unique = [...new Map(targets.map((t) => [t.name, t])).values()];
  if (s.position > spec.length) throw new UsageError(`--position ${s.position}: the task's sequences have model positions 0 (BOS) to ${spec.length}`);
  const started = performance.now();
  const bar = progressBar("probe", models.length * s.iterations, 1, 500);
  const results: ProbeResult[][] = [];
  for (const [i, m] of models.entries()) {
    results.push(await probeModel(m, spec, unique, s, (done) => bar.update(i * s.iterations + done, ` ${m.label}`)));
  }
  bar.finish();
  const seconds = (performance.now() - started) / 1000;
  let written: string[] = [];
  if (opts.output !== undefined || opts.save !== undefined) {
    const { probeFigure } = await import("../../../runtime/instruments/probeFigures.js");
    written = await writeFigures([{ figure: probeFigure(results, s), suffix: "probe" }], opts);
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ task: spec, settings: s, seconds, results: results.flat() }, null, 2) + "\n");
    if (written.length > 0) process.stderr.write(written.join("\n") + "\n");
    return 0;
  }
  process.stdout.write(textReport(results, s, spec, seconds) + (written.length > 0 ? `\n${written.join("\n")}\n` : ""));
  return 0;
}
