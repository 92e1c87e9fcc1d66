// Drawing a Vega-Lite spec in Node, with no browser and no canvas: Vega-Lite compiles it to a Vega
// spec, a headless Vega View (renderer "none") lays it out and writes SVG, and resvg rasterises that
// SVG to PNG with the shipped font (fonts.ts), so the same spec gives the same PNG bytes anywhere.
// Nothing here touches the network or the disk on a spec's behalf: figures carry their data inline,
// and a spec that names a URL or file is refused before Vega could fetch it.
import * as path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import { compile, type Config } from "vega-lite";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { checkFigure, figureJson, type Figure, type VegaLiteSpec } from "./figure.js";
import { FONT_STACK, resvgFontOptions, textWidth, type TextItem } from "./fonts.js";

/** The look every chart starts from; a spec's own `config` overrides any of it. */
export const CHART_CONFIG: Config = {
  font: FONT_STACK,
  background: "white",
  padding: 8,
  view: { stroke: "#bbb" },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "bold", gridColor: "#e6e6e6" },
  legend: { labelFontSize: 10, titleFontSize: 11, labelLimit: 260 },
  header: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 13, anchor: "start", offset: 8 },
};

/** Vega's text metrics: its typings leave the object out, though Vega documents replacing `width`. */
interface VegaTextMetrics {
  width: (item: TextItem, text: unknown) => number;
}
let metricsInstalled = false;
function installTextMetrics(): void {
  if (metricsInstalled) return;
  (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics.width = textWidth;
  metricsInstalled = true;
}

/** A Vega logger that keeps what it is told, for the caller to report or drop. */
function collectingLogger(messages: { errors: string[]; warnings: string[] }): vega.LoggerInterface {
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
  return vega.logger(vega.Warn, undefined, (method, _level, args) => {
    if (method === "error") messages.errors.push(text(args));
    else if (method === "warn") messages.warnings.push(text(args));
  });
}

/** Every URL or file a compiled Vega spec would load (data sources, images), found before Vega runs. */
function externalSources(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const x of node) externalSources(x, out);
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "url" && (typeof v === "string" || (typeof v === "object" && v !== null))) out.push(typeof v === "string" ? v : JSON.stringify(v));
      else externalSources(v, out);
    }
  }
  return out;
}

/** A loader that loads nothing: a chart in a report never reaches for the network or the disk. */
const offlineLoader: vega.Loader = {
  load: (uri: string) => Promise.reject(new Error(`the chart asks to load ${JSON.stringify(uri)}; charts carry their data inline`)),
  sanitize: (uri: string) => Promise.reject(new Error(`the chart asks to load ${JSON.stringify(uri)}; charts carry their data inline`)),
  http: (uri: string) => Promise.reject(new Error(`the chart asks to fetch ${JSON.stringify(uri)}; charts carry their data inline`)),
  file: (name: string) => Promise.reject(new Error(`the chart asks to read ${JSON.stringify(name)}; charts carry their data inline`)),
};

/** Vega-Lite → Vega, with the report's look and the compiler's warnings (test/report wants none). */
export function compileSpec(spec: VegaLiteSpec): { readonly vega: vega.Spec; readonly warnings: readonly string[] } {
  const messages = { errors: [] as string[], warnings: [] as string[] };
  let compiled: vega.Spec;
  try {
    compiled = compile(spec, { config: CHART_CONFIG, logger: collectingLogger(messages) }).spec;
  } catch (err) {
    throw new UsageError(`not a Vega-Lite spec this version can draw: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
  }
  const external = externalSources(compiled);
  if (external.length > 0) throw new UsageError(`the chart loads ${JSON.stringify(external[0])}; a figure must carry its data inline (data.values)`);
  return { vega: compiled, warnings: messages.warnings };
}

/** The chart as an SVG document (text set for the shipped font's widths). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  installTextMetrics();
  const compiled = compileSpec(spec).vega;
  const messages = { errors: [] as string[], warnings: [] as string[] };
  let view: vega.View;
  try {
    view = new vega.View(vega.parse(compiled), { renderer: "none", loader: offlineLoader, logger: collectingLogger(messages), logLevel: vega.Warn });
  } catch (err) {
    throw new UsageError(`cannot draw the chart: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
  }
  try {
    const svg = await view.toSVG();
    if (messages.errors.length > 0) throw new UsageError(`cannot draw the chart: ${messages.errors[0]!.split("\n")[0]}`);
    return svg;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot draw the chart: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
  } finally {
    view.finalize();
  }
}

/** The chart as PNG bytes, `scale` device pixels per SVG pixel (2 by default: sharp on a laptop screen). */
export async function renderPng(spec: VegaLiteSpec, scale = 2): Promise<Uint8Array> {
  if (!(scale > 0 && scale <= 16)) throw new UsageError(`PNG scale must be in (0, 16], got ${scale}`);
  const svg = await renderSvg(spec);
  const png = new Resvg(svg, { font: resvgFontOptions(), fitTo: { mode: "zoom", value: scale }, background: "white", logLevel: "off" }).render().asPng();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

export const FIGURE_FORMATS = [".svg", ".png", ".json"] as const;

/** Writes `fig` to `file` atomically, as SVG, PNG or the figure's JSON by the file's extension. */
export async function writeFigureFile(file: string, fig: Figure): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  if (!(FIGURE_FORMATS as readonly string[]).includes(ext)) {
    throw new UsageError(`${file}: cannot tell the format from ${ext === "" ? "a name without an extension" : `"${ext}"`}; use ${FIGURE_FORMATS.join(", ")}`);
  }
  if (ext === ".json") {
    checkFigure(fig);
    writeFileAtomic(file, figureJson(fig));
    return;
  }
  const bytes = ext === ".svg" ? await renderSvg(fig.spec) : await renderPng(fig.spec);
  writeFileAtomic(file, bytes);
}
