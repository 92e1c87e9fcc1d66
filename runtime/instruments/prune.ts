// Pruning by saliency, Algorithm 3 of Jain et al. 2023 (section 3.1, appendix F): one forward of
// the model on inputs of the pretraining task, the cross-entropy against the true O_PT answer at the
// answer position, one gradient, and the saliency of each weight w_i as grad(w_i)·w_i, signed;
// zeroing the K most salient weights is the pruning. −grad(w_i)·w_i is the first-order change of
// the loss when w_i is set to zero, so the top of the ranking is what most lowers the O_PT loss: on
// a fine-tuned model, the "wrapper" whose removal revives the pretraining capability.
//
// Granularity: single weights (the paper's Tracr setting) or neurons (its PCFG setting): an output
// unit of a linear layer, which in this project's [in, out] layout is a column of a matrix, scored
// by the sum of its entries' saliencies (the first-order change of zeroing the whole column).
// Which tensors are eligible is the caller's choice. The gradient is the autodiff engine's
// (runtime/autodiff/grad.ts) on the model description's own forward with the weights as inputs, so
// any model the instruments load can be pruned; a float64 graph serves the finite-difference tests.
import { UsageError } from "../../compiler/language/diagnostics.js";
import { closestName } from "../../compiler/common/closestName.js";
import { atomEquals, formatAtom, type Atom } from "../../compiler/rasp/values.js";
import { grad } from "../autodiff/grad.js";
import { Graph, type FloatType, type Tensor } from "../autodiff/graph.js";
import { openSession, ortTensor, type Ort, type OrtSession } from "../autodiff/onnx.js";
import { lossOf, STEP_IO } from "../autodiff/step.js";
import { paramInputs } from "../models/model.js";
import type { Sample, TaskSpec } from "../tasks/data.js";
import { confuse, predictedHistogram, type Confusions } from "../train/confusion.js";
import type { Accuracies } from "../train/loop.js";
import { sizeOf } from "../train/params.js";
import { MODEL_ANSWER_POSITION, TaskEncoder } from "../train/taskBatches.js";
import type { TestSamples } from "../train/testSets.js";
import { argmaxAt, runHooked, withParams, type HookedModel } from "./hookedModel.js";

export type Granularity = "weight" | "neuron";

/** One prunable unit: an entry of a tensor (weight) or a column of a matrix (neuron). */
export interface PruneUnit {
  readonly param: string;
  /** Flat row-major index (weight) or column (neuron). */
  readonly index: number;
  /** grad·weight (summed over the column for a neuron). */
  readonly score: number;
  /** A single weight's value and gradient (absent for a neuron). */
  readonly weight?: number;
  readonly grad?: number;
}

export interface Ranking {
  readonly granularity: Granularity;
  /** Every eligible unit, most salient first (ties: tensor order, then index). */
  readonly units: readonly PruneUnit[];
  /** The O_PT loss the gradient was taken at. */
  readonly loss: number;
  readonly params: readonly string[];
  /** How many samples the loss averaged. */
  readonly samples: number;
}

// ---------------------------------------------------------------------------------------------
// Eligible tensors

const globToRegExp = (pattern: string) => new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);

/**
 * The tensors pruning may touch: those `include` names (all by default; `*` matches any run of
 * characters, e.g. `l*.w2`), less those `exclude` names. Neurons are columns, so only matrices are
 * eligible at that granularity. Names that match nothing are refused with the list of names.
 */
export function eligibleParams(m: HookedModel, granularity: Granularity, include: readonly string[] | null, exclude: readonly string[] = []): string[] {
  const all = m.description.params.filter((s) => granularity === "weight" || s.shape.length === 2).map((s) => s.name);
  const every = m.description.params.map((s) => s.name);
  const match = (patterns: readonly string[], what: string): Set<string> => {
    const out = new Set<string>();
    for (const p of patterns) {
      const re = globToRegExp(p);
      const hits = all.filter((n) => re.test(n));
      if (hits.length === 0) {
        if (every.includes(p)) throw new UsageError(`${what} ${p}: a vector; neurons are columns of matrices, and ${m.label}'s matrices are ${all.join(", ")}`);
        const hint = closestName(p, all);
        throw new UsageError(`${what} ${p}: no such tensor in ${m.label}${hint ? ` (did you mean ${hint}?)` : ""}; its tensors are ${all.join(", ")}`);
      }
      hits.forEach((h) => out.add(h));
    }
    return out;
  };
  const chosen = include === null ? new Set(all) : match(include, "--params");
  const dropped = match(exclude, "--exclude");
  const names = all.filter((n) => chosen.has(n) && !dropped.has(n));
  if (names.length === 0) throw new UsageError(`no tensor of ${m.label} is left to prune (--params and --exclude leave none)`);
  return names;
}

