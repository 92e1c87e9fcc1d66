// What a training engine is: something that holds a model's parameters and momentum, takes one
// SGD-with-momentum step on a batch, and scores batches. The training loop (loop.ts) and the
// experiments see only this interface, so engines are interchangeable and testable against each other.
import type { Geometry, Params } from "./params.js";

/**
 * A batch of full-length sequences: `ids` is [batch, seqLen] row-major token ids (BOS first, no PAD),
 * `labels` one output column per sequence, read at `answerPosition` (a model position, BOS = 0).
 */
export interface TrainBatch {
  readonly batch: number;
  readonly seqLen: number;
  readonly ids: Int32Array;
  readonly labels: Int32Array;
}

export interface StepOptions {
  readonly learningRate: number;
  readonly momentum: number;
  /** Scale the gradient down to this global L2 norm when it is longer (absent: no clipping). */
  readonly clipNorm?: number;
}

/** What one step reports. */
export interface StepResult {
  /** Mean cross-entropy before the step. */
  readonly loss: number;
  /** The global L2 norm of the gradient before clipping (what the clip compares with clipNorm). */
  readonly gradNorm: number;
}

export interface TrainerState {
  readonly params: Params;
  /** Momentum buffers, one per parameter tensor (zeros before the first step). */
  readonly velocity: Params;
}

export type { EngineName } from "./backends.js";
import type { EngineName } from "./backends.js";

export interface Trainer {
  readonly engine: EngineName;
  /** The backend actually in use ("cpu", "cuda", "wasm", "tensorflow" ...). */
  readonly backend: string;
  readonly geometry: Geometry;
  /** One step: mean cross-entropy at the answer position, backward, optional clipping of the global gradient norm, `v = μv + g; p -= lr·v`. Returns the loss before the step and the pre-clip gradient norm. */
  step(batch: TrainBatch, opts: StepOptions): Promise<StepResult>;
  /** Logits at the answer position, [batch, outputs] row-major, with the current parameters. */
  logits(batch: Omit<TrainBatch, "labels">): Promise<Float32Array>;
  /** Copies of the current parameters and momentum. */
  state(): TrainerState;
  /** Replaces parameters and momentum (a checkpoint, another engine's state). */
  load(state: TrainerState): void;
  dispose(): void;
}

export interface TrainerOptions {
  readonly geometry: Geometry;
  readonly initial: TrainerState;
  /** Model position whose logits are trained and scored (BOS = 0). */
  readonly answerPosition: number;
  /** Intra-op threads (ORT); ignored where the backend has its own. */
  readonly threads?: number;
  /** Backend wanted; engines document theirs. */
  readonly backend?: string;
}

export const zerosLike = (p: Params): Params => p.map((t) => new Float32Array(t.length));

/** Index of the largest entry of each row of a [rows, cols] block (first on ties). */
export function argmaxRows(values: Float32Array, cols: number): Int32Array {
  const rows = values.length / cols;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (values[r * cols + c]! > values[r * cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}
