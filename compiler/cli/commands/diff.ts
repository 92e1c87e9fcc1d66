// `raspc diff BASE CHANGED... [--top N] [--json]`: the weight-change map of runtime/instruments/
// weightChange.ts. For each CHANGED model (e.g. fine-tuning runs of the compiled BASE), the norm of
// Δ = W_changed − W_base per parameter matrix, and the residual directions (the compiled model's
// named dimensions) whose rows and columns moved most, with the matrices they moved in.
import { UsageError } from "../../language/diagnostics.js";
import { directionMatrices, topDirections, weightChange, type WeightChange } from "../../../runtime/instruments/weightChange.js";
import { fixed, loadModels, textTable } from "./instrumentArgs.js";
import { parsePositiveInt } from "./modelArgs.js";
import { checkFigureOutput, emitFigures, type FigureOutputOptions } from "./figureOutput.js";
import { figureId } from "../../../runtime/instruments/attentionFigures.js";
import { directionFigure, matrixFigure } from "../../../runtime/instruments/weightChangeFigures.js";

export interface DiffOptions extends FigureOutputOptions {
  readonly top?: string;
  readonly json?: boolean;
}

/** A norm for tables: fixed for ordinary sizes, exponent for the tiny changes small learning rates make. */
function norm(x: number): string {
  if (x === 0) return "0";
  return Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5 ? x.toExponential(2) : fixed(x, 4);
}

function report(w: WeightChange, shapes: ReadonlyMap<string, readonly number[]>, top: number): string {
  const sum = (f: (m: WeightChange["matrices"][number]) => number) => w.matrices.reduce((s, m) => s + f(m), 0);
  const rows = w.matrices.map((m) => [m.name, shapes.get(m.name)!.join("×"), norm(m.base), norm(m.delta), m.base > 0 ? norm(m.delta / m.base) : "n/a", norm(m.maxAbs), `${m.changed}/${m.entries}`]);
  const all = { base: Math.sqrt(sum((m) => m.base ** 2)), delta: Math.sqrt(sum((m) => m.delta ** 2)) };
  rows.push(["all", "", norm(all.base), norm(all.delta), all.base > 0 ? norm(all.delta / all.base) : "n/a", norm(Math.max(...w.matrices.map((m) => m.maxAbs))), `${sum((m) => m.changed)}/${sum((m) => m.entries)}`]);
  const dirs = topDirections(w, top);
  const dirRows = dirs.map((d) => [d.name, String(d.index), norm(d.total), directionMatrices(w, d).slice(0, 4).map(([name, v]) => `${name} ${norm(v)}`).join(", ")]);
  return [
    `${w.changed} − ${w.base}: the change of every weight`,
    textTable(["matrix", "shape", "‖W‖", "‖Δ‖", "‖Δ‖/‖W‖", "max |Δ|", "changed"], rows, [0]),
    "",
    dirs.length === 0
      ? "  no residual direction changed"
      : `  the ${dirs.length} residual directions whose rows/columns changed most (‖Δ‖ over every matrix that reads or writes them; b1 has none)\n${textTable(["direction", "dim", "‖Δ‖", "where (largest first)"], dirRows, [0, 3])}`,
  ].join("\n");
}

export async function diff(basePath: string, changedPaths: readonly string[], opts: DiffOptions): Promise<number> {
  if (changedPaths.length === 0) throw new UsageError("give the base model and at least one changed model: raspc diff BASE CHANGED...");
  const top = opts.top !== undefined ? parsePositiveInt(opts.top, "--top") : 10;
  checkFigureOutput(opts);
  const [base, ...changed] = loadModels([basePath, ...changedPaths]);
  const changes = changed.map((c) => weightChange(base!, c));
  const figures = diffFigures(changes, top);
  if (opts.json) {
    await emitFigures(figures, opts);
    process.stdout.write(changes.map((w) => JSON.stringify({ ...w, top: topDirections(w, top).map((d) => d.name) })).join("\n") + "\n");
    return 0;
  }
  const shapes = new Map(base!.description.params.map((p) => [p.name, p.shape]));
  process.stdout.write(changes.map((w) => report(w, shapes, top)).join("\n\n") + "\n");
  const written = await emitFigures(figures, opts);
  if (written.length > 0) process.stdout.write(`\nwrote ${written.join(", ")}\n`);
  return 0;
}

/** The direction × matrix heatmap (main) and the per-matrix bars, captioned with the top directions. */
function diffFigures(changes: readonly WeightChange[], top: number) {
  const ids = changes.map((w) => w.changed);
  const base = changes[0]!.base;
  const tops = changes.map((w) => `${w.changed}: ${topDirections(w, Math.min(top, 5)).map((d) => `${d.name} ${norm(d.total)}`).join(", ") || "nothing changed"}`).join("; ");
  const totals = changes.map((w) => `${w.changed} ${norm(Math.sqrt(w.matrices.reduce((s, m) => s + m.delta ** 2, 0)))}`).join(", ");
  const table = {
    header: ["model", "direction", "‖Δ‖", "largest in"],
    rows: changes.flatMap((w) => topDirections(w, top).map((d) => [w.changed, d.name, Number(d.total.toPrecision(4)), directionMatrices(w, d)[0]?.[0] ?? ""])),
  };
  return [
    { figure: directionFigure(changes, { id: figureId("diff-directions", base, ...ids), caption: `‖Δ‖ of each residual direction's row or column in each matrix, against ${base}. Largest: ${tops}.`, table }) },
    {
      name: "matrices",
      figure: matrixFigure(changes, {
        id: figureId("diff-matrices", base, ...ids),
        caption: `‖Δ‖ (Frobenius) per parameter matrix against ${base}; in all, ${totals}.`,
        table: { header: ["model", ...changes[0]!.matrices.map((m) => m.name)], rows: changes.map((w) => [w.changed, ...w.matrices.map((m) => Number(m.delta.toPrecision(4)))]) },
      }),
    },
  ];
}
