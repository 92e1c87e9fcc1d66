// Pretraining a gpt from a config (config.ts) on a toy task (tasks.ts): AdamW steps on the engine
// of runtime/autodiff through GraphTrainer, the paper's warmup + cosine schedule, metrics at an
// interval, checkpoints, resume, and a clean stop when the loss or the gradient stops being finite.
// The run's folder holds config.json (the resolved config), metrics.jsonl, checkpoint.json
// (parameters, AdamW moments and the loop's counters, as exact float32) and summary.json (written
// last). Batch t and the dropout masks of step t depend only on (seed, t), and ORT is deterministic
// at a fixed thread count, so a resumed run ends bit-identical to an uninterrupted one.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { gpt, gptInit } from "../models/gpt.js";
import type { ModelDescription } from "../models/model.js";
import { loadOrt } from "../forward/ortForward.js";
import { makeRng } from "../random.js";
import { fromBase64, toBase64 } from "../train/checkpoint.js";
import { GraphTrainer, type GraphTrainerState } from "../train/graphTrainer.js";
import { learningRateAt } from "../train/schedule.js";
import { streamSeed } from "../train/taskBatches.js";
import type { PretrainConfig } from "./config.js";
import { toyBatch, type ToyBatch } from "./tasks.js";

export const PRETRAIN_FILES = { config: "config.json", metrics: "metrics.jsonl", checkpoint: "checkpoint.json", summary: "summary.json" } as const;
const CHECKPOINT_FORMAT = "raspc-gpt-checkpoint";
const EVAL_CHUNK = 256;

export interface PretrainRecord {
  readonly step: number;
  /** Mean training loss over the steps since the previous record (null before the first step). */
  readonly loss: number | null;
  /** Mean gradient norm before clipping over those steps, and the fraction of them the clip scaled. */
  readonly gradNorm: number | null;
  readonly clipped: number | null;
  readonly lr: number | null;
  /** Held-out next-token loss on the determined tokens, token and whole-answer accuracy (teacher-forced argmax). */
  readonly evalLoss: number;
  readonly tokenAcc: number;
  readonly seqAcc: number;
}

export interface PretrainSummary {
  readonly status: "done" | "diverged";
  readonly steps: number;
  readonly initial: PretrainRecord;
  readonly final: PretrainRecord;
  readonly trainSeconds: number;
  readonly stepsPerSecond: number;
  readonly message?: string;
}

export interface PretrainOptions {
  readonly config: PretrainConfig;
  readonly runDir: string;
  readonly resume: boolean;
  /** Stop (as if killed) after this many steps of this call; for tests of resume. */
  readonly stopAfter?: number;
  readonly onProgress?: (step: number, total: number, last: PretrainRecord | null) => void;
}

interface Counters {
  step: number;
  lossSum: number;
  gradSum: number;
  clippedCount: number;
  count: number;
  metricsLines: number;
}

/** What a checkpoint must come from: the model, task, optimiser and seed (not the schedule's length or the intervals). */
export function pretrainFingerprint(c: PretrainConfig): string {
  return createHash("sha256").update(JSON.stringify([c.model, c.task, c.optimizer, c.seed])).digest("hex").slice(0, 16);
}

function writeCkpt(file: string, m: ModelDescription, fingerprint: string, counters: Counters, state: GraphTrainerState): void {
  const named = (ts: Float32Array[]) => Object.fromEntries(m.params.map((p, i) => [p.name, toBase64(ts[i]!)]));
  writeFileAtomic(file, JSON.stringify({ format: CHECKPOINT_FORMAT, version: 1, fingerprint, ...counters, params: named(state.params), m: named(state.slots.m!), v: named(state.slots.v!) }));
}

