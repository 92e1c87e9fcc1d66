// The chart kinds the instruments draw, as pure functions from numbers to Vega-Lite specs (data
// inline, so a spec is a complete figure): heatmaps labelled with tokens (attention patterns, MLP
// activations, patching effects, weight changes), line charts with dashed baselines (learning
// curves, pruning curves, probe accuracy per block), and bar charts (histograms of predicted
// classes). Several models or heads side by side are small multiples of one chart, on one shared
// colour scale so that equal colours mean equal numbers. Colour follows the data: signed data
// (effects, weight changes) on a diverging blue-white-red scale centred on zero, non-negative data
// (attention) on a sequential white-to-blue one.
import type { VegaLiteSpec } from "./figure.js";

export type Matrix = readonly (readonly number[])[];
/** "diverging": signed values, zero white, negative blue, positive red; "sequential": 0 white up to dark blue. */
export type ColorScheme = "sequential" | "diverging";

/** One small multiple of a heatmap: a model, a head, a layer. */
export interface HeatmapPanel {
  readonly name: string;
  readonly values: Matrix;
  /** This panel's own row or column labels, where they differ from the chart's (e.g. MLP widths per layer). */
  readonly rows?: readonly string[];
  readonly cols?: readonly string[];
}

interface HeatmapCommon {
  /** Row labels top to bottom (e.g. query tokens), column labels left to right (key tokens). Repeats are fine. */
  readonly rows: readonly string[];
  readonly cols: readonly string[];
  readonly rowLabel: string;
  readonly colLabel: string;
  readonly colorLabel: string;
  readonly title: string;
  /** Default: diverging if any value is negative, else sequential. */
  readonly scheme?: ColorScheme;
  /** The colour scale's extent (default: [0, max] sequential, [-m, m] diverging with m the largest |value|). */
  readonly domain?: readonly [number, number];
  /** Print each cell's value (for small maps); a d3 format such as ".2f" (default ".2f"). */
  readonly showValues?: boolean | string;
  /** Pixels per cell (default: 18, smaller for maps wider or taller than 36 cells). */
  readonly cellSize?: number;
}

export type HeatmapOptions = HeatmapCommon &
  (
    | { readonly values: Matrix; readonly facet?: undefined }
    | { readonly facet: { readonly panels: readonly HeatmapPanel[]; readonly columns?: number }; readonly values?: undefined }
  );

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly Point[];
  /** The legend entry and colour; series with one key (e.g. the seeds of one metric) share them. Default: name. */
  readonly key?: string;
}

/** A trivial score drawn as a dashed horizontal rule with its name. */
export interface Baseline {
  readonly name: string;
  readonly y: number;
}

export interface LinePanel {
  readonly name: string;
  readonly series: readonly LineSeries[];
  readonly baselines?: readonly Baseline[];
}

interface LineCommon {
  readonly xLabel: string;
  readonly yLabel: string;
  readonly title: string;
  /** Legend title (default: none). */
  readonly colorLabel?: string;
  /** Logarithmic x (symlog where an x is 0 or less, e.g. K = 0 of a pruning curve). */
  readonly logX?: boolean;
  readonly logY?: boolean;
  readonly yDomain?: readonly [number, number];
  /** Colours of the legend entries in order of first appearance (default: Vega's tableau10). */
  readonly colors?: readonly string[];
  /** Mark every point (default: when no series has more than 30). */
  readonly points?: boolean;
  /** x = 0, 1, ... shown by these names (probed streams: "embed", "block 0", ...) instead of numbers. */
  readonly xNames?: readonly string[];
  readonly width?: number;
  readonly height?: number;
}

export type LineChartOptions = LineCommon &
  (
    | { readonly series: readonly LineSeries[]; readonly baselines?: readonly Baseline[]; readonly facet?: undefined }
    | { readonly facet: { readonly panels: readonly LinePanel[]; readonly columns?: number }; readonly series?: undefined; readonly baselines?: undefined }
  );

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Bars of one label side by side, coloured by group (e.g. K, or a model). */
  readonly group?: string;
}

