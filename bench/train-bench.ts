// Training-engine benchmark: `npx tsx bench/train-bench.ts [--steps N] [--gpt-steps N] [--tfjs-steps N] [--no-tfjs] [--only compiled|gpt]`.
//
// Fine-tuning steps per second (forward + backward + SGD-momentum update, batch 96) of the ORT
// training-step graph (runtime/autodiff's gradient of runtime/models/compiledTransformer.ts) at 1
// and 2 intra-op threads and of the TensorFlow.js WASM autodiff reference, on: the compiled Counter
// model (the lab's real workload, length 10 and the quick preset's 5), and the 3-layer model of the
// issue's speed table (single-head attention d_head = d_model, MLP d → 2d → d, 32 tokens) at d_model
// 64 and 256. Then pretraining steps of minGPT (runtime/models/gpt.ts: next-token loss at every
// position, clip 1, AdamW) at 4 layers/4 heads/d 128/T 73 and the paper's 6/6/192 at T 259, batch
// 96, vocabulary 32 (ours), against minGPT in PyTorch (bench/torch_gpt_train.py) on the same weights. Where
// `python3 -c 'import torch'` works (python3 or /usr/bin/python3), the same model with the same
// weights runs in PyTorch (bench/torch_train.py) at 1 and 2 threads, the first step's loss is compared,
// and the table prints ORT's speed-up over PyTorch's faster setting. GFLOP/s counts 3× the forward
// pass's matmuls; "of peak" divides by the float32 matmul rate PyTorch measures on this machine.
// Each figure is the median over N timed steps (default 30) after 3 warm-up steps. Prints Markdown.
// Debian's python3-torch uses whatever libblas.so.3 is selected: with the reference BLAS it is ~30x
// slower than with OpenBLAS (apt-get install libopenblas0-pthread), so compare only with OpenBLAS.
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { compileFile } from "../compiler/compileFile.js";
import { makeRng } from "../runtime/random.js";
import { COUNTER_VOCAB } from "../runtime/tasks/data.js";
import { gpt, gptInit, type GptConfig } from "../runtime/models/gpt.js";
import { MINGPT_ADAMW } from "../runtime/autodiff/step.js";
import { loadOrt } from "../runtime/forward/ortForward.js";
import { toBase64 } from "../runtime/train/checkpoint.js";
import { GraphTrainer } from "../runtime/train/graphTrainer.js";
import { createOrtTrainer } from "../runtime/train/ortTrainer.js";
import { createTfjsTrainer } from "../runtime/train/tfjsTrainer.js";
import { geometryOf, layerWidths, paramsOf, randomParams, tensorSpecs, type Geometry, type Params } from "../runtime/train/params.js";
import { zerosLike, type TrainBatch, type Trainer } from "../runtime/train/trainer.js";
import { findTorchPython, gptTrainingFlops, median, numberArg } from "./stats.js";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const BATCH = 96;
const STEPS = numberArg("--steps", 30);
const TFJS_STEPS = numberArg("--tfjs-steps", 10);
const GPT_STEPS = numberArg("--gpt-steps", 5);
const onlyAt = process.argv.indexOf("--only");
const ONLY = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
const WITH_TFJS = !process.argv.includes("--no-tfjs");

interface Case {
  readonly name: string;
  readonly geometry: Geometry;
  readonly params: Params;
  readonly seqLen: number;
  readonly answer: number;
}

function counterCase(maxLen: number): Case {
  const file = path.join(ROOT, "rasp-programs/counter.rasp");
  const model = compileFile(file, { vocab: COUNTER_VOCAB, maxLen });
  const geometry = geometryOf(model);
  return { name: `compiled Counter, length ${maxLen} (d_model ${geometry.dModel})`, geometry, params: paramsOf(model), seqLen: maxLen + 1, answer: 2 };
}

function syntheticCase(d: number, seqLen: number): Case {
  const layer = { heads: [{ dHead: d, dValue: d }], hidden: 2 * d, mlp: true };
  const geometry: Geometry = { dModel: d, vocabRows: 32, positions: seqLen, layers: [layer, layer, layer], outputs: 32 };
  // Scale 1/√d on the query side plays the part of the usual 1/√d_head.
  const specs = tensorSpecs(geometry);
  const params = randomParams(geometry, makeRng(d + seqLen)).map((t, i) => (specs[i]!.name.endsWith(".wq") ? t.map((v) => v / Math.sqrt(d)) : t));
  return { name: `3 layers, d_model ${d}, seq ${seqLen}`, geometry, params, seqLen, answer: seqLen - 1 };
}

/** Matmul FLOPs of one training step: 3 × the forward pass (backward is two matmuls per forward one). */
function trainingFlops(g: Geometry, B: number, T: number): number {
  const N = B * T;
  let f = 2 * N * g.vocabRows * g.dModel;
  for (const layer of g.layers) {
    const { sumHead, sumValue } = layerWidths(layer);
    f += 2 * N * g.dModel * (2 * sumHead + sumValue) + 2 * B * T * T * (sumHead + sumValue) + 2 * N * sumValue * g.dModel;
    if (layer.mlp) f += 4 * N * g.dModel * layer.hidden;
  }
  f += 2 * B * g.dModel * g.outputs;
  return 3 * f;
}

