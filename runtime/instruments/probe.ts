// Linear probes (Jain et al. 2023, appendix F; fig. 10): is a quantity the pretrained program
// computes still linearly readable from a model's residual stream? For each block (the embedding,
// blocks.0.hook_resid_pre, and every blocks.{l}.hook_resid_post) a linear layer is trained on the
// stream at one position (the answer position by default) to predict a target of the task (for
// Counter the count of a token, for Max-identifier the token of a rank), on freshly sampled task
// data, and scored on held-out samples beside the majority class.
//
// The paper's schedule: AdamW, 4K iterations, learning rate 1e-3 divided by 10 at 2K, 3K and 3.5K.
// Its batch size, AdamW settings and initialisation are not given; ours are torch's defaults
// (betas 0.9/0.999, eps 1e-8, weight decay 0.01; nn.Linear's U(±1/√width) initialisation) and the
// fine-tuning batch of 96. Milestones scale with the iteration count unless given.
//
// The model runs on onnxruntime through runHooked (hookedModel.ts); the probe is a model description
// of its own (a linear layer whose input is the activations, declared by its forward) trained by
// GraphTrainer's AdamW step, so its gradient is the autodiff engine's like every other.
import { UsageError } from "../../compiler/language/diagnostics.js";
import { closestName } from "../../compiler/common/closestName.js";
import { atomEquals } from "../../compiler/rasp/values.js";
import { hookNames } from "../../compiler/model/hooks.js";
import type { Graph, Tensor } from "../autodiff/graph.js";
import type { OptimizerSpec } from "../autodiff/step.js";
import { loadOrt } from "../forward/ortForward.js";
import { param, type ModelDescription, type ParamTensors } from "../models/model.js";
import { makeRng, type Rng } from "../random.js";
import { COUNTER_VOCAB, makeDataset, readOut, vocabOf, type Sample, type TaskSpec } from "../tasks/data.js";
import { GraphTrainer } from "../train/graphTrainer.js";
import { MODEL_ANSWER_POSITION, streamSeed } from "../train/taskBatches.js";
import { runHooked, type HookedModel } from "./hookedModel.js";

// ---------------------------------------------------------------------------------------------
// Targets

export type Answer = string | number;

export interface ProbeTarget {
  /** `count_a`, `rank_5`. */
  readonly name: string;
  /** For the printout: `count of a (O_PT)`. */
  readonly description: string;
  /** The classes the probe chooses among; a label is one of these. */
  readonly classes: readonly Answer[];
  labelOf(tokens: readonly string[]): Answer;
}

/**
 * Every target a task defines: for Counter the count of each token (0..length), for Max-identifier
 * the token of each rank (the rank-th smallest, what the program reads out for O = rank).
 */
export function probeTargets(spec: TaskSpec): ProbeTarget[] {
  const role = (o: Answer) => (o === spec.oPt ? " (O_PT)" : o === spec.oFt ? " (O_FT)" : "");
  if (spec.task === "counter") {
    const counts = Array.from({ length: spec.length + 1 }, (_, n) => n);
    return COUNTER_VOCAB.map((t) => ({ name: `count_${t}`, description: `count of ${t}${role(t)}`, classes: counts, labelOf: (tokens) => readOut(spec, tokens, t) }));
  }
  return Array.from({ length: spec.length }, (_, i) => i + 1).map((rank) => ({
    name: `rank_${rank}`,
    description: `the token of rank ${rank}${role(rank)}`,
    classes: vocabOf(spec.task),
    labelOf: (tokens) => readOut(spec, tokens, rank),
  }));
}

/** A target by name (`pt` and `ft` name the task's O_PT and O_FT targets); one line listing the valid ones otherwise. */
export function probeTarget(spec: TaskSpec, name: string): ProbeTarget {
  const all = probeTargets(spec);
  const alias = name === "pt" ? spec.oPt : name === "ft" ? spec.oFt : null;
  const wanted = alias === null ? name : spec.task === "counter" ? `count_${alias}` : `rank_${alias}`;
  const found = all.find((t) => t.name === wanted);
  if (found) return found;
  const hint = closestName(name, all.map((t) => t.name));
  throw new UsageError(`--target ${name}: not a target of the ${spec.task} task${hint ? ` (did you mean ${hint}?)` : ""}; its targets are ${all.map((t) => t.name).join(", ")} (and pt, ft for O_PT = ${String(spec.oPt)}, O_FT = ${String(spec.oFt)})`);
}

