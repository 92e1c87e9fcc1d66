// The s-op read-back as a figure for `raspc report`: one heatmap per model (s-ops down in plan
// order, the residual streams after the embedding and each layer across, the % read back in each
// cell, blank before the plan writes the s-op), side by side on one 0-100 colour scale, with a
// caption naming every s-op that lost something by the last layer and a table of every number.
import { createHash } from "node:crypto";
import { heatmap, type HeatmapPanel } from "../report/charts.js";
import type { Figure } from "../report/figure.js";
import { cellShare, formatShare, topMisreads, writtenAt, type ReadbackResult } from "./readback.js";

export interface ReadbackFigureContext {
  /** What was read and on which inputs, for the caption (e.g. "500 inputs of the counter task ..."). */
  readonly about: string;
  /** Part of the id that tells read-backs of the same models apart (e.g. "pos1", "base-ft"). */
  readonly variant?: string;
  /** The one input position compared, when not every position was. */
  readonly position?: number;
}

/** A figure id from model labels: file-name safe, at most 160 characters, distinct for distinct lists. */
function figureId(labels: readonly string[], variant: string | undefined): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._=+-]+/g, "_");
  const full = ["readback", ...(variant ? [safe(variant)] : []), ...labels.map(safe)].join("-");
  if (full.length <= 150) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, 140)}-${hash}`;
}

/** What a model lost: each s-op below 100% after the last layer, with its commonest misread. */
function lossText(r: ReadbackResult): string {
  const last = r.stages.length - 1;
  const lost = r.rows.filter((row) => (cellShare(row.cells[last] ?? null) ?? 1) < 1);
  if (lost.length === 0) return `${r.label}: every s-op 100% after ${r.stages[last]!.name}`;
  const parts = lost.map((row) => {
    const c = row.cells[last]!;
    const misread = topMisreads(c, 1)[0];
    return `${row.sop} ${formatShare(cellShare(c))}%${misread ? ` (commonest misread ${misread})` : ""}`;
  });
  return `${r.label}: ${parts.join(", ")} after ${r.stages[last]!.name}`;
}

export function readbackFigure(results: readonly ReadbackResult[], ctx: ReadbackFigureContext): Figure {
  if (results.length === 0) throw new Error("readbackFigure: no results");
  const first = results[0]!;
  const rowsOf = (r: ReadbackResult) => r.rows.map((row) => `${row.sop} (${writtenAt(row.entry)})`);
  const colsOf = (r: ReadbackResult) => r.stages.map((s) => s.name);
  const sameAxes = (r: ReadbackResult) => JSON.stringify([rowsOf(r), colsOf(r)]) === JSON.stringify([rowsOf(first), colsOf(first)]);
  const panels: HeatmapPanel[] = results.map((r) => ({
    name: r.label,
    values: r.rows.map((row) => row.cells.map((c) => {
      const share = cellShare(c);
      return share === null ? NaN : 100 * share;
    })),
    ...(sameAxes(r) ? {} : { rows: rowsOf(r), cols: colsOf(r) }),
  }));
  const where = ctx.position === undefined ? "positions" : `inputs at position ${ctx.position}`;
  const title = `S-op read-back: % of ${where} where the residual stream holds the interpreter's value`;
  const spec = heatmap({
    rows: rowsOf(first),
    cols: colsOf(first),
    rowLabel: "s-op (where the plan writes it)",
    colLabel: "residual stream after",
    colorLabel: "% read back",
    title,
    scheme: "sequential",
    domain: [0, 100],
    showValues: ".0f",
    facet: { panels, columns: Math.min(results.length, 3) },
  });
  const header = ["model", "s-op", "written", ...colsOf(first)];
  const tableRows = results.flatMap((r) =>
    r.rows.map((row) => [r.label, row.sop, writtenAt(row.entry), ...row.cells.map((c) => {
      const share = cellShare(c);
      return share === null ? "–" : Number((100 * share).toFixed(1));
    })]),
  );
  const table = results.every(sameAxes) ? { header, rows: tableRows } : undefined;
  const caption =
    `Read-back of ${ctx.about}. A categorical s-op is read as the argmax of its named directions (None when none exceeds 0.5), ` +
    `a numerical one as its direction's value, matching within half the smallest gap between its compiled values; ` +
    `cells are blank before the layer the plan writes the s-op on. ${results.map(lossText).join("; ")}.`;
  return { id: figureId(results.map((r) => r.label), ctx.variant), title, caption, spec, ...(table ? { table } : {}) };
}