function batchFor(c: Case): TrainBatch {
  const rng = makeRng(7);
  const ids = new Int32Array(BATCH * c.seqLen);
  for (let i = 0; i < ids.length; i++) ids[i] = rng.int(Math.min(c.geometry.vocabRows - 2, 30));
  return { batch: BATCH, seqLen: c.seqLen, ids, labels: Int32Array.from({ length: BATCH }, () => rng.int(c.geometry.outputs)) };
}

async function timeTrainer(t: Trainer, batch: TrainBatch, steps: number): Promise<{ ms: number; firstLoss: number }> {
  let firstLoss = NaN;
  const ts: number[] = [];
  for (let i = 0; i < 3 + steps; i++) {
    const t0 = performance.now();
    const { loss } = await t.step(batch, { learningRate: 1e-3, momentum: 0.9 });
    if (i === 0) firstLoss = loss;
    if (i >= 3) ts.push(performance.now() - t0);
  }
  t.dispose();
  return { ms: median(ts), firstLoss };
}

interface Row {
  readonly engine: string;
  readonly ms: number;
  readonly loss: number;
}

const benchStart = performance.now();
const python = findTorchPython();
const cases = ONLY === "gpt" ? [] : [counterCase(10), counterCase(5), syntheticCase(64, 16), syntheticCase(256, 16), syntheticCase(256, 48)];
let peak: number | null = null;
const lines: string[] = [
  `Training steps (forward + backward + SGD momentum), batch ${BATCH}, median of ${STEPS} steps (tfjs: ${TFJS_STEPS}). PyTorch: ${python ? "measured" : "not available (python3 -c 'import torch' failed)"}.`,
  "",
  "| model | engine | ms/step | steps/s | GFLOP/s | vs PyTorch (best of 1/2 threads) | first loss |",
  "| --- | --- | --- | --- | --- | --- | --- |",
];
for (const c of cases) {
  process.stderr.write(`${c.name} ... (${((performance.now() - benchStart) / 1000).toFixed(0)} s)\n`);
  const batch = batchFor(c);
  const initial = { params: c.params, velocity: zerosLike(c.params) };
  const rows: Row[] = [];
  for (const threads of [1, 2]) {
    const r = await timeTrainer(await createOrtTrainer({ geometry: c.geometry, initial, answerPosition: c.answer, threads }), batch, STEPS);
    rows.push({ engine: `ORT train graph, ${threads} thread${threads > 1 ? "s" : ""}`, ms: r.ms, loss: r.firstLoss });
  }
  if (WITH_TFJS && c.geometry.dModel <= 64) {
    const r = await timeTrainer(await createTfjsTrainer({ geometry: c.geometry, initial, answerPosition: c.answer, backend: "wasm" }), batch, TFJS_STEPS);
    rows.push({ engine: "TensorFlow.js WASM (autodiff)", ms: r.ms, loss: r.firstLoss });
  }
  let torchBest: number | null = null;
  if (python) {
    const req = {
      geometry: c.geometry,
      specs: tensorSpecs(c.geometry),
      params: c.params.map((p) => Array.from(p)),
      ids: Array.from({ length: BATCH }, (_, b) => Array.from(batch.ids.slice(b * c.seqLen, (b + 1) * c.seqLen))),
      labels: Array.from(batch.labels),
      batch: BATCH,
      seqLen: c.seqLen,
      answerPosition: c.answer,
      lr: 1e-3,
      warmup: 3,
      steps: STEPS,
      peak: peak === null,
    };
    const out = JSON.parse(execFileSync(python, [path.join(ROOT, "bench/torch_train.py")], { input: JSON.stringify(req), maxBuffer: 1 << 28 }).toString()) as { torch: string; threads1: number; threads2: number; loss: number; peakGflops?: number };
    peak ??= out.peakGflops ?? null;
    rows.push({ engine: `PyTorch ${out.torch}, 1 thread`, ms: out.threads1, loss: out.loss }, { engine: `PyTorch ${out.torch}, 2 threads`, ms: out.threads2, loss: out.loss });
    torchBest = Math.min(out.threads1, out.threads2);
  }
  const flops = trainingFlops(c.geometry, BATCH, c.seqLen);
  for (const r of rows) {
    const ratio = torchBest !== null && r.engine.startsWith("ORT") ? `${(torchBest / r.ms).toFixed(2)}x` : "";
    lines.push(`| ${c.name} | ${r.engine} | ${r.ms.toFixed(2)} | ${(1000 / r.ms).toFixed(1)} | ${(flops / r.ms / 1e6).toFixed(1)} | ${ratio} | ${r.loss.toFixed(5)} |`);
  }
}
// ---- gpt pretraining rows ----

