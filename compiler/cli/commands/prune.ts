// `raspc prune MODEL_OR_RUN_DIR [--k 0,1,2,3,5,10] [--granularity weight|neuron] [--params ...]
//   [--exclude ...] [--samples N] [--prune-on natural|C] [--seed S] [--experiment DIR | --task T ...]
//   [--show N] [--hist-k K,...] [--json] [-o FILE.svg|png|json] [--save RUN_DIR]`: Algorithm 3 of Jain et al. 2023
// (runtime/instruments/prune.ts) on one model: one ranking by grad·weight of the O_PT loss, swept
// over K, each pruned model scored on the lab's test sets beside the trivial baselines; then the
// zeroed weights by what they connect, and the predicted classes after pruning; -o writes the
// pruning curve (and FILE-classes.EXT the predicted-class histogram), --save adds both to RUN_DIR/figures/.
import { UsageError } from "../../language/diagnostics.js";
import { loadHookedModel } from "../../../runtime/instruments/hookedModel.js";
import { axisLabels, describeUnit, eligibleParams, pruneBatch, pruneCurve, saliencyRanking, unitCount, unitName, type Granularity, type PruneCurve } from "../../../runtime/instruments/prune.js";
import type { LabTask } from "../../../runtime/instruments/labTask.js";
import { ACC_HEAD, ACC_KEYS, markdownTable } from "../../../runtime/experiment/tables.js";
import { formatHistogram, makeDataset, makeNaturalDataset } from "../../../runtime/tasks/data.js";
import { makeRng } from "../../../runtime/random.js";
import { progressBar } from "../progress.js";
import { checkFigureArgs, labTaskFor, parseIntList, parseNameList, parseNumber, writeFigures, type FigureArgs, type TaskArgs } from "./labArgs.js";
import { parseNonNegativeInt, parsePositiveInt } from "./modelArgs.js";

export interface PruneOptions extends TaskArgs, FigureArgs {
  readonly k?: string;
  readonly granularity?: string;
  readonly params?: string;
  readonly exclude?: string;
  readonly samples?: string;
  readonly pruneOn?: string;
  readonly seed?: string;
  readonly show?: string;
  readonly histK?: string;
  readonly json?: boolean;
}

export const DEFAULT_KS = "0,1,2,3,5,10,20,50,100";
const DEFAULT_SAMPLES = 512;
const DEFAULT_SHOW = 20;

interface Parsed {
  readonly ks: number[];
  readonly granularity: Granularity;
  readonly include: string[] | null;
  readonly exclude: string[];
  readonly samples: number;
  /** null: the task's natural distribution; else the correlated fraction. */
  readonly pruneOn: number | null;
  readonly seed: number;
  readonly show: number;
  readonly histK: number[] | null;
}

function parseOptions(o: PruneOptions): Parsed {
  const granularity = o.granularity ?? "weight";
  if (granularity !== "weight" && granularity !== "neuron") throw new UsageError(`--granularity must be weight or neuron, got ${JSON.stringify(granularity)}`);
  const pruneOn = o.pruneOn === undefined || o.pruneOn === "natural" ? null : parseNumber(o.pruneOn, "--prune-on", (x) => x >= 0 && x <= 1, "natural or a correlated fraction in [0, 1]");
  const ks = parseIntList(o.k ?? DEFAULT_KS, "--k");
  const histK = o.histK === undefined ? null : parseIntList(o.histK, "--hist-k");
  const stray = histK?.find((k) => !ks.includes(k));
  if (stray !== undefined) throw new UsageError(`--hist-k ${stray}: not one of the K values swept (--k ${ks.join(",")})`);
  return {
    ks,
    granularity,
    include: o.params === undefined ? null : parseNameList(o.params),
    exclude: o.exclude === undefined ? [] : parseNameList(o.exclude),
    samples: o.samples === undefined ? DEFAULT_SAMPLES : parsePositiveInt(o.samples, "--samples"),
    pruneOn,
    seed: o.seed === undefined ? 0 : parseNonNegativeInt(o.seed, "--seed"),
    show: o.show === undefined ? DEFAULT_SHOW : parseNonNegativeInt(o.show, "--show"),
    histK,
  };
}

const pct = (x: number) => (100 * x).toFixed(1);

/** K = 0, and the K > 0 at which Acc O_PT (C_Te = 0) is highest (the smallest such K). */
function defaultHistKs(curve: PruneCurve): number[] {
  const pruned = curve.points.filter((p) => p.k > 0);
  if (pruned.length === 0) return [curve.points[0]!.k];
  const best = pruned.reduce((a, b) => (b.acc.ptC0 > a.acc.ptC0 ? b : a));
  return [...new Set([curve.points[0]!.k, best.k])];
}

export interface PruneReport {
  readonly curve: PruneCurve;
  readonly lab: LabTask;
  readonly eligible: number;
  readonly histKs: readonly number[];
}

