// The figures of `raspc prune`: the pruning curve (Acc O_PT and Acc O_FT against K at C_Te = 0 and
// 1, as the paper's figs. 7, 57–58 and 79–89) with the lab's trivial baselines as dashed rules, and
// the histogram of predicted answers before and after pruning (fig. 59). The table of each figure
// holds every number drawn, and every baseline.
import { barChart, lineChart, type Baseline as Rule, type Bar } from "../report/charts.js";
import type { Figure } from "../report/figure.js";
import type { Baseline } from "../experiment/baselines.js";
import type { AccuracyKey } from "../train/loop.js";
import { unitName, type PruneCurve } from "./prune.js";

/** The panels in the lab's order (its tables put C_Te = 1 first; the paper's figures lead with C_Te = 0). */
const PANELS: readonly { key: AccuracyKey; name: string }[] = [
  { key: "ptC0", name: "C_Te = 0: Acc O_PT" },
  { key: "ftC0", name: "C_Te = 0: Acc O_FT" },
  { key: "ptC1", name: "C_Te = 1: Acc O_PT" },
  { key: "ftC1", name: "C_Te = 1: Acc O_FT" },
];

const pct = (x: number) => Number((100 * x).toFixed(1));

/** A figure id from free text: the characters figure ids allow, at most 160. */
export function figureId(...parts: readonly string[]): string {
  return parts.join("-").replace(/[^A-Za-z0-9._=+-]/g, "_").replace(/^[^A-Za-z0-9]+/, "").slice(0, 160);
}

/**
 * The rules of one panel: the best constant answer and the best other trivial function for that
 * accuracy (the full list is in the table); equal values share a rule.
 */
function panelRules(baselines: readonly Baseline[], key: AccuracyKey): Rule[] {
  const best = (bs: readonly Baseline[]) => bs.reduce<Baseline | null>((a, b) => (a === null || b.acc[key] > a.acc[key] ? b : a), null);
  const constant = best(baselines.filter((b) => b.name.startsWith("always ")));
  const other = best(baselines.filter((b) => !b.name.startsWith("always ")));
  return [constant, other].filter((b): b is Baseline => b !== null).map((b) => ({ name: b.name, y: pct(b.acc[key]) }));
}

export function pruneCurveFigure(curve: PruneCurve, baselines: readonly Baseline[], testSource: string): Figure {
  const g = curve.ranking.granularity;
  const first = curve.points[0]!;
  const bestPt = curve.points.reduce((a, b) => (b.acc.ptC0 > a.acc.ptC0 ? b : a));
  const caption =
    `Algorithm 3 on ${curve.model}: the ${unitName(g)}s ranked once by grad·weight of the O_PT loss (${curve.ranking.loss.toPrecision(4)} on ${curve.ranking.samples} samples), ` +
    `the top K zeroed, scored on ${testSource}. K = ${first.k}: Acc O_PT (C_Te = 0) ${pct(first.acc.ptC0)}%, Acc O_FT (C_Te = 1) ${pct(first.acc.ftC1)}%; ` +
    `highest Acc O_PT (C_Te = 0) ${pct(bestPt.acc.ptC0)}% at K = ${bestPt.k} (Acc O_FT at C_Te = 1 there: ${pct(bestPt.acc.ftC1)}%). ` +
    `Dashed: the best constant answer and the best other trivial function per panel (all of them in the table).`;
  return {
    id: figureId("prune", curve.model, g),
    title: `Pruning ${curve.model} (${unitName(g)}s)`,
    caption,
    spec: lineChart({
      title: `Pruning ${curve.model}: accuracy against ${unitName(g)}s zeroed`,
      xLabel: `K (${unitName(g)}s zeroed)`,
      yLabel: "accuracy (%)",
      logX: curve.points.at(-1)!.k > 10,
      yDomain: [0, 100],
      facet: {
        columns: 2,
        panels: PANELS.map((p) => ({ name: p.name, series: [{ name: curve.model, points: curve.points.map((pt) => ({ x: pt.k, y: pct(pt.acc[p.key]) })) }], baselines: panelRules(baselines, p.key) })),
      },
    }),
    table: {
      header: ["K", ...PANELS.map((p) => p.name)],
      rows: [...curve.points.map((pt) => [pt.k, ...PANELS.map((p) => pct(pt.acc[p.key]))]), ...baselines.map((b) => [`baseline: ${b.name}`, ...PANELS.map((p) => pct(b.acc[p.key]))])],
    },
  };
}

/** Predicted answers on both test sets at the chosen K values. */
export function pruneClassesFigure(curve: PruneCurve, ks: readonly number[]): Figure {
  const g = curve.ranking.granularity;
  const points = ks.map((k) => curve.points.find((p) => p.k === k)!).filter((p) => p !== undefined);
  const classes = [...new Set(points.flatMap((p) => [...Object.keys(p.predicted.c0), ...Object.keys(p.predicted.c1)]))];
  // Classes are counts (or ranks): order them as numbers where they are.
  classes.sort((a, b) => (Number.isNaN(Number(a)) || Number.isNaN(Number(b)) ? (a < b ? -1 : a > b ? 1 : 0) : Number(a) - Number(b)));
  const bars: Bar[] = [];
  const rows: (string | number)[][] = [];
  for (const p of points) {
    for (const [set, hist] of [["C_Te = 0", p.predicted.c0], ["C_Te = 1", p.predicted.c1]] as const) {
      const total = Object.values(hist).reduce((a, b) => a + b, 0) || 1;
      const group = `K = ${p.k}, ${set}`;
      for (const c of classes) bars.push({ label: c, value: pct((hist[c] ?? 0) / total), group });
      rows.push([group, ...classes.map((c) => hist[c] ?? 0)]);
    }
  }
  return {
    id: figureId("prune-classes", curve.model, g),
    title: `Predicted answers of ${curve.model} after pruning`,
    caption: `How often each answer is predicted on the test sets with the top K ${unitName(g)}s zeroed, K = ${points.map((p) => p.k).join(", ")} (the paper's fig. 59): a model that still predicts several classes after pruning computes something, not a constant.`,
    spec: barChart({ title: `Predicted answers of ${curve.model}`, xLabel: "predicted answer", yLabel: "share of the test set (%)", bars }),
    table: { header: ["K, test set", ...classes.map((c) => `answer ${c}`)], rows },
  };
}
