// Toy next-token tasks for pretraining a gpt from scratch: a row of random symbols, a separator,
// then the row again (copy) or backwards (reverse). The first half is noise the model cannot
// predict, so its targets are ignored (-1); every token from the separator on is determined by what
// came before, so a model that learned the task drives the loss on them to 0. Batch t of a run
// depends only on (seed, t), so a resumed run sees the batches an uninterrupted one would.
import { makeRng } from "../random.js";
import { streamSeed } from "../train/taskBatches.js";

export const TOY_TASKS = ["copy", "reverse"] as const;
export type ToyTaskName = (typeof TOY_TASKS)[number];

export interface ToyTask {
  readonly name: ToyTaskName;
  /** Symbols in the row (the vocabulary is these plus the separator). */
  readonly symbols: number;
  /** Symbols per row. */
  readonly length: number;
}

/** Vocabulary size: the symbols, then the separator. */
export const toyVocab = (t: ToyTask): number => t.symbols + 1;
/** Model positions: the row, the separator, the answer row, less the last token (never an input). */
export const toySeqLen = (t: ToyTask): number => 2 * t.length;

export interface ToyBatch {
  readonly batch: number;
  readonly seqLen: number;
  readonly ids: Int32Array;
  /** Next-token targets, -1 where ignored. */
  readonly targets: Int32Array;
}

export function toyBatch(t: ToyTask, size: number, seed: number, index: number): ToyBatch {
  const rng = makeRng(streamSeed(seed, index));
  const n = t.length;
  const T = toySeqLen(t);
  const ids = new Int32Array(size * T);
  const targets = new Int32Array(size * T);
  const seq = new Int32Array(2 * n + 1);
  for (let b = 0; b < size; b++) {
    for (let i = 0; i < n; i++) seq[i] = rng.int(t.symbols);
    seq[n] = t.symbols;
    for (let i = 0; i < n; i++) seq[n + 1 + i] = seq[t.name === "copy" ? i : n - 1 - i]!;
    for (let p = 0; p < T; p++) {
      ids[b * T + p] = seq[p]!;
      // Position p predicts token p + 1; tokens 1..n-1 are random, the separator and answer are not.
      targets[b * T + p] = p + 1 >= n ? seq[p + 1]! : -1;
    }
  }
  return { batch: size, seqLen: T, ids, targets };
}
