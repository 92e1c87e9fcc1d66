// The figures of `raspc diff`: ‖Δ‖ per residual direction (rows, the compiled model's names) and
// matrix (columns), one panel per changed model on one colour scale; and ‖Δ‖ per matrix as bars,
// grouped by changed model.
import type { Figure } from "../report/figure.js";
import { barChart, heatmap } from "../report/charts.js";
import type { FigureText } from "./attentionFigures.js";
import type { WeightChange } from "./weightChange.js";

export function directionFigure(changes: readonly WeightChange[], text: FigureText): Figure {
  const first = changes[0]!;
  const title = `Weight change by residual direction and matrix (against ${first.base})`;
  return {
    ...text,
    title,
    spec: heatmap({
      rows: first.directions.map((d) => d.name),
      cols: first.matrixNames,
      rowLabel: "residual direction",
      colLabel: "matrix",
      colorLabel: "‖Δ‖",
      title,
      scheme: "sequential",
      facet: { panels: changes.map((w) => ({ name: w.changed, values: w.directions.map((d) => [...d.byMatrix]) })), columns: Math.min(changes.length, 3) },
    }),
  };
}

export function matrixFigure(changes: readonly WeightChange[], text: FigureText): Figure {
  const title = `Weight change per matrix (against ${changes[0]!.base})`;
  return {
    ...text,
    title,
    spec: barChart({
      bars: changes.flatMap((w) => w.matrices.map((m) => ({ label: m.name, value: m.delta, group: w.changed }))),
      xLabel: "matrix",
      yLabel: "‖Δ‖ (Frobenius)",
      title,
      groupLabel: "model",
      horizontal: true,
    }),
  };
}