export interface BarChartOptions {
  readonly bars: readonly Bar[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly title: string;
  readonly groupLabel?: string;
  readonly baselines?: readonly Baseline[];
  /** Bars along y with labels on the left: for many or long labels (matrix names). */
  readonly horizontal?: boolean;
  readonly width?: number;
  readonly height?: number;
}

/** A spec fragment: the builders assemble plain JSON and hand it to Vega-Lite, which checks it (test/report compiles every builder's output and wants no warning). */
type Json = Record<string, unknown>;

const SCHEMA_URL = "https://vega.github.io/schema/vega-lite/v6.json";
const DEFAULT_WIDTH = 360;
const DEFAULT_HEIGHT = 220;
const NEUTRAL = "#444";

/** The spec as Vega-Lite's type: the builders' JSON is checked by Vega-Lite at compile time, not by TypeScript. */
function asSpec(json: Json): VegaLiteSpec {
  return { $schema: SCHEMA_URL, ...json } as unknown as VegaLiteSpec;
}

/** A JS string literal Vega's expression language reads back as `s`. */
function exprString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** `[labels][datum.value]`: an axis of positions 0..n-1 shown with its labels (tokens repeat; positions do not). */
function labelLookup(labels: readonly string[]): string {
  return `[${labels.map(exprString).join(",")}][datum.value]`;
}

const finite = (v: number) => Number.isFinite(v);

function checkMatrix(where: string, m: Matrix, rows: readonly string[], cols: readonly string[]): void {
  if (m.length !== rows.length) throw new Error(`${where}: ${m.length} row(s) of values but ${rows.length} row label(s)`);
  m.forEach((row, i) => {
    if (row.length !== cols.length) throw new Error(`${where}: row ${i} has ${row.length} value(s) but there are ${cols.length} column label(s)`);
  });
}

function colorScale(scheme: ColorScheme, values: readonly number[], domain: readonly [number, number] | undefined): Json {
  const seen = values.filter(finite);
  if (scheme === "diverging") {
    const m = Math.max(...seen.map(Math.abs), 0) || 1;
    return { scheme: "redblue", reverse: true, domain: domain ? [...domain] : [-m, m], domainMid: 0 };
  }
  const hi = Math.max(...seen, 0) || 1;
  return { scheme: "blues", domain: domain ? [...domain] : [Math.min(0, ...seen), hi] };
}

function heatmapPanel(o: HeatmapCommon, panel: HeatmapPanel, color: Json, cell: number, title: string | null): Json {
  const rows = panel.rows ?? o.rows;
  const cols = panel.cols ?? o.cols;
  checkMatrix(`heatmap ${JSON.stringify(title ?? o.title)}`, panel.values, rows, cols);
  const values: Json[] = [];
  panel.values.forEach((row, r) => row.forEach((v, c) => values.push({ r, c, v: finite(v) ? v : null })));
  const longest = Math.max(0, ...cols.map((s) => s.length));
  const dense = cell < 12;
  const x = {
    field: "c",
    type: "ordinal",
    title: o.colLabel,
    scale: { domain: cols.map((_, i) => i), paddingInner: 0, paddingOuter: 0 },
    axis: { labelExpr: labelLookup(cols), labelAngle: longest > 2 || dense ? -90 : 0, labelOverlap: dense, orient: "bottom", ticks: false, domain: false },
  };
  const y = {
    field: "r",
    type: "ordinal",
    title: o.rowLabel,
    scale: { domain: rows.map((_, i) => i), paddingInner: 0, paddingOuter: 0 },
    axis: { labelExpr: labelLookup(rows), labelOverlap: dense, ticks: false, domain: false },
  };
  const rect = { mark: { type: "rect", stroke: "white", strokeWidth: cell >= 8 ? 0.5 : 0 }, encoding: { x, y, color: { field: "v", type: "quantitative", title: o.colorLabel, scale: color } } };
  const spec: Json = { width: cols.length * cell, height: rows.length * cell, data: { values } };
  if (title !== null) spec.title = { text: title, fontSize: 11 };
  if (!o.showValues) return { ...spec, ...rect };
  const format = typeof o.showValues === "string" ? o.showValues : ".2f";
  const domain = color.domain as number[];
  const dark = 0.6 * Math.max(...domain.map(Math.abs));
  const text = {
    // A missing value (NaN, null) is a blank cell, not the word "null".
    transform: [{ filter: "isValid(datum.v)" }],
    mark: { type: "text", fontSize: Math.max(6, Math.min(9, cell * 0.3)) },
    encoding: {
      x: { field: "c", type: "ordinal" },
      y: { field: "r", type: "ordinal" },
      text: { field: "v", type: "quantitative", format },
      color: { condition: { test: `abs(datum.v) > ${dark}`, value: "white" }, value: "black" },
    },
  };
  return { ...spec, layer: [rect, text] };
}

/** A heatmap, or small multiples of heatmaps on one colour scale (`facet.panels`). */
export function heatmap(o: HeatmapOptions): VegaLiteSpec {
  const panels: readonly HeatmapPanel[] = o.facet ? o.facet.panels : [{ name: o.title, values: o.values }];
  if (panels.length === 0) throw new Error(`heatmap ${JSON.stringify(o.title)}: no panels`);
  const all = panels.flatMap((p) => p.values.flat());
  const scheme = o.scheme ?? (all.some((v) => v < 0) ? "diverging" : "sequential");
  const color = colorScale(scheme, all, o.domain);
  const extent = Math.max(1, ...panels.map((p) => Math.max((p.rows ?? o.rows).length, (p.cols ?? o.cols).length)));
  // Printed values need room for "-0.00" at 9 px; otherwise shrink big maps towards ~640 px.
  const cell = o.cellSize ?? (o.showValues ? 32 : Math.max(3, Math.min(18, Math.floor(640 / extent))));
  if (!o.facet) return asSpec({ title: o.title, ...heatmapPanel(o, panels[0]!, color, cell, null) });
  const columns = o.facet.columns ?? Math.min(panels.length, 4);
  return asSpec({
    title: o.title,
    columns,
    concat: panels.map((p) => heatmapPanel(o, p, color, cell, p.name)),
    resolve: { scale: { color: "shared" } },
    spacing: 16,
  });
}

function logScale(values: readonly number[]): Json {
  return values.some((v) => v <= 0) ? { type: "symlog" } : { type: "log" };
}

/** Horizontal dashed rules at the baselines' values, each named at its right end. */
function baselineLayers(): Json[] {
  const only = [{ filter: "datum.kind === 'baseline'" }];
  return [
    { transform: only, mark: { type: "rule", strokeDash: [6, 4], color: NEUTRAL, strokeWidth: 1 }, encoding: { y: { field: "y", type: "quantitative" } } },
    {
      transform: only,
      mark: { type: "text", align: "right", baseline: "bottom", dx: -3, dy: -2, fontSize: 9, color: NEUTRAL },
      encoding: { y: { field: "y", type: "quantitative" }, x: { value: "width" }, text: { field: "label" } },
    },
  ];
}

/** Baseline rows for the data: names of equal values joined, each labelled with its value. */
function baselineRows(baselines: readonly Baseline[], panel: string | null): Json[] {
  const byValue = new Map<number, string[]>();
  for (const b of baselines) {
    if (!finite(b.y)) continue;
    byValue.set(b.y, [...(byValue.get(b.y) ?? []), b.name]);
  }
  return [...byValue].map(([y, names]) => ({ kind: "baseline", panel, y, label: `${names.join(" / ")}: ${Number(y.toPrecision(4))}` }));
}

/** A line chart (learning curves, pruning curves, probes per block), with baselines as dashed rules; small multiples with `facet.panels`. */
export function lineChart(o: LineChartOptions): VegaLiteSpec {
  const panels: readonly LinePanel[] = o.facet ? o.facet.panels : [{ name: "", series: o.series, ...(o.baselines ? { baselines: o.baselines } : {}) }];
  const keys: string[] = [];
  const values: Json[] = [];
  for (const p of panels) {
    for (const s of p.series) {
      const key = s.key ?? s.name;
      if (!keys.includes(key)) keys.push(key);
      for (const pt of s.points) values.push({ kind: "line", panel: p.name, series: s.name, key, x: pt.x, y: finite(pt.y) ? pt.y : null });
    }
    values.push(...baselineRows(p.baselines ?? [], p.name));
  }
  const xs = values.filter((v) => v.kind === "line").map((v) => v.x as number);
  const ys = values.filter((v) => v.y !== null).map((v) => v.y as number);
  const points = o.points ?? panels.every((p) => p.series.every((s) => s.points.length <= 30));
  // A log axis's own ticks crowd (1 2 4 6 8 10 12 ...); few distinct x's are ticked where they are.
  const distinctX = [...new Set(xs)].sort((a, b) => a - b);
  const logAxis = distinctX.length <= 12 ? { values: distinctX, labelOverlap: true } : { labelOverlap: true };
  const named = o.xNames ? { axis: { values: o.xNames.map((_, i) => i), labelExpr: labelLookup(o.xNames), grid: true } } : {};
  const x = { field: "x", type: "quantitative", title: o.xLabel, ...(o.logX ? { scale: logScale(xs), axis: logAxis } : named) };
  const yScale: Json = { ...(o.logY ? logScale(ys) : {}), ...(o.yDomain ? { domain: [...o.yDomain] } : { zero: false }) };
  const line = {
    transform: [{ filter: "datum.kind === 'line'" }],
    mark: { type: "line", point: points ? { size: 20 } : false, strokeWidth: 1.5, clip: true },
    encoding: {
      x,
      y: { field: "y", type: "quantitative", title: o.yLabel, scale: yScale },
      color: { field: "key", type: "nominal", title: o.colorLabel ?? null, scale: { domain: keys, ...(o.colors ? { range: [...o.colors] } : {}) }, legend: keys.length > 1 ? { orient: "bottom", columns: 2 } : null },
      detail: { field: "series", type: "nominal" },
    },
  };
  const inner = { width: o.width ?? (o.facet ? 240 : DEFAULT_WIDTH), height: o.height ?? (o.facet ? 150 : DEFAULT_HEIGHT), layer: [line, ...baselineLayers()] };
  if (!o.facet) return asSpec({ title: o.title, data: { values }, ...inner });
  return asSpec({
    title: o.title,
    data: { values },
    facet: { field: "panel", type: "nominal", sort: panels.map((p) => p.name), header: { title: null, labelFontWeight: "bold", labelLimit: 300 } },
    columns: o.facet.columns ?? Math.min(panels.length, 3),
    spec: inner,
  });
}

/** A bar chart (a histogram of predicted classes, norms per matrix), grouped side by side by `group`. */
export function barChart(o: BarChartOptions): VegaLiteSpec {
  const labels = [...new Set(o.bars.map((b) => b.label))];
  const groups = [...new Set(o.bars.flatMap((b) => (b.group === undefined ? [] : [b.group])))];
  const grouped = groups.length > 0;
  const values: Json[] = [...o.bars.map((b) => ({ kind: "bar", label: b.label, group: b.group ?? "", y: finite(b.value) ? b.value : null })), ...baselineRows(o.baselines ?? [], null)];
  const band = o.horizontal ? "y" : "x";
  const measure = o.horizontal ? "x" : "y";
  const longest = Math.max(0, ...labels.map((l) => l.length));
  const bars = {
    transform: [{ filter: "datum.kind === 'bar'" }],
    mark: { type: "bar" },
    encoding: {
      [band]: { field: "label", type: "nominal", sort: labels, title: o.xLabel, axis: o.horizontal ? { labelLimit: 320 } : { labelAngle: longest > 3 ? -45 : 0 } },
      [measure]: { field: "y", type: "quantitative", title: o.yLabel },
      ...(grouped
        ? { color: { field: "group", type: "nominal", title: o.groupLabel ?? null, scale: { domain: groups }, legend: { orient: "bottom" } }, [`${band}Offset`]: { field: "group", type: "nominal", sort: groups } }
        : { color: { value: "#4c78a8" } }),
    },
  };
  // One step per bar (with groups, Vega-Lite's step is the offset band's: one bar of a group).
  const step = Math.max(8, Math.min(24, Math.floor(480 / Math.max(1, labels.length * Math.max(1, groups.length)))));
  const size = o.horizontal ? { width: o.width ?? DEFAULT_WIDTH, height: o.height ?? { step } } : { width: o.width ?? { step }, height: o.height ?? DEFAULT_HEIGHT };
  // Horizontal bars: the baseline is a vertical rule, labelled at the top.
  const rules = o.horizontal
    ? [
        { transform: [{ filter: "datum.kind === 'baseline'" }], mark: { type: "rule", strokeDash: [6, 4], color: NEUTRAL }, encoding: { x: { field: "y", type: "quantitative" } } },
        {
          transform: [{ filter: "datum.kind === 'baseline'" }],
          mark: { type: "text", align: "left", baseline: "top", dx: 3, dy: 2, fontSize: 9, color: NEUTRAL },
          encoding: { x: { field: "y", type: "quantitative" }, y: { value: 0 }, text: { field: "label" } },
        },
      ]
    : baselineLayers();
  return asSpec({ title: o.title, data: { values }, ...size, layer: [bars, ...rules] });
}