function readCkpt(file: string, m: ModelDescription, fingerprint: string): { counters: Counters; state: GraphTrainerState } {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    throw new UsageError(`${file}: not a readable checkpoint`);
  }
  if (typeof c !== "object" || c === null || c.format !== CHECKPOINT_FORMAT) throw new UsageError(`${file}: not a raspc gpt checkpoint`);
  if (c.fingerprint !== fingerprint) throw new UsageError(`${file}: fingerprint: the checkpoint is from another model, task, optimizer or seed (${String(c.fingerprint)}, this config's is ${fingerprint})`);
  const block = (key: string) =>
    m.params.map((p) => {
      const text = (c[key] as Record<string, unknown> | undefined)?.[p.name];
      if (typeof text !== "string") throw new UsageError(`${file}: ${key}.${p.name} is missing`);
      return fromBase64(text, p.shape.reduce((a, b) => a * b, 1), `${file}: ${key}.${p.name}`);
    });
  const num = (key: string) => {
    const v = c[key];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new UsageError(`${file}: ${key} must be a non-negative number`);
    return v;
  };
  const counters: Counters = { step: num("step"), lossSum: num("lossSum"), gradSum: num("gradSum"), clippedCount: num("clippedCount"), count: num("count"), metricsLines: num("metricsLines") };
  return { counters, state: { params: block("params"), slots: { m: block("m"), v: block("v") } } };
}

async function evaluate(trainer: GraphTrainer, batches: readonly ToyBatch[], vocab: number): Promise<{ evalLoss: number; tokenAcc: number; seqAcc: number }> {
  let lossSum = 0;
  let tokens = 0;
  let right = 0;
  let seqs = 0;
  let seqsRight = 0;
  for (const b of batches) {
    const logits = await trainer.logits(b, null);
    for (let s = 0; s < b.batch; s++) {
      let all = true;
      for (let p = 0; p < b.seqLen; p++) {
        const r = s * b.seqLen + p;
        const target = b.targets[r]!;
        if (target < 0) continue;
        let max = -Infinity;
        let arg = 0;
        for (let v = 0; v < vocab; v++) if (logits[r * vocab + v]! > max) [max, arg] = [logits[r * vocab + v]!, v];
        let z = 0;
        for (let v = 0; v < vocab; v++) z += Math.exp(logits[r * vocab + v]! - max);
        lossSum += Math.log(z) + max - logits[r * vocab + target]!;
        tokens++;
        if (arg === target) right++;
        else all = false;
      }
      seqs++;
      if (all) seqsRight++;
    }
  }
  return { evalLoss: lossSum / tokens, tokenAcc: right / tokens, seqAcc: seqsRight / seqs };
}

function readMetrics(file: string): PretrainRecord[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as PretrainRecord);
}

