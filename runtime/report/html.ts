// `raspc report RUN_DIR`: one self-contained HTML page for a run, a sweep, or a folder of
// instruments' figures. The page holds the learning curves (drawn here from metrics.jsonl, with the
// sweep's trivial baselines as dashed rules where the sweep's config is at hand), the lab's tables
// (sweep.md, baseline rows kept and marked), what each run computes (confusion.md), and every figure
// the instruments saved under figures/, each with its title, caption and table. Charts are inline
// SVG drawn by Vega (render.ts); CSS is inline; there is no script and nothing is fetched, so the
// file can be mailed, archived or opened offline. Several SVGs share one document, so each chart's
// element ids (Vega's clip paths and gradients) get a prefix of their own.
import * as path from "node:path";
import { RASPC_VERSION } from "../../compiler/version.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { Baseline as LabBaseline } from "../experiment/baselines.js";
import type { PretrainRecord } from "../pretrain/run.js";
import type { AccuracyKey, MetricsRecord } from "../train/loop.js";
import { lineChart, type Baseline, type LinePanel, type LineSeries } from "./charts.js";
import type { Figure } from "./figure.js";
import { escapeHtml, htmlTable, inlineMarkdown, markdownToHtml } from "./markdown.js";
import { renderSvg } from "./render.js";
import { readReportSource, type ReportSource, type RunData, type SweepData } from "./runData.js";

export interface BuiltReport {
  readonly html: string;
  /** Charts drawn from the runs' metrics, and figures read from figures/ folders. */
  readonly charts: number;
  readonly figures: number;
}

export type ReportProgress = (done: number, total: number) => void;

const ACC_KEYS: readonly AccuracyKey[] = ["ptC0", "ftC0", "ptC1", "ftC1"];
const ACC_NAMES: Record<AccuracyKey, string> = { ptC0: "Acc O_PT, C_Te = 0", ftC0: "Acc O_FT, C_Te = 0", ptC1: "Acc O_PT, C_Te = 1", ftC1: "Acc O_FT, C_Te = 1" };
/** O_PT blue, O_FT orange; dark without the spurious correlation (C_Te = 0), light with it. */
const ACC_COLORS = ["#1f5fa8", "#d9480f", "#7fb2e5", "#f5a76c"];
const PROTOCOL_ORDER = ["FT", "reFT", "randFT", "ScrFT"];