/** How many units `names` hold at a granularity. */
export function unitCount(m: HookedModel, names: readonly string[], granularity: Granularity): number {
  const shapes = new Map(m.description.params.map((s) => [s.name, s.shape]));
  return names.reduce((n, name) => {
    const shape = shapes.get(name)!;
    return n + (granularity === "weight" ? sizeOf(shape) : shape[1]!);
  }, 0);
}

// ---------------------------------------------------------------------------------------------
// The loss and its gradient

export interface PruneBatch {
  /** [BOS, tokens...] rows of one length. */
  readonly ids: readonly (readonly number[])[];
  /** The true O_PT answer's output column, per row. */
  readonly labels: readonly number[];
}

/** Samples of the task as a batch with their O_PT answers. */
export function pruneBatch(m: HookedModel, samples: readonly Sample[]): PruneBatch {
  const encoder = new TaskEncoder(m.model);
  return { ids: samples.map((s, i) => m.encode(s.tokens, `sample ${i}`)), labels: samples.map((s) => encoder.column(s.labelPt)) };
}

/**
 * Mean cross-entropy at the answer position and its gradient with respect to chosen tensors, as one
 * ONNX session; any weights can be fed, so the finite-difference tests reuse it.
 */
export class LossGradient {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly model: HookedModel,
    readonly names: readonly string[],
    readonly float: FloatType,
    private readonly batch: PruneBatch,
  ) {}

  static async open(m: HookedModel, batch: PruneBatch, names: readonly string[], float: FloatType = "float32", position = MODEL_ANSWER_POSITION): Promise<LossGradient> {
    const B = batch.ids.length;
    if (B === 0) throw new UsageError("pruning needs at least one sample");
    const T = batch.ids[0]!.length;
    const g = new Graph(float);
    const p = paramInputs(g, m.description);
    const { loss } = lossOf(g, m.description, p, { batch: B, seqLen: T }, { kind: "answer", position }, false);
    const grads = grad(g, loss, names.map((n) => p.get(n)!));
    const outputs: Record<string, Tensor> = { loss };
    names.forEach((n, i) => (outputs[`grad:${n}`] = grads[i]!));
    const { ort, session } = await openSession(g, outputs);
    return new LossGradient(ort, session, m, names, float, batch);
  }

  /** The loss and gradients at `params` (the model's own where absent). */
  async evaluate(params: ReadonlyMap<string, ArrayLike<number>> = new Map()): Promise<{ loss: number; grads: Map<string, Float64Array> }> {
    const feeds: Record<string, ReturnType<typeof ortTensor>> = {};
    for (const s of this.model.description.params) feeds[s.name] = ortTensor(this.ort, this.float, params.get(s.name) ?? this.model.params.get(s.name)!, s.shape);
    feeds[STEP_IO.ids] = ortTensor(this.ort, "int64", this.batch.ids.flat(), [this.batch.ids.length, this.batch.ids[0]!.length]);
    feeds[STEP_IO.labels] = ortTensor(this.ort, "int64", this.batch.labels, [this.batch.labels.length]);
    const out = await this.session.run(feeds);
    const grads = new Map(this.names.map((n) => [n, Float64Array.from(out[`grad:${n}`]!.data as ArrayLike<number>)]));
    return { loss: Number((out.loss!.data as ArrayLike<number>)[0]), grads };
  }

  release(): void {
    void this.session.release();
  }
}

/** grad·weight per unit, most salient first. */
export function rankUnits(m: HookedModel, names: readonly string[], grads: ReadonlyMap<string, ArrayLike<number>>, granularity: Granularity): PruneUnit[] {
  const units: PruneUnit[] = [];
  const shapes = new Map(m.description.params.map((s) => [s.name, s.shape]));
  for (const name of names) {
    const w = m.params.get(name)!;
    const gr = grads.get(name)!;
    if (granularity === "weight") {
      for (let i = 0; i < w.length; i++) units.push({ param: name, index: i, score: gr[i]! * w[i]!, weight: w[i]!, grad: gr[i]! });
    } else {
      const cols = shapes.get(name)![1]!;
      const scores = new Float64Array(cols);
      for (let i = 0; i < w.length; i++) scores[i % cols] = scores[i % cols]! + gr[i]! * w[i]!;
      scores.forEach((score, index) => units.push({ param: name, index, score }));
    }
  }
  // A stable sort keeps tensor order and index order among equal scores.
  return units.sort((a, b) => b.score - a.score);
}

