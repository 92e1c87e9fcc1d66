// The compiled model: a plain transformer whose every weight is labelled by what it means. This is
// the in-memory shape and, as JSON, the model file (schema in model.schema.json).
//
// Forward pass (what every engine must compute, exactly this and nothing more):
//   input ids = [BOS, t_1 .. t_n, PAD ...]; position p gets positionEmbedding[p]
//   x = tokenEmbedding[id] + positionEmbedding[p]                        (residual, width dModel)
//   for each layer:
//     attention (if present): for each head, with keys at PAD positions masked out,
//       scores = (x·wq)(x·wk)ᵀ   — NO 1/√d scaling: sharpness is part of the weights
//       x += softmax(scores)·(x·wv)·wo
//     mlp (if present): x += relu(x·w1 + b1)·w2 + b2
//   output = x·unembedding                                               (at positions 1..n)
// Matrices are row-major arrays of rows: `wq[i][j]` maps residual direction i to head dim j.
import type { Atom } from "../rasp/values.js";
import type { Encoding } from "../rasp/ops.js";

export type Matrix = number[][];

export interface AttentionHead {
  /** The s-op this head computes (its name in the program), for people. */
  readonly label: string;
  readonly wq: Matrix; // dModel × dHead
  readonly wk: Matrix; // dModel × dHead
  readonly wv: Matrix; // dModel × dValue
  readonly wo: Matrix; // dValue × dModel
}

export interface MlpBlock {
  /** What the MLP computes, one entry per concatenated block, with the hidden units it owns. */
  readonly parts: readonly { readonly label: string; readonly hiddenStart: number; readonly hiddenEnd: number }[];
  readonly w1: Matrix; // dModel × hidden
  readonly b1: number[]; // hidden
  readonly w2: Matrix; // hidden × dModel
  readonly b2: number[]; // dModel
}

export interface Layer {
  readonly attention: readonly AttentionHead[];
  readonly mlp: MlpBlock | null;
}

export interface OutputSpec {
  readonly sop: string;
  readonly encoding: Encoding;
  /** Categorical: the value each unembedding column stands for; numerical: one column. */
  readonly values: readonly Atom[];
  /** Categorical outputs below this logit decode as None (no value direction is set). */
  readonly noneThreshold: number;
}

export interface CompiledModel {
  readonly format: "raspc-model";
  readonly version: 1;
  readonly source: { readonly file: string; readonly text: string; readonly sop: string };
  /** Input vocabulary; token id i is vocab[i], then BOS = vocab.length, PAD = vocab.length + 1. */
  readonly vocab: readonly Atom[];
  readonly bos: string;
  readonly maxLen: number;
  /** One name per residual dimension: `one`, `tokens:a`, `indices:3`, `count:2`, `frac` ... */
  readonly residual: readonly string[];
  readonly tokenEmbedding: Matrix; // (vocab.length + 2) × dModel
  readonly positionEmbedding: Matrix; // (maxLen + 1) × dModel
  readonly layers: readonly Layer[];
  readonly unembedding: Matrix; // dModel × outputs
  readonly output: OutputSpec;
  /** Which s-op is computed where, and with which encoding and value set: for `inspect`. */
  readonly plan: readonly PlanEntry[];
  /** Set on a fine-tuned model (a training run's final-model.json); absent on a compiled one. */
  readonly trained?: Provenance;
}

/** Where a fine-tuned model's weights came from. */
export interface Provenance {
  /** The model file training started from (relative to the sweep folder for sweep runs). */
  readonly sourceModel: string;
  readonly runId: string;
  /** Training steps the weights have taken. */
  readonly step: number;
  /** FT, reFT, randFT ... */
  readonly protocol: string;
  /** The run whose final weights this run started from (reFT), when there is one. */
  readonly startRun?: string;
}

export interface PlanEntry {
  readonly sop: string;
  readonly kind: "embedding" | "attention" | "mlp" | "attention+mlp";
  /** -1 for the embedding. */
  readonly layer: number;
  readonly encoding: Encoding;
  readonly values: readonly Atom[];
  /** Residual dimensions this s-op occupies. */
  readonly dims: readonly number[];
  readonly source: string | null;
}