function textReport(r: PruneReport, p: Parsed, zeroed: readonly string[]): string {
  const { curve, lab } = r;
  const g = curve.ranking.granularity;
  const data = p.pruneOn === null ? "natural" : `C = ${p.pruneOn}`;
  const out = [
    `prune ${curve.model}: ${r.eligible} ${unitName(g)}s of ${curve.ranking.params.length} tensor(s) (${curve.ranking.params.join(", ")})`,
    `ranking: grad·weight of the O_PT (${String(lab.spec.oPt)}) loss ${curve.ranking.loss.toPrecision(4)} on ${curve.ranking.samples} ${data} samples (seed ${p.seed}); scored on ${lab.source}`,
    "",
    markdownTable(
      ["K", ...ACC_HEAD],
      [...curve.points.map((pt) => [String(pt.k), ...ACC_KEYS.map((k) => pct(pt.acc[k]))]), ...lab.baselines.map((b) => [`*baseline: ${b.name}*`, ...ACC_KEYS.map((k) => pct(b.acc[k]))])],
    ),
  ];
  if (zeroed.length > 0) {
    const maxK = curve.points.at(-1)!.k;
    out.push("", `the ${zeroed.length === maxK ? maxK : `first ${zeroed.length} of ${maxK}`} ${unitName(g)}s zeroed, most salient first (saliency = grad·weight, the O_PT loss's first-order drop):`, ...zeroed);
  }
  for (const k of r.histKs) {
    const pt = curve.points.find((x) => x.k === k)!;
    for (const [set, hist] of [["C_Te = 0", pt.predicted.c0], ["C_Te = 1", pt.predicted.c1]] as const) {
      out.push("", formatHistogram(`predicted answers at K = ${k}, ${set}:`, Object.entries(hist), 30));
    }
  }
  return out.join("\n") + "\n";
}

export async function prune(modelPath: string, opts: PruneOptions): Promise<number> {
  const p = parseOptions(opts);
  checkFigureArgs(opts);
  const m = loadHookedModel(modelPath);
  const lab = labTaskFor(modelPath, m, opts);
  const names = eligibleParams(m, p.granularity, p.include, p.exclude);
  const eligible = unitCount(m, names, p.granularity);
  const maxK = p.ks.at(-1)!;
  if (maxK > eligible) throw new UsageError(`--k ${maxK}: ${m.label} has only ${eligible} eligible ${unitName(p.granularity)}s (in ${names.join(", ")})`);
  const rng = makeRng(p.seed);
  const samples = p.pruneOn === null ? makeNaturalDataset(lab.spec, p.samples, rng) : makeDataset(lab.spec, p.samples, p.pruneOn, rng);
  const ranking = await saliencyRanking(m, pruneBatch(m, samples), names, p.granularity);
  const bar = progressBar("prune", p.ks.length, 2);
  const curve = await pruneCurve(m, ranking, p.ks, lab.spec, lab.tests, (done) => bar.update(done));
  bar.finish();
  const report: PruneReport = { curve, lab, eligible, histKs: p.histK ?? defaultHistKs(curve) };
  const labels = axisLabels(m);
  const shown = ranking.units.slice(0, Math.min(maxK, p.show));
  let written: string[] = [];
  if (opts.output !== undefined || opts.save !== undefined) {
    const { pruneClassesFigure, pruneCurveFigure } = await import("../../../runtime/instruments/pruneFigures.js");
    const figures = [
      { figure: pruneCurveFigure(curve, lab.baselines, lab.source), suffix: "curve" },
      { figure: pruneClassesFigure(curve, report.histKs), suffix: "classes" },
    ];
    written = await writeFigures(figures, opts);
  }
  if (opts.json) {
    const json = {
      model: curve.model,
      granularity: p.granularity,
      params: names,
      eligible,
      loss: ranking.loss,
      samples: ranking.samples,
      pruneOn: p.pruneOn ?? "natural",
      seed: p.seed,
      tests: lab.source,
      points: curve.points.map((pt) => ({ k: pt.k, acc: pt.acc, predicted: pt.predicted })),
      baselines: lab.baselines,
      zeroed: ranking.units.slice(0, maxK).map((u) => ({ ...u, name: describeUnit(labels, m, u, p.granularity) })),
    };
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
    if (written.length > 0) process.stderr.write(written.join("\n") + "\n");
    return 0;
  }
  const width = String(shown.length).length;
  const zeroed = shown.map((u, i) => {
    const detail = u.weight === undefined ? "" : `  (w ${u.weight.toPrecision(3)}, ∂L/∂w ${u.grad!.toPrecision(3)})`;
    return `  ${String(i + 1).padStart(width)}. ${describeUnit(labels, m, u, p.granularity)}  saliency ${u.score.toPrecision(3)}${detail}`;
  });
  process.stdout.write(textReport(report, p, zeroed) + (written.length > 0 ? `\n${written.join("\n")}\n` : ""));
  return 0;
}
