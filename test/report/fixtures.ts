// Tiny synthetic folders for the report's tests: a fine-tuning run as the lab writes it (config,
// metrics, summary, confusion, checkpoint), a sweep around such runs (experiment.json, sweep.md with
// baseline rows), a pretraining run, and three instrument figures (a faceted heatmap, a line chart
// with baselines, a grouped bar chart) saved with saveFigure. Numbers are made up but shaped like
// real ones; nothing here trains a model.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { barChart, heatmap, lineChart } from "../../runtime/report/charts.js";
import { saveFigure, type Figure } from "../../runtime/report/figure.js";

const made: string[] = [];

/** A fresh temporary folder, removed by `removeTemp`. */
export function tempDir(prefix = "raspc-report-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTemp(): void {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

const TOKENS = ["BOS", "a", "b", "a", "c"];

/** Three figures of the kinds the instruments make. */
export function sampleFigures(): Figure[] {
  const attention = (shift: number) => TOKENS.map((_, q) => TOKENS.map((t, k) => (k <= q && t === "a" ? 0.45 + shift : 0.1 - shift / 4)));
  return [
    {
      id: "attn-L0H0",
      title: "Layer 0, head 0: where the attention goes",
      caption: "Query × key attention on one input; the counting head puts its mass on the operand's positions (0.45 each).",
      spec: heatmap({ rows: TOKENS, cols: TOKENS, rowLabel: "query", colLabel: "key", colorLabel: "attention", title: "attention", facet: { panels: [{ name: "compiled", values: attention(0) }, { name: "FT η=1e-4", values: attention(0.05) }] } }),
    },
    {
      id: "prune-curve",
      title: "Pruning: Acc O_PT against K",
      caption: "Zeroing the K most salient weights: O_PT accuracy 11.8% at K = 0, 86.0% at K = 3.",
      spec: lineChart({
        title: "pruning",
        xLabel: "K",
        yLabel: "accuracy (%)",
        logX: true,
        series: [{ name: "Acc O_PT, C_Te = 0", points: [0, 1, 2, 3, 5].map((x, i) => ({ x, y: [11.8, 40, 70, 86, 85][i]! })) }],
        baselines: [{ name: "always 0", y: 20 }],
      }),
      table: { header: ["K", "Acc O_PT (%)"], rows: [[0, 11.8], [3, 86], ["*baseline: always 0*", 20]] },
    },
    {
      id: "prune-histogram",
      title: "Predicted class after pruning",
      caption: "How often each count is answered at K = 0 and K = 3.",
      spec: barChart({ title: "histogram", xLabel: "answer", yLabel: "samples", groupLabel: "K", bars: [0, 1, 2].flatMap((c) => ["0", "3"].map((g) => ({ label: String(c), value: 10 + c * Number(g), group: g }))) }),
    },
  ];
}

function metricsLine(step: number, steps: number): string {
  const t = step / steps;
  const acc = { ptC0: 1 - 0.8 * t, ftC0: 0.2 + 0.7 * t, ptC1: 1 - 0.75 * t, ftC1: 0.5 * t };
  return JSON.stringify({ step, loss: step === 0 ? null : 1.5 * Math.exp(-3 * t), lr: step === 0 ? null : 0.01, acc, grad: step === 0 ? null : { steps: 50, meanNorm: 2, maxNorm: 5, clippedFraction: 0.1 } });
}

const CONFUSION = `# What the model computes at step 200

Rows: the class of the true answer; columns: the class of the model's answer.

## True O_FT answer, C_Te = 0

| true \\ predicted | 0 | 1 | n | acc |
| --- | --- | --- | --- | --- |
| 0 | 90 | 10 | 100 | 90.0 |
| 1 | 5 | 95 | 100 | 95.0 |
`;

/** A finished fine-tuning run folder `dir` (made if needed), optionally with the sample figures. */
export function writeFinetuneRun(dir: string, opts: { id?: string; figures?: boolean; steps?: number } = {}): string {
  const id = opts.id ?? path.basename(dir);
  const steps = opts.steps ?? 200;
  fs.mkdirSync(dir, { recursive: true });
  const cell = id.replace(/-s\d+$/, "");
  const protocol = cell.split("-")[0];
  fs.writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify({ run: { cell, protocol, learningRate: 0.01, cTrain: 1, iterations: steps, id, seed: Number(/-s(\d+)$/.exec(id)?.[1] ?? 0), target: "ftC0" }, task: { task: "counter", oPt: "a", oFt: "b", q: 1, length: 10 } }),
  );
  const records = [];
  for (let s = 0; s <= steps; s += 50) records.push(metricsLine(s, steps));
  fs.writeFileSync(path.join(dir, "metrics.jsonl"), records.join("\n") + "\n");
  const final = JSON.parse(records[records.length - 1]!) as object;
  fs.writeFileSync(path.join(dir, "summary.json"), JSON.stringify({ status: "done", steps, initial: JSON.parse(records[0]!) as object, final, itersTo90: null, itersTo100: null, heldFrom90: 150, heldFrom100: null, trainSeconds: 1, stepsPerSecond: 200, grad: { steps, meanNorm: 2, maxNorm: 5, clippedFraction: 0.1 } }));
  fs.writeFileSync(path.join(dir, "confusion.md"), CONFUSION);
  fs.writeFileSync(path.join(dir, "checkpoint.json"), "{}");
  if (opts.figures) for (const f of sampleFigures()) saveFigure(dir, f);
  return dir;
}

const SWEEP_MD = `# tiny: counter, ort/cpu

O_PT = a, O_FT = b. Accuracies in percent.

## Fine-tuning (FT), as the paper's table 3

| LR | C_Tr | C_Te=0 Acc O_PT | C_Te=0 Acc O_FT | note |
| --- | --- | --- | --- | --- |
| 1e-2 | 1 | 20.0 ± 0.0 | 90.0 ± 1.0 |  |
| *baseline: always 0* |  | 20.0 | 35.6 |  |
| *baseline: min(count a, 1)* |  | 40.0 | 43.2 |  |
`;

/** A sweep folder with two seeds of one FT cell (the first with figures) and sweep-level figures. */
export function writeSweep(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "experiment.json"), JSON.stringify({ name: path.basename(dir), task: "counter", preset: "quick" }));
  fs.writeFileSync(path.join(dir, "sweep.md"), SWEEP_MD);
  writeFinetuneRun(path.join(dir, "runs", "FT-lr1e-2-c1-s0"), { figures: true });
  writeFinetuneRun(path.join(dir, "runs", "FT-lr1e-2-c1-s1"));
  fs.mkdirSync(path.join(dir, "runs", "FT-lr1e-2-c1-s2"));
  for (const f of sampleFigures()) saveFigure(dir, { ...f, id: `sweep-${f.id}` });
  return dir;
}

/** A pretraining run folder as `raspc train` leaves it. */
export function writePretrainRun(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ name: "gpt-copy", task: { name: "copy" } }));
  const lines = [0, 100, 200].map((step, i) =>
    JSON.stringify({ step, loss: step === 0 ? null : 2 / (i + 1), gradNorm: step === 0 ? null : 1, clipped: step === 0 ? null : 0, lr: step === 0 ? null : 1e-3, evalLoss: 2.5 / (i + 1), tokenAcc: 0.3 * (i + 1), seqAcc: 0.1 * (i + 1) }),
  );
  fs.writeFileSync(path.join(dir, "metrics.jsonl"), lines.join("\n") + "\n");
  fs.writeFileSync(path.join(dir, "checkpoint.json"), "{}");
  return dir;
}