/** A chart on the page: a figure plus where it came from (for error messages and anchors). */
interface PageChart {
  readonly anchor: string;
  readonly figure: Figure;
  /** The figure file it was read from; null for charts drawn from metrics. */
  readonly file: string | null;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const round1 = (x: number) => Math.round(10 * x) / 10;
const num = (x: unknown, digits = 3) => (typeof x === "number" && Number.isFinite(x) ? Number(x.toPrecision(digits)).toString() : "–");
const anchorOf = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_");

/** A run's settings from its config.json, as the sweep's tables name them. */
function runFacts(run: RunData): { cell: string; protocol: string; seed: string; detail: string } {
  const r = (run.config?.run ?? null) as Record<string, unknown> | null;
  const cell = typeof r?.cell === "string" ? r.cell : run.id.replace(/-s\d+$/, "");
  const protocol = typeof r?.protocol === "string" ? r.protocol : cell.split("-")[0]!;
  const seed = r?.seed !== undefined ? String(r.seed) : (/-s(\d+)$/.exec(run.id)?.[1] ?? "?");
  const parts: string[] = [];
  if (r) {
    parts.push(`protocol ${protocol}`);
    if (typeof r.learningRate === "number") parts.push(`η = ${r.learningRate}`);
    if (typeof r.cTrain === "number") parts.push(`C_Tr = ${r.cTrain}`);
    if (typeof r.iterations === "number") parts.push(`${r.iterations} iterations`);
    parts.push(`seed ${seed}`);
  }
  const task = (run.config?.task ?? null) as Record<string, unknown> | null;
  if (task && typeof task.task === "string") parts.push(`task ${task.task}, O_PT = ${String(task.oPt)}, O_FT = ${String(task.oFt)}`);
  return { cell, protocol, seed, detail: parts.join(", ") };
}

function status(run: RunData): string {
  const s = run.summary as { status?: unknown; steps?: unknown } | null;
  if (s && typeof s.status === "string") return `${s.status}${typeof s.steps === "number" ? ` at step ${s.steps}` : ""}`;
  const last = run.records[run.records.length - 1];
  return last ? `not finished (last record: step ${last.step})` : "not finished (no record yet)";
}

/** Per accuracy, the best constant answer and the best trivial function of the sweep (one rule where they agree). */
function accuracyBaselines(lab: readonly LabBaseline[] | null, key: AccuracyKey): Baseline[] {
  if (lab === null || lab.length === 0) return [];
  const best = (rows: readonly LabBaseline[]) => rows.reduce((a, b) => (b.acc[key] > a.acc[key] ? b : a));
  const constants = lab.filter((b) => b.name.startsWith("always "));
  const top = best(lab);
  const out: Baseline[] = [];
  if (constants.length > 0) {
    const c = best(constants);
    out.push({ name: `best constant (${c.name})`, y: 100 * c.acc[key] });
    if (top.acc[key] > c.acc[key]) out.push({ name: `best trivial (${top.name})`, y: 100 * top.acc[key] });
  } else out.push({ name: `best trivial (${top.name})`, y: 100 * top.acc[key] });
  return out;
}

function finetuneCurves(run: RunData & { kind: "finetune" }, lab: readonly LabBaseline[] | null): PageChart[] {
  const final = run.records[run.records.length - 1];
  const panels: LinePanel[] = ACC_KEYS.map((k) => ({
    name: ACC_NAMES[k],
    series: [{ name: run.id, points: run.records.map((r) => ({ x: r.step, y: 100 * r.acc[k] })) }],
    baselines: accuracyBaselines(lab, k),
  }));
  const finals = final ? ACC_KEYS.map((k) => `${ACC_NAMES[k]} ${pct(final.acc[k])}`).join("; ") : "no record yet";
  const baseNote =
    lab === null
      ? "No baselines: the run is not inside a sweep folder whose experiment.json could be read."
      : "Dashed: the sweep's best constant answer and best trivial function for each accuracy, scored on the same test sets; the table has every trivial baseline.";
  const acc: Figure = {
    id: "curves-accuracy",
    title: "Accuracy during training",
    caption: `Held-out accuracy at each evaluation (step ${run.records[0]?.step ?? 0} to ${final?.step ?? 0}). At the last record: ${finals}. ${baseNote}`,
    spec: lineChart({ title: "", xLabel: "step", yLabel: "accuracy (%)", yDomain: [0, 100], facet: { panels, columns: 2 } }),
    table: {
      header: ["", ...ACC_KEYS.map((k) => `${ACC_NAMES[k]} (%)`)],
      rows: [
        ...(final ? [[`${run.id}, step ${final.step}`, ...ACC_KEYS.map((k) => round1(100 * final.acc[k]))]] : []),
        ...(lab ?? []).map((b) => [`*baseline: ${b.name}*`, ...ACC_KEYS.map((k) => round1(100 * b.acc[k]))]),
      ],
    },
  };
  const losses = run.records.filter((r) => r.loss !== null);
  const loss: Figure = {
    id: "curves-loss",
    title: "Training loss",
    caption: `Mean training cross-entropy since the previous record (log scale). ${losses.length > 0 ? `First ${num(losses[0]!.loss)}, last ${num(losses[losses.length - 1]!.loss)}.` : "No training step recorded yet."}`,
    spec: lineChart({ title: "", xLabel: "step", yLabel: "loss", logY: true, series: [{ name: "training loss", points: losses.map((r) => ({ x: r.step, y: r.loss! })) }] }),
  };
  return [acc, loss].map((figure) => ({ anchor: figure.id, figure, file: null }));
}

function pretrainCurves(run: RunData & { kind: "pretrain" }): PageChart[] {
  const rs = run.records;
  const final: PretrainRecord | undefined = rs[rs.length - 1];
  const loss: Figure = {
    id: "curves-loss",
    title: "Loss",
    caption: `Training loss (mean since the previous record) and held-out next-token loss, log scale. ${final ? `Last record (step ${final.step}): training ${num(final.loss)}, held-out ${num(final.evalLoss)}.` : ""}`,
    spec: lineChart({
      title: "",
      xLabel: "step",
      yLabel: "loss",
      logY: true,
      series: [
        { name: "training", points: rs.filter((r) => r.loss !== null).map((r) => ({ x: r.step, y: r.loss! })) },
        { name: "held-out", points: rs.filter((r) => r.evalLoss !== null).map((r) => ({ x: r.step, y: r.evalLoss })) },
      ],
    }),
  };
  const acc: Figure = {
    id: "curves-accuracy",
    title: "Held-out accuracy",
    caption: `Teacher-forced argmax accuracy on the determined tokens, per token and per whole answer. ${final ? `Last record: token ${pct(final.tokenAcc)}, answer ${pct(final.seqAcc)}.` : ""}`,
    spec: lineChart({
      title: "",
      xLabel: "step",
      yLabel: "accuracy (%)",
      yDomain: [0, 100],
      series: [
        { name: "token", points: rs.map((r) => ({ x: r.step, y: 100 * r.tokenAcc })) },
        { name: "whole answer", points: rs.map((r) => ({ x: r.step, y: 100 * r.seqAcc })) },
      ],
    }),
  };
  return [loss, acc].map((figure) => ({ anchor: figure.id, figure, file: null }));
}

/** A sweep's curves: per protocol, one small multiple per cell, each seed a thin line of its metric's colour. */
function sweepCurves(sweep: SweepData): PageChart[] {
  const finetune = sweep.runs.filter((r): r is RunData & { kind: "finetune" } => r.kind === "finetune");
  const byProtocol = new Map<string, Map<string, (RunData & { kind: "finetune" })[]>>();
  for (const run of finetune) {
    const { protocol, cell } = runFacts(run);
    const cells = byProtocol.get(protocol) ?? new Map<string, (RunData & { kind: "finetune" })[]>();
    cells.set(cell, [...(cells.get(cell) ?? []), run]);
    byProtocol.set(protocol, cells);
  }
  const protocols = [...byProtocol.keys()].sort((a, b) => (PROTOCOL_ORDER.indexOf(a) + 1 || 99) - (PROTOCOL_ORDER.indexOf(b) + 1 || 99));
  const charts: PageChart[] = [];
  for (const protocol of protocols) {
    const cells = [...byProtocol.get(protocol)!];
    const accPanels: LinePanel[] = cells.map(([cell, runs]) => ({
      name: cell,
      series: runs.flatMap((run) => ACC_KEYS.map((k): LineSeries => ({ name: `${run.id} ${k}`, key: ACC_NAMES[k], points: run.records.map((r) => ({ x: r.step, y: 100 * r.acc[k] })) }))),
    }));
    const lossPanels: LinePanel[] = cells.map(([cell, runs]) => ({
      name: cell,
      series: runs.map((run) => ({ name: run.id, key: `seed ${runFacts(run).seed}`, points: run.records.filter((r) => r.loss !== null).map((r) => ({ x: r.step, y: r.loss! })) })),
    }));
    const runCount = cells.reduce((n, [, runs]) => n + runs.length, 0);
    const acc: Figure = {
      id: `curves-${protocol}-accuracy`,
      title: `${protocol}: accuracy during training`,
      caption: `${cells.length} cell(s), ${runCount} run(s); one line per seed, coloured by accuracy. The tables above give the final numbers beside the trivial baselines.`,
      spec: lineChart({ title: "", xLabel: "step", yLabel: "accuracy (%)", yDomain: [0, 100], points: false, colors: ACC_COLORS, facet: { panels: accPanels, columns: 4 }, width: 200, height: 120 }),
    };
    const loss: Figure = {
      id: `curves-${protocol}-loss`,
      title: `${protocol}: training loss`,
      caption: `Mean training cross-entropy between records, log scale, one line per seed.`,
      spec: lineChart({ title: "", xLabel: "step", yLabel: "loss", logY: true, points: false, facet: { panels: lossPanels, columns: 4 }, width: 200, height: 120 }),
    };
    charts.push(...[acc, loss].map((figure) => ({ anchor: figure.id, figure, file: null })));
  }
  const pretrain = sweep.runs.filter((r): r is RunData & { kind: "pretrain" } => r.kind === "pretrain");
  for (const run of pretrain) charts.push(...pretrainCurves(run).map((c) => ({ ...c, anchor: `${anchorOf(run.id)}-${c.anchor}` })));
  return charts;
}

function figureCharts(figures: readonly Figure[], dir: string, prefix: string): PageChart[] {
  return figures.map((figure) => ({ anchor: `${prefix}${anchorOf(figure.id)}`, figure, file: path.join(dir, "figures", `${figure.id}.json`) }));
}

/** Vega's SVG with its ids (clip paths, gradients) made unique in the page and an accessible name. */
export function embedSvg(svg: string, prefix: string, label: string): string {
  const ids = new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!));
  let out = svg.replace(/^<\?xml[^>]*>\s*/, "");
  for (const id of ids) {
    const safe = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out
      .replace(new RegExp(`(\\sid=")${safe}"`, "g"), `$1${prefix}${id}"`)
      .replace(new RegExp(`url\\(#${safe}\\)`, "g"), `url(#${prefix}${id})`)
      .replace(new RegExp(`(href=")#${safe}"`, "g"), `$1#${prefix}${id}"`);
  }
  return out.replace(/^<svg\b/, `<svg role="img" aria-label="${escapeHtml(label)}"`);
}

