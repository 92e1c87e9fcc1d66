// What a forward pass returns, shared by the TensorFlow.js engine (forward.ts), the onnxruntime-node
// engine (ortForward.ts) and the plain JavaScript reference (referenceForward.ts), and how outputs
// are decoded into atoms. The exports (compiler/export/) name their internal outputs like the hooks.
//
// Hooks are named as compiler/model/hooks.ts says. Padded positions hold whatever the model
// computes there; only positions 0..lengths[b]-1 of sequence b mean anything.
import type { CompiledModel } from "../../compiler/model/types.js";
import type { Atom } from "../../compiler/rasp/values.js";

export type FloatArray = Float32Array | Float64Array;

export interface ForwardOptions {
  /** Return every hook of compiler/model/hooks.ts (TransformerLens's names and shapes). */
  readonly hooks?: boolean;
}

export interface ForwardResult {
  readonly batch: number;
  /** Positions per sequence, BOS included: the longest input in the batch plus one. */
  readonly seqLen: number;
  /** Real positions of each sequence (BOS included); the rest is padding. */
  readonly lengths: readonly number[];
  /** Unembedding columns. */
  readonly outputs: number;
  /** [batch, seqLen, outputs], every position (BOS and padding included). */
  readonly logits: FloatArray;
  readonly hooks?: ReadonlyMap<string, FloatArray>;
}

/** The decoded output at one position; `offset` is where its logits start in `logits`. */
export function decodeAt(model: CompiledModel, logits: FloatArray, offset: number): Atom {
  const { output } = model;
  if (output.encoding === "numerical") return logits[offset]!;
  const n = output.values.length;
  if (n === 0) return null;
  let best = 0;
  let bestValue = logits[offset]!;
  for (let j = 1; j < n; j++) {
    const v = logits[offset + j]!;
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return bestValue < output.noneThreshold ? null : output.values[best]!;
}

/** Each input's decoded outputs at its positions 1..n (position 0 is BOS and is not read). */
export function decodeOutputs(model: CompiledModel, result: ForwardResult): Atom[][] {
  const out: Atom[][] = [];
  for (let b = 0; b < result.batch; b++) {
    const row: Atom[] = [];
    for (let p = 1; p < result.lengths[b]!; p++) row.push(decodeAt(model, result.logits, (b * result.seqLen + p) * result.outputs));
    out.push(row);
  }
  return out;
}

/**
 * The padded id matrix for a batch, and each row's real length: its positions up to the last one
 * that is not PAD. PAD ids given explicitly are padding like the ones added here: as keys they
 * are masked out wherever they stand.
 */
export function padBatch(ids: readonly (readonly number[])[], padId: number): { seqLen: number; lengths: number[]; flat: Int32Array } {
  if (ids.length === 0) throw new Error("padBatch: empty batch");
  const seqLen = Math.max(...ids.map((r) => r.length));
  const lengths = ids.map((r) => {
    let n = r.length;
    while (n > 0 && r[n - 1] === padId) n--;
    return n;
  });
  const flat = new Int32Array(ids.length * seqLen).fill(padId);
  ids.forEach((row, b) => flat.set(row, b * seqLen));
  return { seqLen, lengths, flat };
}

/** Checks token ids against the model before a forward pass; internal misuse, not user error. */
export function checkIds(model: CompiledModel, ids: readonly (readonly number[])[]): void {
  const nTokens = model.vocab.length + 2;
  for (const row of ids) {
    if (row.length < 1 || row.length > model.maxLen + 1) throw new Error(`forward: a sequence has ${row.length} positions; the model takes 1..${model.maxLen + 1} (BOS included)`);
    if (row[0] === model.vocab.length + 1) throw new Error("forward: a sequence starts with PAD; position 0 holds BOS");
    for (const id of row) if (!Number.isInteger(id) || id < 0 || id >= nTokens) throw new Error(`forward: token id ${id} is outside 0..${nTokens - 1}`);
  }
}
