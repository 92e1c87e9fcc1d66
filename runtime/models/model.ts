// What a model description is: the trainable tensors (names, shapes, whether AdamW decays them) and
// a forward pass written once on the tensor graph of runtime/autodiff. Every graph a model takes
// part in (inference with hooks, ONNX export, training steps with any loss and optimiser) is built
// from these two things, so there is one transformer in the code, not one per engine.
import type { Graph, Shape, Tensor } from "../autodiff/graph.js";

export interface ParamSpec {
  readonly name: string;
  readonly shape: Shape;
  /** In AdamW's weight-decay group (minGPT decays the weights of linear layers only). */
  readonly decay: boolean;
}

/** Graph tensors of the parameters, by name. */
export type ParamTensors = ReadonlyMap<string, Tensor>;

export interface ForwardOptions {
  /**
   * Called at every hook point (TransformerLens names) with the activation there; a tensor it
   * returns replaces the activation downstream (activation patching, overrides fed as inputs).
   */
  readonly hook?: (name: string, t: Tensor) => Tensor | undefined;
  /** Dropout masks (entries 0 or 1/(1-p)) by site name and shape; absent: no dropout. */
  readonly dropoutMask?: (site: string, shape: Shape) => Tensor;
}

export interface ForwardResult {
  /** The residual stream ready for the head, [batch·seqLen, d_model]. */
  readonly final: Tensor;
  /** Every hook point's activation (after any override). */
  readonly hooks: ReadonlyMap<string, Tensor>;
}

export interface ModelDescription {
  readonly kind: string;
  readonly params: readonly ParamSpec[];
  /** The largest sequence the position embedding covers. */
  readonly maxSeqLen: number;
  /** Token-id rows of the embedding (ids must be below this). */
  readonly vocabRows: number;
  /** Columns of the logits. */
  readonly outputs: number;
  /** ids: int64 [batch, seqLen]. */
  forward(g: Graph, p: ParamTensors, ids: Tensor, opts?: ForwardOptions): ForwardResult;
  /** Logits [rows, outputs] of residual rows [rows, d_model]. */
  head(g: Graph, p: ParamTensors, rows: Tensor): Tensor;
}

/** Declares every parameter of `m` as a graph input named after it. */
export function paramInputs(g: Graph, m: ModelDescription): Map<string, Tensor> {
  return new Map(m.params.map((s) => [s.name, g.input(s.name, s.shape)]));
}

/** Records an activation under a hook name, letting the caller replace it. */
export function hookPoint(hooks: Map<string, Tensor>, opts: ForwardOptions | undefined, name: string, t: Tensor): Tensor {
  const out = opts?.hook?.(name, t) ?? t;
  hooks.set(name, out);
  return out;
}

/** Residual rows at one position: [B·T, d] → [B, d]. */
export function rowsAt(g: Graph, final: Tensor, batch: number, seqLen: number, position: number): Tensor {
  const d = final.shape[1]!;
  return g.reshape(g.slice(g.reshape(final, [batch, seqLen, d]), 1, position, position + 1), [batch, d]);
}

export function param(p: ParamTensors, name: string): Tensor {
  const t = p.get(name);
  if (!t) throw new Error(`model: no parameter ${name}`);
  return t;
}
