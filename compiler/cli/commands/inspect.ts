// `raspc inspect MODEL.json [--json] [--html OUT.html]`: what a compiled model is made of. Text:
// the layer plan (which head or MLP computes which s-op), the residual layout grouped by s-op,
// and parameter counts. `--json`: the same as data. `--html`: a self-contained page with a
// heatmap of every weight matrix (written atomically).
import * as path from "node:path";
import { writeFileAtomic } from "../../common/atomicWrite.js";
import { blockRows, describeEntry, dimRanges, residualGroups } from "../../model/describe.js";
import { readModel } from "../../model/modelFile.js";
import { formatCount, matrixSize, modelStats } from "../../model/stats.js";
import type { CompiledModel } from "../../model/types.js";
import { summaryLines } from "./modelArgs.js";

export interface InspectOptions {
  readonly json?: boolean;
  readonly html?: string;
}

function textReport(model: CompiledModel): string {
  const out: string[] = [];
  out.push(`model: ${model.source.file}, s-op ${model.source.sop} (${model.output.encoding})`);
  out.push(`  vocab ${JSON.stringify(model.vocab)}, max length ${model.maxLen}, BOS ${JSON.stringify(model.bos)}`);
  if (model.trained) {
    const t = model.trained;
    out.push(`  fine-tuned: run ${t.runId} (${t.protocol}${t.startRun ? ` from ${t.startRun}` : ""}), step ${t.step}, starting from ${t.sourceModel}`);
  }
  out.push(...summaryLines(model));
  out.push("", "layer plan:");
  const rows = blockRows(model);
  const w1 = Math.max(...rows.map((r) => r.block.length), 5);
  const w2 = Math.max(...rows.map((r) => r.computes.length), 5);
  let lastLayer = -2;
  for (const r of rows) {
    const layer = r.layer === lastLayer ? "" : r.layer < 0 ? "embed" : `layer ${r.layer}`;
    lastLayer = r.layer;
    out.push(`  ${layer.padEnd(9)} ${r.block.padEnd(w1)}  ${r.computes.padEnd(w2)}  ${r.detail}`);
  }
  out.push("", "s-ops:");
  const sw = Math.max(...model.plan.map((e) => e.sop.length), 4);
  for (const e of model.plan) {
    const where = e.layer < 0 ? "embedding" : `layer ${e.layer} ${e.kind}`;
    out.push(`  ${e.sop.padEnd(sw)}  ${where.padEnd(24)}  dims ${dimRanges(e.dims).padEnd(9)}  ${describeEntry(e)}${e.source ? `  (${e.source})` : ""}`);
  }
  out.push("", `residual layout (${model.residual.length} dims):`);
  for (const g of residualGroups(model)) {
    const labels = g.labels.length === 1 && g.labels[0] === g.name ? "" : `: ${g.labels.join(" ")}`;
    out.push(`  ${dimRanges(g.dims).padEnd(9)} ${g.name}${labels}`);
  }
  out.push("", "parameters:");
  const s = modelStats(model);
  const paramRows: [string, number][] = [
    ["token embedding", matrixSize(model.tokenEmbedding)],
    ["position embedding", matrixSize(model.positionEmbedding)],
  ];
  model.layers.forEach((layer, l) => {
    layer.attention.forEach((h, i) => paramRows.push([`layer ${l} head ${i} (${h.label})`, matrixSize(h.wq) + matrixSize(h.wk) + matrixSize(h.wv) + matrixSize(h.wo)]));
    if (layer.mlp) paramRows.push([`layer ${l} MLP`, matrixSize(layer.mlp.w1) + layer.mlp.b1.length + matrixSize(layer.mlp.w2) + layer.mlp.b2.length]);
  });
  paramRows.push(["unembedding", matrixSize(model.unembedding)], ["total", s.params]);
  const pw = Math.max(...paramRows.map(([n]) => n.length));
  for (const [name, n] of paramRows) out.push(`  ${name.padEnd(pw)}  ${formatCount(n).padStart(10)}`);
  return out.join("\n") + "\n";
}

function jsonReport(model: CompiledModel): string {
  const s = modelStats(model);
  return (
    JSON.stringify({
      file: model.source.file,
      sop: model.source.sop,
      vocab: model.vocab,
      max_len: model.maxLen,
      bos: model.bos,
      layers: s.layers,
      heads: s.heads,
      heads_per_layer: s.headsPerLayer,
      d_model: s.dModel,
      mlp_hidden: s.mlpHidden,
      params: s.params,
      params_by: s.paramsBy,
      output: model.output,
      residual: model.residual,
      plan: model.plan,
      blocks: blockRows(model),
    }) + "\n"
  );
}

export async function inspect(modelFile: string, opts: InspectOptions): Promise<number> {
  const model = readModel(modelFile);
  if (opts.html !== undefined) {
    const { inspectHtml } = await import("../../model/inspectHtml.js");
    writeFileAtomic(opts.html, inspectHtml(model));
  }
  if (opts.json) process.stdout.write(jsonReport(model));
  else if (opts.html !== undefined) process.stdout.write(`wrote ${path.normalize(opts.html)}\n`);
  else process.stdout.write(textReport(model));
  return 0;
}