async function chartHtml(chart: PageChart, index: number): Promise<string> {
  let svg: string;
  try {
    svg = await renderSvg(chart.figure.spec);
  } catch (err) {
    if (err instanceof UsageError && chart.file !== null) throw new UsageError(`${chart.file}: ${err.message}`);
    throw err;
  }
  const f = chart.figure;
  return [
    `<figure class="chart" id="${escapeHtml(chart.anchor)}" data-figure="${escapeHtml(f.id)}">`,
    f.title === "" ? "" : `<h3>${inlineMarkdown(f.title)}</h3>`,
    `<div class="svg">${embedSvg(svg, `c${index}-`, f.title || f.id)}</div>`,
    f.caption === "" ? "" : `<figcaption>${inlineMarkdown(f.caption)}</figcaption>`,
    f.table ? htmlTable(f.table.header, f.table.rows) : "",
    `</figure>`,
  ]
    .filter((s) => s !== "")
    .join("\n");
}

function summaryTable(run: RunData): string {
  const s = run.summary as Record<string, unknown> | null;
  const rows: [string, string][] = [["status", status(run)]];
  if (run.kind === "finetune") {
    const first = run.records[0];
    const last = run.records[run.records.length - 1];
    for (const k of ACC_KEYS) rows.push([ACC_NAMES[k], `${first ? pct(first.acc[k]) : "–"} → ${last ? pct(last.acc[k]) : "–"}`]);
    const target = (run.config?.run as { target?: unknown } | undefined)?.target;
    if (s && typeof target === "string" && target in ACC_NAMES) {
      rows.push([`${ACC_NAMES[target as AccuracyKey]} reaches 90% / 100% (and stays)`, `${String(s.heldFrom90 ?? "never")} / ${String(s.heldFrom100 ?? "never")}`]);
    }
    if (s) {
      const g = s.grad as MetricsRecord["grad"];
      if (g) rows.push(["gradient norm before clipping", `mean ${num(g.meanNorm)}, max ${num(g.maxNorm)}, clipped ${g.clippedFraction === null ? "–" : pct(g.clippedFraction)}`]);
    }
  } else {
    const last = run.records[run.records.length - 1];
    if (last) rows.push(["held-out loss", num(last.evalLoss)], ["token accuracy", pct(last.tokenAcc)], ["answer accuracy", pct(last.seqAcc)]);
  }
  if (s && typeof s.stepsPerSecond === "number") rows.push(["steps per second", num(s.stepsPerSecond)]);
  if (s && typeof s.message === "string") rows.push(["message", s.message]);
  rows.push(["checkpoint", run.hasCheckpoint ? "checkpoint.json" : "none"]);
  if (run.partialLine) rows.push(["note", "the last line of metrics.jsonl was still being written and is left out"]);
  return `<div class="table-wrap"><table class="facts"><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</tbody></table></div>`;
}

