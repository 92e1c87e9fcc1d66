// The figures of `raspc attn`: attention patterns as query × key heatmaps labelled with the tokens,
// one small multiple per head and model (models side by side, heads down), on one 0..1 colour scale
// as in Jain et al. 2023 figs. 9 and 40-45; MLP activations as hidden units × positions (figs.
// 46-48), one panel per model and layer. The caller gives the caption and table: it knows the task.
import type { Figure } from "../report/figure.js";
import { heatmap } from "../report/charts.js";
import { crop, type AttentionMaps, type PositionWindow } from "./attention.js";

/** A figure id from free text: letters, digits and . _ = + - only, at most 160 characters. */
export function figureId(...parts: readonly string[]): string {
  const id = parts.join("-").replace(/[^A-Za-z0-9._=+-]+/g, "_").replace(/^[^A-Za-z0-9]+/, "");
  return (id === "" ? "figure" : id).slice(0, 160);
}

export interface FigureText {
  readonly id: string;
  readonly caption: string;
  readonly table?: Figure["table"];
}

export function attentionFigure(maps: AttentionMaps, queries: PositionWindow, keys: PositionWindow, models: readonly string[], text: FigureText): Figure {
  const rows = maps.positions.slice(queries.start, queries.end);
  const cols = maps.positions.slice(keys.start, keys.end);
  // Models side by side (one column each), heads down: head-major order.
  const order = (m: string) => models.indexOf(m);
  const heads = [...maps.heads].sort((a, b) => a.head.layer - b.head.layer || a.head.head - b.head.head || order(a.model) - order(b.model));
  const panels = heads.map((h) => ({ name: `${h.model} · L${h.head.layer}H${h.head.head} ${h.head.label}`, values: crop(h.pattern, queries, keys) }));
  const cropped = queries.end - queries.start < maps.positions.length || keys.end - keys.start < maps.positions.length;
  const title = `Attention on ${JSON.stringify(maps.positions.slice(1).join(" "))}${cropped ? ` (queries ${queries.start}..${queries.end - 1}, keys ${keys.start}..${keys.end - 1})` : ""}`;
  return {
    ...text,
    title,
    spec: heatmap({ rows, cols, rowLabel: "query", colLabel: "key", colorLabel: "attention", title, scheme: "sequential", domain: [0, 1], facet: { panels, columns: models.length } }),
  };
}

export function mlpFigure(maps: AttentionMaps, units: PositionWindow | null, positions: PositionWindow, text: FigureText): Figure {
  const cols = maps.positions.slice(positions.start, positions.end);
  const panels = maps.mlps.map((m) => {
    const hidden = m.values.length;
    const u = units ? { start: Math.min(units.start, hidden), end: Math.min(units.end, hidden) } : { start: 0, end: hidden };
    const partOf = (unit: number) => m.parts.find((p) => unit >= p.start && unit < p.end)?.label ?? "";
    const rows = Array.from({ length: u.end - u.start }, (_, i) => `${u.start + i} ${partOf(u.start + i)}`);
    return { name: `${m.model} · layer ${m.layer} MLP`, rows, values: crop(m.values, u, positions) };
  }).filter((p) => p.rows.length > 0);
  const title = `MLP activations (after the ReLU) on ${JSON.stringify(maps.positions.slice(1).join(" "))}`;
  return {
    ...text,
    title,
    spec: heatmap({ rows: panels[0]?.rows ?? [], cols, rowLabel: "hidden unit", colLabel: "position", colorLabel: "activation", title, scheme: "sequential", facet: { panels } }),
  };
}