/** Algorithm 3's ranking: one gradient of the O_PT loss on `batch`. */
export async function saliencyRanking(m: HookedModel, batch: PruneBatch, names: readonly string[], granularity: Granularity, float: FloatType = "float32"): Promise<Ranking> {
  const lg = await LossGradient.open(m, batch, names, float);
  try {
    const { loss, grads } = await lg.evaluate();
    return { granularity, units: rankUnits(m, names, grads, granularity), loss, params: names, samples: batch.ids.length };
  } finally {
    lg.release();
  }
}

/** The weights with `units` zeroed (entries, or whole columns for neurons). */
export function zeroUnits(m: HookedModel, units: readonly PruneUnit[], granularity: Granularity): Map<string, Float32Array> {
  const shapes = new Map(m.description.params.map((s) => [s.name, s.shape]));
  const out = new Map<string, Float32Array>();
  for (const u of units) {
    let t = out.get(u.param);
    if (!t) out.set(u.param, (t = m.params.get(u.param)!.slice()));
    if (granularity === "weight") t[u.index] = 0;
    else {
      const [rows, cols] = shapes.get(u.param)! as [number, number];
      for (let r = 0; r < rows; r++) t[r * cols + u.index] = 0;
    }
  }
  return out;
}

/** The model with the first `k` units of the ranking zeroed. */
export function pruned(m: HookedModel, ranking: Ranking, k: number): HookedModel {
  if (k > ranking.units.length) throw new UsageError(`cannot prune ${k} ${unitName(ranking.granularity)}s: ${m.label} has ${ranking.units.length} eligible (${ranking.params.join(", ")})`);
  return withParams(m, zeroUnits(m, ranking.units.slice(0, k), ranking.granularity), `${m.label} −${k}`);
}

export const unitName = (g: Granularity): string => (g === "weight" ? "weight" : "neuron");

// ---------------------------------------------------------------------------------------------
// Naming a unit by what its rows and columns mean

/** Row and column labels of every tensor of a compiled model: residual directions, heads, hidden units, tokens, answers. */
export function axisLabels(m: HookedModel): Map<string, { rows: string[]; cols: string[] }> {
  const model = m.model;
  const resid = [...model.residual];
  const out = new Map<string, { rows: string[]; cols: string[] }>();
  const rowsOf = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));
  out.set("tok", { rows: rowsOf(m.geometry.vocabRows, (i) => `token ${m.tokenName(i)}`), cols: resid });
  out.set("pos", { rows: rowsOf(m.geometry.positions, (i) => `position ${i}`), cols: resid });
  m.geometry.layers.forEach((layer, l) => {
    // The trained heads are the model file's heads that write something, in its order (params.ts).
    const heads = model.layers[l]!.attention.filter((h) => (h.wv[0]?.length ?? 0) > 0);
    const qk: string[] = [];
    const v: string[] = [];
    layer.heads.forEach((h, i) => {
      const label = heads[i]?.label ?? `head ${i}`;
      for (let j = 0; j < h.dHead; j++) qk.push(`${label} ${j}`);
      for (let j = 0; j < h.dValue; j++) v.push(`${label} v${j}`);
    });
    const q = qk.map((s) => s.replace(/ (\d+)$/, " q$1"));
    const k = qk.map((s) => s.replace(/ (\d+)$/, " k$1"));
    out.set(`l${l}.wq`, { rows: resid, cols: q });
    out.set(`l${l}.wk`, { rows: resid, cols: k });
    out.set(`l${l}.wv`, { rows: resid, cols: v });
    out.set(`l${l}.wo`, { rows: v, cols: resid });
    const mlp = model.layers[l]!.mlp;
    const hidden = rowsOf(layer.hidden, (i) => {
      const parts = mlp?.parts ?? [];
      const part = parts.length > 1 ? parts.find((p) => i >= p.hiddenStart && i < p.hiddenEnd) : undefined;
      return part ? `hidden ${i} (${part.label})` : `hidden ${i}`;
    });
    out.set(`l${l}.w1`, { rows: resid, cols: hidden });
    out.set(`l${l}.b1`, { rows: [], cols: hidden });
    out.set(`l${l}.w2`, { rows: hidden, cols: resid });
    out.set(`l${l}.b2`, { rows: [], cols: resid });
  });
  out.set("unembed", { rows: resid, cols: model.output.values.map((v: Atom) => `answer ${formatAtom(v)}`) });
  return out;
}