// ---------------------------------------------------------------------------------------------
// The probe as a model description

/** The graph input the probes' forward reads their activations from. */
export const PROBE_FEATURES = "probe.features";

/**
 * `count` independent linear layers `x_p·w_p + b_p` from `width` activations to `classes` logits,
 * trained as one model so that one session run steps them all. The input rows are probe-major
 * ([count·batch, width]: probe p's batch is rows p·batch ..), and so are the labels. The mean
 * cross-entropy over all rows is (1/count)·Σ_p CE_p, so each probe's gradient is its own divided by
 * `count`; AdamW's step is blind to that factor once eps is divided by it too (stackedAdamW). The
 * probes take no tokens: the forward declares the activations as a float input (GraphTrainer's
 * `inputs`), and the token ids the training step declares are one dummy column.
 */
export function linearProbes(count: number, width: number, classes: number): ModelDescription {
  return {
    kind: "linear-probes",
    // torch.optim.AdamW decays every parameter it is given, bias included.
    params: [
      { name: "probe.w", shape: [count, width, classes], decay: true },
      { name: "probe.b", shape: [count, 1, classes], decay: true },
    ],
    maxSeqLen: 1,
    vocabRows: 1,
    outputs: classes,
    forward(g: Graph, _p: ParamTensors, ids: Tensor) {
      return { final: g.input(PROBE_FEATURES, [ids.shape[0]!, width]), hooks: new Map() };
    },
    head(g: Graph, p: ParamTensors, rows: Tensor) {
      const batch = rows.shape[0]! / count;
      const logits = g.add(g.matmul(g.reshape(rows, [count, batch, width]), param(p, "probe.w")), param(p, "probe.b"));
      return g.reshape(logits, [count * batch, classes]);
    },
  };
}

/** The AdamW of one probe for `count` probes trained as one (see linearProbes). */
export function stackedAdamW(o: OptimizerSpec, count: number): OptimizerSpec {
  return o.kind === "adamw" ? { ...o, eps: o.eps / count } : o;
}

// ---------------------------------------------------------------------------------------------
// Settings

export interface ProbeSettings {
  readonly iterations: number;
  readonly learningRate: number;
  /** Iterations at which the learning rate is multiplied by `gamma` (torch's MultiStepLR). */
  readonly milestones: readonly number[];
  readonly gamma: number;
  readonly batchSize: number;
  readonly seed: number;
  /** Held-out samples the accuracy is measured on. */
  readonly testSamples: number;
  /** Model position (BOS = 0) whose residual stream is read. */
  readonly position: number;
  /** Fraction of the probe's training and held-out samples with the spurious correlation (fig. 10: C_Te = 0). */
  readonly correlated: number;
  readonly optimizer: OptimizerSpec;
}