export async function pretrain(o: PretrainOptions): Promise<PretrainSummary> {
  const c = o.config;
  const model = gpt(c.model);
  const fingerprint = pretrainFingerprint(c);
  const files = Object.fromEntries(Object.entries(PRETRAIN_FILES).map(([k, v]) => [k, path.join(o.runDir, v)])) as Record<keyof typeof PRETRAIN_FILES, string>;
  const resuming = o.resume && fs.existsSync(files.checkpoint);
  // Read the checkpoint before touching the folder, so a bad one leaves everything as it was.
  const restored = resuming ? readCkpt(files.checkpoint, model, fingerprint) : null;
  fs.mkdirSync(o.runDir, { recursive: true });
  writeFileAtomic(files.config, JSON.stringify(c, null, 2) + "\n");
  const ort = await loadOrt();
  const initParams = gptInit(c.model, makeRng(streamSeed(c.seed, 0x1417)));
  const zeros = () => initParams.map((t) => new Float32Array(t.length));
  const trainer = new GraphTrainer(ort, {
    model,
    optimizer: c.optimizer,
    loss: { kind: "nextToken" },
    initial: restored?.state ?? { params: initParams, slots: { m: zeros(), v: zeros() } },
    clipEpsilon: 1e-6,
    session: c.threads > 0 ? { threads: c.threads } : {},
    dropout: c.model.dropout ?? 0,
  });
  try {
    const evalBatches: ToyBatch[] = [];
    for (let i = 0, k = 0; i < c.evalSamples; i += EVAL_CHUNK, k++) evalBatches.push(toyBatch(c.task, Math.min(EVAL_CHUNK, c.evalSamples - i), streamSeed(c.seed, 0xe7a1), k));
    let counters: Counters = restored?.counters ?? { step: 0, lossSum: 0, gradSum: 0, clippedCount: 0, count: 0, metricsLines: 0 };
    let records: PretrainRecord[] = [];
    if (restored) {
      records = readMetrics(files.metrics).slice(0, counters.metricsLines);
      writeFileAtomic(files.metrics, records.map((r) => JSON.stringify(r) + "\n").join(""));
    } else {
      fs.rmSync(files.metrics, { force: true });
      fs.rmSync(files.checkpoint, { force: true });
      fs.rmSync(files.summary, { force: true });
    }
    let lastSaved: number | null = restored ? counters.step : null;
    const save = () => {
      writeCkpt(files.checkpoint, model, fingerprint, { ...counters, metricsLines: records.length }, trainer.state());
      lastSaved = counters.step;
    };
    const record = async (lr: number | null) => {
      const n = counters.count;
      const r: PretrainRecord = {
        step: counters.step,
        loss: n > 0 ? counters.lossSum / n : null,
        gradNorm: n > 0 ? counters.gradSum / n : null,
        clipped: n > 0 ? counters.clippedCount / n : null,
        lr,
        ...(await evaluate(trainer, evalBatches, model.outputs)),
      };
      records.push(r);
      fs.appendFileSync(files.metrics, JSON.stringify(r) + "\n");
      counters = { ...counters, lossSum: 0, gradSum: 0, clippedCount: 0, count: 0 };
    };
    if (counters.step === 0 && records.length === 0) {
      await record(null);
      save();
    }
    const total = c.schedule.iterations;
    let trainSeconds = 0;
    let timed = 0;
    let diverged: string | null = null;
    let ranThisCall = 0;
    o.onProgress?.(counters.step, total, records.at(-1) ?? null);
    while (counters.step < total) {
      if (o.stopAfter !== undefined && ranThisCall >= o.stopAfter) break;
      const t = counters.step;
      const lr = learningRateAt(c.schedule, t);
      const batch = toyBatch(c.task, c.batchSize, c.seed, t + 1);
      const t0 = performance.now();
      const { loss, gradNorm } = await trainer.step(batch, {
        learningRate: lr,
        step: t + 1,
        ...(c.clipNorm !== null ? { clipNorm: c.clipNorm } : {}),
        dropoutRng: makeRng(streamSeed(c.seed ^ 0xd209, t)),
      });
      trainSeconds += (performance.now() - t0) / 1000;
      timed++;
      ranThisCall++;
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
        diverged = `the ${Number.isFinite(loss) ? "gradient norm" : "loss"} became ${Number.isFinite(loss) ? gradNorm : loss} at step ${t + 1} (learning rate ${lr.toPrecision(3)}); stopped, keeping the last good checkpoint (step ${lastSaved ?? "none"})`;
        break;
      }
      counters = {
        ...counters,
        step: t + 1,
        lossSum: counters.lossSum + loss,
        gradSum: counters.gradSum + gradNorm,
        clippedCount: counters.clippedCount + (c.clipNorm !== null && gradNorm > c.clipNorm ? 1 : 0),
        count: counters.count + 1,
      };
      if (counters.step % c.evalEvery === 0 || counters.step === total) await record(lr);
      if (counters.step % c.checkpointEvery === 0 || counters.step === total) save();
      o.onProgress?.(counters.step, total, records.at(-1) ?? null);
    }
    const summary: PretrainSummary = {
      status: diverged ? "diverged" : "done",
      steps: counters.step,
      initial: records[0]!,
      final: records.at(-1)!,
      trainSeconds,
      stepsPerSecond: timed > 0 ? timed / trainSeconds : 0,
      ...(diverged ? { message: diverged } : {}),
    };
    if (diverged || counters.step === total) writeFileAtomic(files.summary, JSON.stringify(summary, null, 2) + "\n");
    return summary;
  } finally {
    trainer.dispose();
  }
}
