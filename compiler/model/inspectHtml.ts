// `raspc inspect --html`: one self-contained HTML page (no network: CSS, script and SVG inline)
// with a heatmap of every weight matrix of a compiled model. Rows and columns are labelled by
// residual direction names (or tokens, positions, hidden units, output values); rows and columns
// that are all zero are left out, so the pictures show what the weights actually connect. The
// colour scale diverges around zero (blue negative, red positive) with a square-root ramp so small
// weights stay visible beside large ones; hovering a cell shows its exact value.
import { formatAtom } from "../rasp/values.js";
import { blockRows, dimRanges, residualGroups } from "./describe.js";
import { formatCount, modelStats } from "./stats.js";
import type { CompiledModel, Matrix } from "./types.js";

export interface Heatmap {
  readonly title: string;
  readonly subtitle: string;
  readonly rowAxis: string;
  readonly colAxis: string;
  readonly rowLabels: readonly string[];
  readonly colLabels: readonly string[];
  readonly values: readonly (readonly number[])[];
}

const EPS = 1e-12;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A × Bᵀ-free product: a (n×k) · b (k×m). */
function product(a: Matrix, b: Matrix): number[][] {
  const m = b[0]?.length ?? 0;
  return a.map((row) => {
    const out = new Array<number>(m).fill(0);
    row.forEach((x, k) => {
      if (Math.abs(x) < EPS) return;
      const bk = b[k]!;
      for (let j = 0; j < m; j++) out[j]! += x * bk[j]!;
    });
    return out;
  });
}

function transpose(a: Matrix): number[][] {
  const cols = a[0]?.length ?? 0;
  return Array.from({ length: cols }, (_, j) => a.map((row) => row[j]!));
}

/** The heatmap restricted to rows and columns with a nonzero entry; null if all zero. */
export function restrict(title: string, subtitle: string, rowAxis: string, colAxis: string, values: Matrix, rowLabels: readonly string[], colLabels: readonly string[]): Heatmap | null {
  const rows: number[] = [];
  const colSet = new Set<number>();
  values.forEach((row, i) => {
    let any = false;
    row.forEach((v, j) => {
      if (Math.abs(v) > EPS) {
        any = true;
        colSet.add(j);
      }
    });
    if (any) rows.push(i);
  });
  if (rows.length === 0) return null;
  const cols = [...colSet].sort((a, b) => a - b);
  return {
    title,
    subtitle,
    rowAxis,
    colAxis,
    rowLabels: rows.map((i) => rowLabels[i]!),
    colLabels: cols.map((j) => colLabels[j]!),
    values: rows.map((i) => cols.map((j) => values[i]![j]!)),
  };
}

function hiddenLabels(model: CompiledModel, layer: number): string[] {
  const mlp = model.layers[layer]!.mlp!;
  const labels = Array.from({ length: mlp.b1.length }, (_, u) => `unit ${u}`);
  for (const p of mlp.parts) for (let u = p.hiddenStart; u < p.hiddenEnd; u++) labels[u] = `${p.label} #${u - p.hiddenStart}`;
  return labels;
}

/** Every weight matrix of the model as a heatmap, in forward order. */
/** `onLayer` is called after each layer's products are formed (d_model² per head: the slow part). */
export function modelHeatmaps(model: CompiledModel, onLayer?: (done: number, total: number) => void): { section: string; maps: Heatmap[] }[] {
  const dirs = model.residual;
  const tokens = [...model.vocab.map(formatAtom), `${model.bos} (BOS)`, "PAD"];
  const positions = model.positionEmbedding.map((_, p) => (p === 0 ? "0 (BOS)" : String(p)));
  const outCols = model.output.encoding === "numerical" ? [model.output.sop] : model.output.values.map((v) => `${model.output.sop}:${formatAtom(v)}`);
  const sections: { section: string; maps: Heatmap[] }[] = [];
  const keep = (xs: (Heatmap | null)[]): Heatmap[] => xs.filter((x): x is Heatmap => x !== null);

  sections.push({
    section: "Embeddings",
    maps: keep([
      restrict("Token embedding", "token → residual direction", "token", "residual direction", model.tokenEmbedding, tokens, dirs),
      restrict("Position embedding", "position → residual direction", "position", "residual direction", model.positionEmbedding, positions, dirs),
    ]),
  });
  model.layers.forEach((layer, l) => {
    const maps: (Heatmap | null)[] = [];
    layer.attention.forEach((h, i) => {
      const qk = product(h.wq, transpose(h.wk));
      const ov = product(h.wv, h.wo);
      maps.push(restrict(`Layer ${l} head ${i} (${h.label}): W_Q·W_Kᵀ`, "query direction × key direction: the attention score", "query direction", "key direction", qk, dirs, dirs));
      maps.push(restrict(`Layer ${l} head ${i} (${h.label}): W_V·W_O`, "what an attended key position writes: source direction → destination direction", "source direction", "destination direction", ov, dirs, dirs));
    });
    if (layer.mlp) {
      const hidden = hiddenLabels(model, l);
      const w1 = [...layer.mlp.w1, layer.mlp.b1];
      const w2 = [...layer.mlp.w2, layer.mlp.b2];
      maps.push(restrict(`Layer ${l} MLP: W1 (last row: b1)`, `residual direction → hidden unit (${layer.mlp.b1.length} units)`, "residual direction", "hidden unit", w1, [...dirs, "(bias b1)"], hidden));
      maps.push(restrict(`Layer ${l} MLP: W2 (last row: b2)`, "hidden unit → residual direction", "hidden unit", "residual direction", w2, [...hidden, "(bias b2)"], dirs));
    }
    const kept = keep(maps);
    if (kept.length > 0) sections.push({ section: `Layer ${l}`, maps: kept });
    onLayer?.(l + 1, model.layers.length);
  });
  sections.push({ section: "Unembedding", maps: keep([restrict("Unembedding", "residual direction → output column", "residual direction", "output", model.unembedding, dirs, outCols)]) });
  return sections.filter((s) => s.maps.length > 0);
}