function sweepRunsTable(sweep: SweepData): string {
  const header = ["run", "status", ...ACC_KEYS.map((k) => ACC_NAMES[k])];
  const rows = sweep.runs.map((run) => {
    const last = run.kind === "finetune" ? run.records[run.records.length - 1] : undefined;
    const accs = ACC_KEYS.map((k) => `<td class="num">${last ? pct(last.acc[k]) : "–"}</td>`).join("");
    return `<tr><td><a href="#run-${escapeHtml(anchorOf(run.id))}">${escapeHtml(run.id)}</a></td><td>${escapeHtml(status(run))}</td>${accs}</tr>`;
  });
  for (const id of sweep.notStarted) rows.push(`<tr><td>${escapeHtml(id)}</td><td>not started</td>${ACC_KEYS.map(() => "<td></td>").join("")}</tr>`);
  return `<div class="table-wrap"><table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>${rows.join("\n")}</tbody></table></div>`;
}

const CSS = `
:root { --ink: #1d1d1f; --muted: #5b5b66; --rule: #d9d9e0; --accent: #2b5d9b; --baseline: #f4f1e6; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Verdana, sans-serif; color: var(--ink); margin: 0; padding: 1.5rem 2rem 4rem; line-height: 1.45; font-size: 14px; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; }
h2 { font-size: 1.2rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.02rem; margin: 1.2rem 0 .4rem; }
h4, h5, h6 { font-size: .95rem; margin: 1rem 0 .3rem; }
p { margin: .4rem 0; max-width: 75rem; }
.meta { color: var(--muted); }
nav { margin: .8rem 0 0; display: flex; flex-wrap: wrap; gap: .3rem 1rem; }
nav a, a { color: var(--accent); text-decoration: none; }
figure.chart { margin: 1rem 0 1.6rem; padding: .6rem .8rem; border: 1px solid var(--rule); border-radius: 6px; background: #fff; display: inline-block; max-width: 100%; vertical-align: top; }
figure.chart h3 { margin-top: .2rem; }
figure.chart .svg svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .9rem; margin-top: .4rem; max-width: 60rem; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .85rem; }
th, td { border: 1px solid var(--rule); padding: .2rem .45rem; text-align: left; vertical-align: top; }
thead th { background: #f3f4f7; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.baseline td { background: var(--baseline); color: #4a4536; }
table.facts th { background: #f7f7fa; font-weight: normal; color: var(--muted); }
details { margin: .4rem 0; border: 1px solid var(--rule); border-radius: 6px; padding: .3rem .8rem; }
details > summary { cursor: pointer; font-weight: bold; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: .9em; background: #f3f4f7; padding: 0 .2em; border-radius: 3px; }
.note { color: var(--muted); font-style: italic; }
`;