/** The paper's iteration count, learning rate and decay points (as fractions of the iterations: 2K, 3K, 3.5K of 4K). */
export const PAPER_PROBE = { iterations: 4000, learningRate: 1e-3, milestoneFractions: [0.5, 0.75, 0.875], gamma: 0.1 } as const;
/** torch.optim.AdamW's defaults. */
export const TORCH_ADAMW: OptimizerSpec = { kind: "adamw", beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

export function defaultProbeSettings(over: Partial<ProbeSettings> = {}): ProbeSettings {
  const iterations = over.iterations ?? PAPER_PROBE.iterations;
  return {
    iterations,
    learningRate: PAPER_PROBE.learningRate,
    milestones: PAPER_PROBE.milestoneFractions.map((f) => Math.round(f * iterations)),
    gamma: PAPER_PROBE.gamma,
    batchSize: 96,
    seed: 0,
    testSamples: 2000,
    position: MODEL_ANSWER_POSITION,
    correlated: 0,
    optimizer: TORCH_ADAMW,
    ...over,
  };
}

/** The learning rate of 0-based iteration t. */
export function probeLearningRate(s: ProbeSettings, t: number): number {
  return s.learningRate * s.gamma ** s.milestones.filter((m) => m <= t).length;
}

// ---------------------------------------------------------------------------------------------
// Running

/** The streams probed: the embedding (blocks.0.hook_resid_pre) and every block's output. */
export function probeHooks(m: HookedModel): { hook: string; block: string }[] {
  return [{ hook: hookNames.residPre(0), block: "embed" }, ...m.geometry.layers.map((_, l) => ({ hook: hookNames.residPost(l), block: `block ${l}` }))];
}

export interface BlockAccuracy {
  readonly hook: string;
  /** `embed`, `block 0`, ... */
  readonly block: string;
  /** Held-out accuracy. */
  readonly accuracy: number;
  /** Mean cross-entropy on the held-out samples. */
  readonly testLoss: number;
  /** Per true class: [right, of] on the held-out samples. */
  readonly perClass: Readonly<Record<string, readonly [number, number]>>;
}

export interface ProbeResult {
  readonly model: string;
  readonly target: string;
  readonly description: string;
  readonly blocks: readonly BlockAccuracy[];
  /** The most frequent held-out label and how often it occurs. */
  readonly majority: { readonly answer: Answer; readonly accuracy: number };
  readonly testSamples: number;
  /** The training loss over the last tenth of the iterations, averaged over every probe of the call. */
  readonly trainLoss: number;
}

/** Residual rows of the probed hooks at one position: one [n, width] array per hook. */
async function features(m: HookedModel, samples: readonly Sample[], hooks: readonly string[], position: number): Promise<Float32Array[]> {
  const run = await runHooked(m, samples.map((s, i) => m.encode(s.tokens, `probe sample ${i}`)), { hooks });
  return hooks.map((h) => {
    const t = run.hooks.get(h)!;
    const [B, T, w] = t.shape as [number, number, number];
    const out = new Float32Array(B * w);
    for (let b = 0; b < B; b++) out.set(t.data.subarray((b * T + position) * w, (b * T + position + 1) * w), b * w);
    return out;
  });
}

const classIndex = (target: ProbeTarget, label: Answer): number => target.classes.findIndex((c) => atomEquals(c, label));

/** nn.Linear's initialisation: U(−1/√width, 1/√width) for weights and bias. */
function initialProbe(width: number, classes: number, rng: Rng): Float32Array[] {
  const bound = 1 / Math.sqrt(width);
  const draw = (n: number) => Float32Array.from({ length: n }, () => (2 * rng.next() - 1) * bound);
  return [draw(width * classes), draw(classes)];
}

/** Samples per runHooked call while training: whole batches, a few thousand rows. */
const CHUNK_ROWS = 4096;

/**
 * Trains one probe per (target, probed stream) on `m` and scores it on held-out samples. All
 * probes of a model see the same samples: each chunk of fresh data runs through the model once.
 */
export async function probeModel(m: HookedModel, spec: TaskSpec, targets: readonly ProbeTarget[], s: ProbeSettings, onProgress?: (done: number, total: number) => void): Promise<ProbeResult[]> {
  if (!(s.position >= 0 && s.position <= spec.length)) throw new UsageError(`--position ${s.position}: the task's sequences have positions 0 (BOS) to ${spec.length}`);
  const hooks = probeHooks(m);
  const width = m.geometry.dModel;
  const ort = await loadOrt();
  // One probe per (target, stream), probe-major in that order. A target's classes are its task's
  // (every Counter count has 0..length, every rank the vocabulary), so they share one width.
  const classes = targets[0]!.classes.length;
  if (targets.some((t) => t.classes.length !== classes)) throw new Error("probeModel: targets of one call must share their classes");
  const P = targets.length * hooks.length;
  const init = targets.flatMap((target) =>
    // Seeded by the target's name and the stream, so a probe starts the same whichever others run beside it.
    hooks.map((_, h) => initialProbe(width, classes, makeRng(streamSeed(streamSeed(s.seed, 0x9b0 + h), nameHash(target.name))))),
  );
  const params = [concat(init.map((p) => p[0]!)), concat(init.map((p) => p[1]!))];
  const trainer = new GraphTrainer(ort, {
    model: linearProbes(P, width, classes),
    optimizer: stackedAdamW(s.optimizer, P),
    loss: { kind: "answer", position: 0 },
    initial: { params, slots: { m: params.map((p) => new Float32Array(p.length)), v: params.map((p) => new Float32Array(p.length)) } },
    clipEpsilon: 1e-6,
  });
  try {
    const B = s.batchSize;
    const perChunk = Math.max(1, Math.floor(CHUNK_ROWS / B));
    const dataRng = makeRng(streamSeed(s.seed, 0x9b1));
    const ids = new Int32Array(P * B);
    const inputs = new Float32Array(P * B * width);
    const labels = new Int32Array(P * B);
    const lossTail: number[] = [];
    const tail = Math.max(1, Math.ceil(s.iterations / 10));
    let chunk: { feats: Float32Array[]; labels: Int32Array[] } | null = null;
    for (let t = 0; t < s.iterations; t++) {
      const row = (t % perChunk) * B;
      if (row === 0) {
        const samples = makeDataset(spec, perChunk * B, s.correlated, dataRng);
        chunk = { feats: await features(m, samples, hooks.map((h) => h.hook), s.position), labels: targets.map((tg) => Int32Array.from(samples, (x) => classIndex(tg, tg.labelOf(x.tokens)))) };
      }
      targets.forEach((_, i) =>
        hooks.forEach((_, h) => {
          const p = i * hooks.length + h;
          inputs.set(chunk!.feats[h]!.subarray(row * width, (row + B) * width), p * B * width);
          labels.set(chunk!.labels[i]!.subarray(row, row + B), p * B);
        }),
      );
      const out = await trainer.step({ batch: P * B, seqLen: 1, ids, labels, inputs: { [PROBE_FEATURES]: { data: inputs, shape: [P * B, width] } } }, { learningRate: probeLearningRate(s, t), step: t + 1 });
      // The mean over probes; each probe's own loss is reported from the held-out set below.
      if (t >= s.iterations - tail) lossTail.push(out.loss);
      onProgress?.(t + 1, s.iterations);
    }
    // Held-out samples from a stream of their own.
    const test = makeDataset(spec, s.testSamples, s.correlated, makeRng(streamSeed(s.seed, 0x9b2)));
    const N = test.length;
    const testFeats = await features(m, test, hooks.map((h) => h.hook), s.position);
    const stacked = new Float32Array(P * N * width);
    targets.forEach((_, i) => hooks.forEach((_, h) => stacked.set(testFeats[h]!, (i * hooks.length + h) * N * width)));
    const logits = await trainer.logits({ batch: P * N, seqLen: 1, ids: new Int32Array(P * N), inputs: { [PROBE_FEATURES]: { data: stacked, shape: [P * N, width] } } }, 0);
    const trainLoss = lossTail.reduce((a, b) => a + b, 0) / Math.max(1, lossTail.length);
    return targets.map((target, i) => {
      const truth = test.map((x) => classIndex(target, target.labelOf(x.tokens)));
      const blocks = hooks.map((hook, h): BlockAccuracy => {
        const at = (i * hooks.length + h) * N;
        let right = 0;
        let nll = 0;
        const perClass: Record<string, [number, number]> = {};
        truth.forEach((label, b) => {
          const row = logits.subarray((at + b) * classes, (at + b + 1) * classes);
          let best = 0;
          for (let c = 1; c < classes; c++) if (row[c]! > row[best]!) best = c;
          if (best === label) right++;
          const cell = (perClass[String(target.classes[label])] ??= [0, 0]);
          cell[0] += best === label ? 1 : 0;
          cell[1]++;
          nll += logSumExp(row) - row[label]!;
        });
        return { ...hook, accuracy: right / N, testLoss: nll / N, perClass };
      });
      return { model: m.label, target: target.name, description: target.description, blocks, majority: majority(target, truth), testSamples: N, trainLoss };
    });
  } finally {
    trainer.dispose();
  }
}

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function logSumExp(row: Float32Array): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return max + Math.log(sum);
}

/** FNV-1a of a name, as a seed stream. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The most frequent label (the first class on ties) and its share. */
function majority(target: ProbeTarget, labels: readonly number[]): { answer: Answer; accuracy: number } {
  const counts = new Array<number>(target.classes.length).fill(0);
  labels.forEach((l) => counts[l]!++);
  let best = 0;
  counts.forEach((n, c) => {
    if (n > counts[best]!) best = c;
  });
  return { answer: target.classes[best]!, accuracy: labels.length === 0 ? 0 : counts[best]! / labels.length };
}
