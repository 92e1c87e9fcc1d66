// One training step as one graph: a model description's forward pass, a loss, its gradient
// (grad.ts), global-norm clipping that also reports the norm before clipping, and an optimiser
// update, all as graph fragments, emitted as one ONNX model. Parameters and optimiser state go in
// and their updated values come out (`name.out`), to be fed back next step; the step number and
// the learning rate are inputs, so one session serves a whole schedule.
//
// Losses: cross-entropy at one answer position (the Tracr fine-tuning of the compiled models) or
// next-token cross-entropy at every position with ignored targets (-1; pretraining).
// Optimisers: SGD with momentum (vel' = μ·vel + g, p' = p − lr·vel', as torch.optim.SGD) and
// AdamW with bias correction (torch.optim.AdamW: p ← p·(1 − lr·λ) for the decay group, then the
// Adam step), weight decay on the parameters a description marks (minGPT's groups).
import { UsageError } from "../../compiler/language/diagnostics.js";
import { grad } from "./grad.js";
import { Graph, type FloatType, type Tensor } from "./graph.js";
import { paramInputs, rowsAt, type ModelDescription, type ParamTensors } from "../models/model.js";

export type LossSpec = { readonly kind: "answer"; readonly position: number } | { readonly kind: "nextToken" };

export type OptimizerSpec =
  | { readonly kind: "sgd" }
  | { readonly kind: "adamw"; readonly beta1: number; readonly beta2: number; readonly eps: number; readonly weightDecay: number };

/** minGPT's AdamW settings (trainer.py defaults: betas (0.9, 0.95), weight decay 0.1). */
export const MINGPT_ADAMW: OptimizerSpec = { kind: "adamw", beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };

export const STEP_IO = {
  ids: "ids",
  labels: "labels",
  targets: "targets",
  lr: "lr",
  momentum: "momentum",
  step: "step",
  clip: "clip",
  loss: "loss",
  gradNorm: "grad_norm",
  logits: "logits",
} as const;

export const outName = (name: string): string => `${name}.out`;
export const gradName = (name: string): string => `${name}.grad`;
export const stateName = (name: string, slot: string): string => `${name}.${slot}`;
export const dropoutName = (site: string): string => `dropout.${site}`;

/** The optimiser state tensors each parameter carries. */
export function optimizerSlots(o: OptimizerSpec): readonly string[] {
  return o.kind === "sgd" ? ["vel"] : ["m", "v"];
}

export function checkOptimizer(o: OptimizerSpec, where = "optimizer"): void {
  const kind = (o as { kind: unknown }).kind;
  if (kind !== "sgd" && kind !== "adamw") throw new UsageError(`${where}: unknown optimizer ${JSON.stringify(kind)}; use "sgd" or "adamw"`);
  if (o.kind === "adamw") {
    for (const key of ["beta1", "beta2"] as const) if (!(o[key] >= 0 && o[key] < 1)) throw new UsageError(`${where}: ${key} must be in [0, 1), got ${o[key]}`);
    if (!(o.eps > 0)) throw new UsageError(`${where}: eps must be positive, got ${o.eps}`);
    if (!(o.weightDecay >= 0)) throw new UsageError(`${where}: weightDecay must be non-negative, got ${o.weightDecay}`);
  }
}

export interface StepShape {
  readonly batch: number;
  readonly seqLen: number;
}

export interface StepSpec extends StepShape {
  readonly model: ModelDescription;
  readonly loss: LossSpec;
  readonly optimizer: OptimizerSpec;
  /** Added to the norm in the clip coefficient clip/(‖g‖ + ε): 1e-6 in torch's clip_grad_norm_. */
  readonly clipEpsilon: number;
  /** Take dropout masks as inputs (`dropout.<site>`). */
  readonly dropout?: boolean;
  /** Also output each parameter's gradient before clipping (`name.grad`), for checks. */
  readonly emitGradients?: boolean;
  readonly float?: FloatType;
}

/** The ids input and the loss of a batch (its labels or targets are inputs too). */
export function lossOf(g: Graph, m: ModelDescription, p: ParamTensors, shape: StepShape, loss: LossSpec, dropout: boolean): { loss: Tensor; dropoutSites: Map<string, Tensor> } {
  const { batch: B, seqLen: T } = shape;
  if (T > m.maxSeqLen) throw new UsageError(`sequences of ${T} positions exceed the model's ${m.maxSeqLen}`);
  const ids = g.input(STEP_IO.ids, [B, T], "int64");
  const dropoutSites = new Map<string, Tensor>();
  const { final } = m.forward(g, p, ids, dropout ? { dropoutMask: (site, s) => {
    const t = g.input(dropoutName(site), s);
    dropoutSites.set(site, t);
    return t;
  } } : {});
  if (loss.kind === "answer") {
    if (!(Number.isInteger(loss.position) && loss.position >= 0 && loss.position < T)) throw new UsageError(`answer position ${loss.position} is outside sequences of ${T} positions`);
    const labels = g.input(STEP_IO.labels, [B], "int64");
    return { loss: g.crossEntropy(m.head(g, p, rowsAt(g, final, B, T, loss.position)), labels), dropoutSites };
  }
  const targets = g.input(STEP_IO.targets, [B, T], "int64");
  return { loss: g.crossEntropy(m.head(g, p, final), g.reshape(targets, [B * T]), -1), dropoutSites };
}