interface Section {
  readonly id: string;
  readonly title: string;
  /** HTML with chart placeholders `<!--chart:N-->` filled once the charts are drawn. */
  readonly body: string;
}

/** Collects the page's charts in order and leaves a placeholder for each. */
class ChartList {
  readonly charts: PageChart[] = [];
  add(charts: readonly PageChart[]): string {
    return charts.map((c) => `<!--chart:${this.charts.push(c) - 1}-->`).join("\n");
  }
}

function figuresSection(list: ChartList, figures: readonly Figure[], dir: string, prefix: string): string {
  return list.add(figureCharts(figures, dir, prefix));
}

function plan(source: ReportSource, list: ChartList): { title: string; meta: string; sections: Section[] } {
  const name = path.basename(path.resolve(source.dir));
  const sections: Section[] = [];
  if (source.kind === "figures") {
    sections.push({ id: "figures", title: "Figures", body: figuresSection(list, source.figures, source.dir, "figure-") });
    return { title: name, meta: `${source.figures.length} figure(s) from figures/`, sections };
  }
  if (source.kind === "run") {
    const run = source.run;
    const curves = run.kind === "finetune" ? finetuneCurves(run, source.baselines) : pretrainCurves(run);
    sections.push({ id: "curves", title: "Learning curves", body: list.add(curves) });
    sections.push({ id: "summary", title: "Summary", body: summaryTable(run) });
    if (run.kind === "finetune") {
      sections.push({ id: "confusion", title: "What the model computes", body: run.confusion === null ? `<p class="note">No confusion.md yet (it is written when the run finishes).</p>` : markdownToHtml(run.confusion, 2) });
    }
    if (source.figures.length > 0) sections.push({ id: "figures", title: "Figures", body: figuresSection(list, source.figures, source.dir, "figure-") });
    const facts = run.kind === "finetune" ? runFacts(run).detail : "a gpt pretraining run (raspc train)";
    return { title: run.id, meta: `${run.kind === "finetune" ? "Fine-tuning run" : "Pretraining run"}: ${facts}. Status: ${status(run)}. ${run.records.length} metrics record(s).`, sections };
  }
  const sweep = source.sweep;
  sections.push({
    id: "tables",
    title: "The lab's tables",
    body: sweep.markdown === null ? `<p class="note">No sweep.md yet: the sweep writes its tables as runs finish.</p>` : markdownToHtml(sweep.markdown, 2),
  });
  const curves = sweepCurves(sweep);
  if (curves.length > 0) sections.push({ id: "curves", title: "Learning curves", body: list.add(curves) });
  sections.push({ id: "runs", title: "Runs", body: sweepRunsTable(sweep) });
  const details = sweep.runs
    .map((run) => {
      const parts = [`<p class="meta">${escapeHtml(runFacts(run).detail)}. Status: ${escapeHtml(status(run))}.</p>`];
      if (run.kind === "finetune" && run.confusion !== null) parts.push(markdownToHtml(run.confusion, 3));
      if (run.figures.length > 0) parts.push(figuresSection(list, run.figures, run.dir, `run-${anchorOf(run.id)}-`));
      // A run with figures is open: an instrument's picture is what the reader came for.
      return `<details id="run-${escapeHtml(anchorOf(run.id))}"${run.figures.length > 0 ? " open" : ""}><summary>${escapeHtml(run.id)}${run.figures.length > 0 ? ` (${run.figures.length} figure(s))` : ""}</summary>\n${parts.join("\n")}\n</details>`;
    })
    .join("\n");
  if (details !== "") sections.push({ id: "per-run", title: "Each run: what it computes and its figures", body: details });
  if (source.figures.length > 0) sections.push({ id: "figures", title: "Figures", body: figuresSection(list, source.figures, source.dir, "figure-") });
  const done = sweep.runs.filter((r) => r.summary !== null).length;
  const meta = `Fine-tuning sweep: ${sweep.runs.length + sweep.notStarted.length} run folder(s), ${done} finished, ${sweep.runs.length - done} unfinished, ${sweep.notStarted.length} not started.${source.baselines === null ? "" : ` Trivial baselines on the sweep's test sets: ${source.baselines.map((b) => b.name).join(", ")}.`}`;
  return { title: sweep.name, meta, sections };
}

/** The report page for `dir` (a run, a sweep, or a folder of figures). Reads only; writes nothing. */
export async function buildReport(dir: string, onProgress?: ReportProgress): Promise<BuiltReport> {
  const source = readReportSource(dir);
  const list = new ChartList();
  const { title, meta, sections } = plan(source, list);
  const drawn: string[] = [];
  for (let i = 0; i < list.charts.length; i++) {
    drawn.push(await chartHtml(list.charts[i]!, i));
    onProgress?.(i + 1, list.charts.length);
  }
  const nav = sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join("\n");
  const body = sections.map((s) => `<section id="${s.id}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.body.replace(/<!--chart:(\d+)-->/g, (_, n: string) => drawn[Number(n)]!)}\n</section>`).join("\n");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="raspc ${escapeHtml(RASPC_VERSION)}">
<title>${escapeHtml(`raspc report: ${title}`)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(meta)}</p>
<nav>
${nav}
</nav>
</header>
${body}
</body>
</html>
`;
  const figureCount = list.charts.filter((c) => c.file !== null).length;
  return { html, charts: list.charts.length - figureCount, figures: figureCount };
}
