// The figure of `raspc probe`: held-out probe accuracy per probed stream for several models on one
// plot, one panel per target (the paper's fig. 10), the majority class as a dashed rule. Along x the
// streams in order: the embedding (blocks.0.hook_resid_pre), then each block's output
// (blocks.{l}.hook_resid_post).
import { lineChart } from "../report/charts.js";
import type { Figure } from "../report/figure.js";
import type { ProbeResult, ProbeSettings } from "./probe.js";
import { figureId } from "./pruneFigures.js";

const pct = (x: number) => Number((100 * x).toFixed(1));

/** `results[model][target]`, every model probed for the same targets. */
export function probeFigure(results: readonly (readonly ProbeResult[])[], s: ProbeSettings): Figure {
  const targets = results[0]!.map((r) => ({ name: r.target, description: r.description }));
  const models = results.map((perModel) => perModel[0]!.model);
  const panels = targets.map((t, i) => {
    const rows = results.map((perModel) => perModel[i]!);
    const majority = rows[0]!.majority;
    return {
      name: `${t.name}: ${t.description}`,
      series: rows.map((r) => ({ name: r.model, points: r.blocks.map((b, x) => ({ x, y: pct(b.accuracy) })) })),
      baselines: [{ name: `majority (always ${String(majority.answer)})`, y: pct(majority.accuracy) }],
    };
  });
  const blocks = results[0]![0]!.blocks.map((b) => b.block);
  const summary = targets
    .map((t, i) => `${t.name}: ${results.map((perModel) => `${perModel[i]!.model} ${perModel[i]!.blocks.map((b) => pct(b.accuracy)).join("/")}`).join("; ")} (majority ${pct(results[0]![i]!.majority.accuracy)})`)
    .join(". ");
  return {
    id: figureId("probe", targets.map((t) => t.name).join("+"), ...models),
    title: `Linear probes of ${models.join(", ")}`,
    caption:
      `Held-out accuracy (%) of a linear probe of the residual stream at position ${s.position}, per stream (${blocks.join(", ")}), ` +
      `${s.iterations} AdamW iterations, lr ${s.learningRate} × ${s.gamma} at ${s.milestones.join(", ") || "no milestone"}, batch ${s.batchSize}, ` +
      `samples with C = ${s.correlated}, ${results[0]![0]!.testSamples} held out. ${summary}.`,
    spec: lineChart({
      title: "Linear probe accuracy per block",
      xLabel: "residual stream probed",
      xNames: results[0]![0]!.blocks.map((b) => b.block),
      yLabel: "held-out accuracy (%)",
      yDomain: [0, 100],
      colorLabel: "model",
      facet: { panels, columns: Math.min(panels.length, 2) },
    }),
    table: {
      header: ["target", "model", ...blocks, "majority"],
      rows: targets.flatMap((t, i) => results.map((perModel) => [t.name, perModel[i]!.model, ...perModel[i]!.blocks.map((b) => pct(b.accuracy)), pct(perModel[i]!.majority.accuracy)])),
    },
  };
}