/** `l1.w2[hidden 3 → count_a:2]`, `l0.b2[count_a:2]`, a neuron `l0.w1[* → hidden 3]`. */
export function describeUnit(labels: ReadonlyMap<string, { rows: string[]; cols: string[] }>, m: HookedModel, u: PruneUnit, granularity: Granularity): string {
  const spec = m.description.params.find((s) => s.name === u.param)!;
  const axes = labels.get(u.param);
  if (spec.shape.length === 1) return `${u.param}[${axes?.cols[u.index] ?? u.index}]`;
  const cols = spec.shape[1]!;
  if (granularity === "neuron") return `${u.param}[* → ${axes?.cols[u.index] ?? u.index}]`;
  const [r, c] = [Math.floor(u.index / cols), u.index % cols];
  return `${u.param}[${axes?.rows[r] ?? r} → ${axes?.cols[c] ?? c}]`;
}

/** What a unit writes to: its column's label (a residual direction, a head dimension, a hidden unit, an answer). */
export function unitOutput(labels: ReadonlyMap<string, { rows: string[]; cols: string[] }>, m: HookedModel, u: PruneUnit, granularity: Granularity): string {
  const spec = m.description.params.find((s) => s.name === u.param)!;
  const cols = labels.get(u.param)?.cols ?? [];
  const c = spec.shape.length === 1 || granularity === "neuron" ? u.index : u.index % spec.shape[1]!;
  return cols[c] ?? String(c);
}

// ---------------------------------------------------------------------------------------------
// Scoring on the lab's test sets

export interface Scored {
  readonly acc: Accuracies;
  readonly confusions: Confusions;
  /** How often each answer class was predicted, on each test set (the paper's fig. 59). */
  readonly predicted: { readonly c0: Record<string, number>; readonly c1: Record<string, number> };
}

/** Acc O_PT / O_FT on both test sets, the class confusions and the predicted-class histograms. */
export async function scoreModel(m: HookedModel, spec: TaskSpec, tests: TestSamples): Promise<Scored> {
  const encoder = new TaskEncoder(m.model);
  const answers = encoder.answers;
  const predict = async (set: readonly Sample[]): Promise<Atom[]> => {
    if (set.length === 0) return [];
    const { logits } = await runHooked(m, set.map((s, i) => m.encode(s.tokens, `test sample ${i}`)));
    return set.map((_, b) => answers[argmaxAt(logits, b, MODEL_ANSWER_POSITION)]!);
  };
  const p0 = await predict(tests.c0);
  const p1 = await predict(tests.c1);
  const confusions: Confusions = { ptC0: {}, ftC0: {}, ptC1: {}, ftC1: {} };
  confuse(spec.task, tests.c0, p0, confusions.ptC0, confusions.ftC0);
  confuse(spec.task, tests.c1, p1, confusions.ptC1, confusions.ftC1);
  const accuracy = (set: readonly Sample[], predicted: readonly Atom[], label: "labelPt" | "labelFt") =>
    set.length === 0 ? 0 : set.filter((s, i) => atomEquals(predicted[i]!, s[label])).length / set.length;
  return {
    acc: { ptC0: accuracy(tests.c0, p0, "labelPt"), ftC0: accuracy(tests.c0, p0, "labelFt"), ptC1: accuracy(tests.c1, p1, "labelPt"), ftC1: accuracy(tests.c1, p1, "labelFt") },
    confusions,
    predicted: { c0: predictedHistogram(confusions.ptC0), c1: predictedHistogram(confusions.ptC1) },
  };
}

// ---------------------------------------------------------------------------------------------
// The sweep over K

export interface PrunePoint extends Scored {
  readonly k: number;
}

export interface PruneCurve {
  readonly model: string;
  readonly ranking: Ranking;
  readonly points: readonly PrunePoint[];
}

/** One ranking, scored with the top K zeroed for every K in `ks` (ascending). */
export async function pruneCurve(m: HookedModel, ranking: Ranking, ks: readonly number[], spec: TaskSpec, tests: TestSamples, onPoint?: (done: number, total: number) => void): Promise<PruneCurve> {
  const points: PrunePoint[] = [];
  for (const k of ks) {
    points.push({ k, ...(await scoreModel(pruned(m, ranking, k), spec, tests)) });
    onPoint?.(points.length, ks.length);
  }
  return { model: m.label, ranking, points };
}