/** ‖g‖ over all gradients together, and the gradients scaled by min(1, clip/(‖g‖ + ε)). */
function clipByGlobalNorm(g: Graph, grads: readonly Tensor[], clip: Tensor, eps: number): { norm: Tensor; clipped: Tensor[] } {
  const norm = g.sqrt(g.sum(grads.map((t) => g.sumSquares(t))));
  const scale = g.min(g.scalar(1), g.div(clip, g.add(norm, g.scalar(eps))));
  return { norm, clipped: grads.map((t) => g.mul(t, scale)) };
}

export interface BuiltStep {
  readonly graph: Graph;
  readonly outputs: Record<string, Tensor>;
  /** Dropout sites and their mask shapes, in input order. */
  readonly dropoutSites: ReadonlyMap<string, readonly number[]>;
}

export function buildTrainStep(spec: StepSpec): BuiltStep {
  checkOptimizer(spec.optimizer);
  const g = new Graph(spec.float ?? "float32");
  const m = spec.model;
  const p = paramInputs(g, m);
  const slots = optimizerSlots(spec.optimizer);
  const state = new Map(m.params.map((s) => [s.name, slots.map((slot) => g.input(stateName(s.name, slot), s.shape))]));
  const lr = g.input(STEP_IO.lr, []);
  const clip = g.input(STEP_IO.clip, []);
  const { loss, dropoutSites } = lossOf(g, m, p, spec, spec.loss, spec.dropout ?? false);
  const params = m.params.map((s) => p.get(s.name)!);
  const grads = grad(g, loss, params);
  const { norm, clipped } = clipByGlobalNorm(g, grads, clip, spec.clipEpsilon);
  const outputs: Record<string, Tensor> = { [STEP_IO.loss]: loss, [STEP_IO.gradNorm]: norm };
  if (spec.emitGradients) m.params.forEach((s, i) => (outputs[gradName(s.name)] = grads[i]!));
  const o = spec.optimizer;
  if (o.kind === "sgd") {
    const mu = g.input(STEP_IO.momentum, []);
    m.params.forEach((s, i) => {
      const vel = g.add(g.mul(mu, state.get(s.name)![0]!), clipped[i]!);
      outputs[outName(stateName(s.name, "vel"))] = vel;
      outputs[outName(s.name)] = g.sub(params[i]!, g.mul(lr, vel));
    });
  } else {
    const t = g.input(STEP_IO.step, []);
    // Bias corrections 1 − β^t, with t the 1-based step number fed in.
    const pow = (beta: number) => g.exp(g.mul(t, g.scalar(Math.log(beta))));
    const bc1 = g.sub(g.scalar(1), pow(o.beta1));
    const sqrtBc2 = g.sqrt(g.sub(g.scalar(1), pow(o.beta2)));
    const stepSize = g.div(lr, bc1);
    const decay = g.sub(g.scalar(1), g.mul(lr, g.scalar(o.weightDecay)));
    m.params.forEach((s, i) => {
      const [m0, v0] = state.get(s.name)! as [Tensor, Tensor];
      const gi = clipped[i]!;
      const m1 = g.add(g.mul(g.scalar(o.beta1), m0), g.mul(g.scalar(1 - o.beta1), gi));
      const v1 = g.add(g.mul(g.scalar(o.beta2), v0), g.mul(g.scalar(1 - o.beta2), g.mul(gi, gi)));
      const denom = g.add(g.div(g.sqrt(v1), sqrtBc2), g.scalar(o.eps));
      const decayed = s.decay && o.weightDecay > 0 ? g.mul(params[i]!, decay) : params[i]!;
      outputs[outName(stateName(s.name, "m"))] = m1;
      outputs[outName(stateName(s.name, "v"))] = v1;
      outputs[outName(s.name)] = g.sub(decayed, g.mul(stepSize, g.div(m1, denom)));
    });
  }
  return { graph: g, outputs, dropoutSites: new Map([...dropoutSites].map(([k, v]) => [k, v.shape])) };
}

/** Logits with the parameters as inputs: at one position ([B, outputs]) or at every position ([B·T, outputs]). */
export function buildLogits(model: ModelDescription, shape: StepShape, position: number | null, float: FloatType = "float32"): BuiltStep {
  const g = new Graph(float);
  const p = paramInputs(g, model);
  const ids = g.input(STEP_IO.ids, [shape.batch, shape.seqLen], "int64");
  const { final } = model.forward(g, p, ids);
  const rows = position === null ? final : rowsAt(g, final, shape.batch, shape.seqLen, position);
  return { graph: g, outputs: { [STEP_IO.logits]: model.head(g, p, rows) }, dropoutSites: new Map() };
}