function colour(v: number, max: number): string {
  if (Math.abs(v) <= EPS || max <= 0) return "#ffffff";
  const t = Math.sqrt(Math.min(1, Math.abs(v) / max));
  // White to #b2182b (positive) or #2166ac (negative).
  const [r, g, b] = v > 0 ? [178, 24, 43] : [33, 102, 172];
  const mix = (c: number) => Math.round(255 + (c - 255) * t);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

/** Long direction names are cut in the picture; the tooltip shows them whole. */
function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 18)}…${s.slice(-21)}` : s;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

interface Rendered {
  readonly svg: string;
  readonly data: { rows: readonly string[]; cols: readonly string[]; x0: number; y0: number; cell: number; values: readonly (readonly number[])[] };
}

/** One heatmap as SVG: cells for nonzero entries only (zero is the white background). */
export function renderHeatmap(h: Heatmap, id: number): Rendered {
  const nr = h.rowLabels.length;
  const nc = h.colLabels.length;
  const cell = Math.max(4, Math.min(18, Math.floor(720 / Math.max(nr, nc))));
  const font = Math.min(11, cell - 1);
  const showLabels = font >= 6;
  const charW = font * 0.62;
  const rowText = h.rowLabels.map(shorten);
  const colText = h.colLabels.map(shorten);
  const labelW = showLabels ? Math.ceil(Math.max(...rowText.map((s) => s.length)) * charW) + 8 : 8;
  // Column labels are rotated 55°: they rise by sin(55°) and run right by cos(55°) of their length.
  const colLen = showLabels ? Math.max(...colText.map((s) => s.length)) * charW : 0;
  const labelH = Math.ceil(colLen * 0.82) + 10;
  const x0 = labelW;
  const y0 = labelH;
  const width = x0 + nc * cell + Math.ceil(colLen * 0.58) + 10;
  const height = y0 + nr * cell + 10;
  let max = 0;
  for (const row of h.values) for (const v of row) max = Math.max(max, Math.abs(v));
  const parts: string[] = [];
  parts.push(`<svg class="hm" data-id="${id}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" xmlns="http://www.w3.org/2000/svg" font-family="ui-monospace, Menlo, Consolas, monospace" font-size="${font}">`);
  parts.push(`<rect x="${x0}" y="${y0}" width="${nc * cell}" height="${nr * cell}" fill="#ffffff" stroke="#bbbbbb" stroke-width="0.5"/>`);
  h.values.forEach((row, i) => {
    row.forEach((v, j) => {
      if (Math.abs(v) <= EPS) return;
      parts.push(`<rect x="${x0 + j * cell}" y="${y0 + i * cell}" width="${cell}" height="${cell}" fill="${colour(v, max)}"/>`);
    });
  });
  if (showLabels) {
    rowText.forEach((s, i) => {
      parts.push(`<text x="${x0 - 4}" y="${y0 + i * cell + cell / 2}" text-anchor="end" dominant-baseline="central">${esc(s)}</text>`);
    });
    colText.forEach((s, j) => {
      const x = x0 + j * cell + cell / 2;
      parts.push(`<text transform="translate(${x},${y0 - 4}) rotate(-55)" dominant-baseline="central">${esc(s)}</text>`);
    });
  }
  parts.push("</svg>");
  return { svg: parts.join(""), data: { rows: h.rowLabels, cols: h.colLabels, x0, y0, cell, values: h.values } };
}

const STYLE = `
body { font-family: system-ui, -apple-system, Segoe UI, sans-serif; margin: 24px; color: #222; }
h1 { font-size: 20px; } h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #ddd; } h3 { font-size: 14px; margin: 18px 0 2px; }
table { border-collapse: collapse; font-size: 13px; } td, th { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
th { border-bottom: 1px solid #ccc; } code, .mono { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.sub { color: #666; font-size: 12px; margin: 0 0 6px; } .map { margin: 8px 0 20px; overflow-x: auto; }
.legend { display: inline-block; width: 160px; height: 10px; vertical-align: middle; border: 1px solid #ccc;
  background: linear-gradient(to right, rgb(33,102,172), #fff, rgb(178,24,43)); }
#tip { position: fixed; pointer-events: none; background: #222; color: #fff; padding: 4px 7px; border-radius: 3px;
  font: 12px ui-monospace, Menlo, Consolas, monospace; display: none; white-space: pre; z-index: 10; }
`;

const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById("hm-data").textContent);
  var tip = document.getElementById("tip");
  document.querySelectorAll("svg.hm").forEach(function (svg) {
    var d = data[svg.getAttribute("data-id")];
    svg.addEventListener("mousemove", function (e) {
      var r = svg.getBoundingClientRect();
      var sx = svg.viewBox.baseVal.width / r.width, sy = svg.viewBox.baseVal.height / r.height;
      var j = Math.floor(((e.clientX - r.left) * sx - d.x0) / d.cell), i = Math.floor(((e.clientY - r.top) * sy - d.y0) / d.cell);
      if (i < 0 || j < 0 || i >= d.rows.length || j >= d.cols.length) { tip.style.display = "none"; return; }
      tip.textContent = d.rows[i] + "  \\u2192  " + d.cols[j] + "\\n" + d.values[i][j];
      tip.style.left = (e.clientX + 14) + "px"; tip.style.top = (e.clientY + 14) + "px"; tip.style.display = "block";
    });
    svg.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  });
})();
`;

/** The whole page. */
/** `onProgress` follows the two slow steps: the layers' weight products, then drawing each heatmap. */
export function inspectHtml(model: CompiledModel, onProgress?: (step: "layers" | "heatmaps", done: number, total: number) => void): string {
  const s = modelStats(model);
  const sections = modelHeatmaps(model, onProgress && ((done, total) => onProgress("layers", done, total)));
  const maps = sections.reduce((a, sec) => a + sec.maps.length, 0);
  const data: Rendered["data"][] = [];
  const body: string[] = [];
  body.push(`<h1>raspc model: ${esc(model.source.file)} <span class="sub">(s-op ${esc(model.source.sop)})</span></h1>`);
  body.push(
    `<p class="mono">vocab ${esc(JSON.stringify(model.vocab))}, max length ${model.maxLen}, BOS ${esc(JSON.stringify(model.bos))}<br>` +
      `layers ${s.layers}, heads ${s.heads} (per layer: ${s.headsPerLayer.join(", ") || "none"}), d_model ${s.dModel}, MLP hidden widths ${s.mlpHidden.join(", ") || "none"}<br>` +
      `parameters ${formatCount(s.params)} (embeddings ${formatCount(s.paramsBy.embedding)}, attention ${formatCount(s.paramsBy.attention)}, MLPs ${formatCount(s.paramsBy.mlp)}, unembedding ${formatCount(s.paramsBy.unembedding)})<br>` +
      `output: ${esc(model.output.sop)} (${model.output.encoding}${model.output.encoding === "categorical" ? `, None below logit ${model.output.noneThreshold}` : ""})</p>`,
  );
  body.push("<h2>Layer plan</h2><table><tr><th>layer</th><th>block</th><th>computes</th><th>detail</th></tr>");
  for (const r of blockRows(model)) {
    body.push(`<tr><td>${r.layer < 0 ? "embed" : r.layer}</td><td>${esc(r.block)}</td><td class="mono">${esc(r.computes)}</td><td>${esc(r.detail)}</td></tr>`);
  }
  body.push("</table>");
  body.push(`<h2>Residual stream (${model.residual.length} directions)</h2><table><tr><th>dims</th><th>s-op</th><th>directions</th></tr>`);
  for (const g of residualGroups(model)) {
    const where = g.entry ? ` <span class="sub">(${g.entry.layer < 0 ? "embedding" : `layer ${g.entry.layer}, ${g.entry.kind}`}, ${g.entry.encoding})</span>` : "";
    body.push(`<tr><td class="mono">${dimRanges(g.dims)}</td><td class="mono">${esc(g.name)}${where}</td><td class="mono">${esc(g.labels.join(" "))}</td></tr>`);
  }
  body.push("</table>");
  body.push(`<h2>Weights</h2><p class="sub">Colour: <span class="legend"></span> negative · zero · positive, per matrix, square-root scale (max |w| given under each title). All-zero rows and columns are left out. Hover a cell for its exact value.</p>`);
  for (const sec of sections) {
    body.push(`<h2>${esc(sec.section)}</h2>`);
    for (const h of sec.maps) {
      const id = data.length;
      const r = renderHeatmap(h, id);
      data.push(r.data);
      let max = 0;
      for (const row of h.values) for (const v of row) max = Math.max(max, Math.abs(v));
      body.push(`<h3>${esc(h.title)}</h3><p class="sub">${esc(h.subtitle)}; ${h.rowLabels.length} × ${h.colLabels.length} nonzero rows × columns; max |w| = ${fmt(max)}</p><div class="map">${r.svg}</div>`);
      onProgress?.("heatmaps", data.length, maps);
    }
  }
  // JSON inside <script type="application/json">: `<` is escaped so no "</script>" can close it early.
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>raspc model: ${esc(model.source.file)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    ...body,
    '<div id="tip"></div>',
    `<script type="application/json" id="hm-data">${json}</script>`,
    `<script>${SCRIPT}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}