interface GptCase {
  readonly name: string;
  readonly config: GptConfig;
  readonly seqLen: number;
}

const gptCases: GptCase[] =
  ONLY === "compiled"
    ? []
    : [
        { name: "gpt 4 layers, 4 heads, d 128, T 73", config: { vocabSize: 32, blockSize: 73, nLayer: 4, nHead: 4, nEmbd: 128 }, seqLen: 73 },
        { name: "gpt 6 layers, 6 heads, d 192, T 259 (paper size)", config: { vocabSize: 32, blockSize: 259, nLayer: 6, nHead: 6, nEmbd: 192 }, seqLen: 259 },
      ];
// The peak, when no compiled row measured it yet (--only gpt).
if (peak === null && python && gptCases.length > 0) {
  const out = JSON.parse(execFileSync(python, ["-c", "import torch,time\nfrom statistics import median\ntorch.set_num_threads(2)\nn=2048\na,b=torch.randn(n,n),torch.randn(n,n)\nfor _ in range(2): a@b\nts=[]\nfor _ in range(5):\n  t=time.perf_counter(); a@b; ts.append(time.perf_counter()-t)\nprint(2*n**3/median(ts)/1e9)"]).toString()) as number;
  peak = out;
}
const ort = gptCases.length > 0 ? await loadOrt() : null;
for (const c of gptCases) {
  process.stderr.write(`${c.name} ... (${((performance.now() - benchStart) / 1000).toFixed(0)} s)\n`);
  const T = c.seqLen;
  const rng = makeRng(11);
  const stream = Int32Array.from({ length: BATCH * (T + 1) }, () => rng.int(c.config.vocabSize));
  const ids = new Int32Array(BATCH * T);
  const targets = new Int32Array(BATCH * T);
  for (let b = 0; b < BATCH; b++)
    for (let t = 0; t < T; t++) {
      ids[b * T + t] = stream[b * (T + 1) + t]!;
      targets[b * T + t] = stream[b * (T + 1) + t + 1]!;
    }
  const params = gptInit(c.config, makeRng(5));
  const model = gpt(c.config);
  const rows: Row[] = [];
  for (const threads of [1, 2]) {
    const zeros = () => params.map((p) => new Float32Array(p.length));
    const trainer = new GraphTrainer(ort!, { model, optimizer: MINGPT_ADAMW, loss: { kind: "nextToken" }, initial: { params, slots: { m: zeros(), v: zeros() } }, clipEpsilon: 1e-6, session: { threads } });
    const ts: number[] = [];
    let first = NaN;
    for (let i = 0; i < 2 + GPT_STEPS; i++) {
      const t0 = performance.now();
      const { loss } = await trainer.step({ batch: BATCH, seqLen: T, ids, targets }, { learningRate: 1e-3, step: i + 1, clipNorm: 1 });
      if (i === 0) first = loss;
      if (i >= 2) ts.push(performance.now() - t0);
    }
    trainer.dispose();
    rows.push({ engine: `ORT train graph, ${threads} thread${threads > 1 ? "s" : ""}`, ms: median(ts), loss: first });
  }
  let torchBest: number | null = null;
  if (python) {
    const req = {
      config: c.config,
      batch: BATCH,
      seqLen: T,
      params: Object.fromEntries(model.params.map((p, i) => [p.name, toBase64(params[i]!)])),
      ids: Array.from(ids),
      targets: Array.from(targets),
      lr: 1e-3,
      warmup: 2,
      steps: GPT_STEPS,
    };
    const out = JSON.parse(execFileSync(python, [path.join(ROOT, "bench/torch_gpt_train.py")], { input: JSON.stringify(req), maxBuffer: 1 << 28 }).toString()) as { torch: string; threads1: number; threads2: number; loss: number };
    rows.push({ engine: `PyTorch ${out.torch}, 1 thread`, ms: out.threads1, loss: out.loss }, { engine: `PyTorch ${out.torch}, 2 threads`, ms: out.threads2, loss: out.loss });
    torchBest = Math.min(out.threads1, out.threads2);
  }
  const flops = gptTrainingFlops(c.config, BATCH, T);
  for (const r of rows) {
    const ratio = torchBest !== null && r.engine.startsWith("ORT") ? `${(torchBest / r.ms).toFixed(2)}x` : "";
    const ofPeak = peak !== null ? ` (${((100 * flops) / r.ms / 1e6 / peak).toFixed(0)}% of peak)` : "";
    lines.push(`| ${c.name} | ${r.engine} | ${r.ms.toFixed(1)} | ${(1000 / r.ms).toFixed(2)} | ${(flops / r.ms / 1e6).toFixed(1)}${ofPeak} | ${ratio} | ${r.loss.toFixed(5)} |`);
  }
}
if (peak !== null) lines.push("", `Machine float32 matmul rate (PyTorch, 2048², 2 threads): ${peak.toFixed(0)} GFLOP/s; half of it is ${(peak / 2).toFixed(0)}.`);
process.stdout.write(lines.join("\n") + "\n");
