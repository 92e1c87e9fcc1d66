// A small geometry with every layer kind the training engines support, and random batches for it.
import { makeRng } from "../../runtime/random.js";
import type { Geometry } from "../../runtime/train/params.js";
import type { TrainBatch } from "../../runtime/train/trainer.js";

// Every layer kind: two heads one of which attends uniformly, an MLP; an MLP with no hidden units
// (only b2); an MLP-only layer; a layer with only a uniform head (so no wq/wk) and no MLP.
export const GEOMETRY: Geometry = {
  dModel: 6,
  vocabRows: 5,
  positions: 5,
  outputs: 4,
  layers: [
    { heads: [{ dHead: 3, dValue: 2 }, { dHead: 0, dValue: 1 }], hidden: 5, mlp: true },
    { heads: [{ dHead: 2, dValue: 2 }], hidden: 0, mlp: true },
    { heads: [], hidden: 3, mlp: true },
    { heads: [{ dHead: 0, dValue: 2 }], hidden: 0, mlp: false },
  ],
};
// Vocabulary ids 0..2, BOS 3, PAD 4 (never fed). Four positions of five, so the last position row
// must get a zero gradient; the answer is not the last position, so later positions matter only
// through attention.
export const ANSWER = 2;

export function randomBatch(rng: ReturnType<typeof makeRng>, batch: number, seqLen: number): TrainBatch {
  const ids = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) {
    ids[b * seqLen] = 3;
    for (let p = 1; p < seqLen; p++) ids[b * seqLen + p] = rng.int(3);
  }
  return { batch, seqLen, ids, labels: Int32Array.from({ length: batch }, () => rng.int(GEOMETRY.outputs)) };
}

