// Task samples (runtime/tasks/data.ts) as training batches for a compiled model: ids `[BOS, t_1 ..
// t_n]` and the label's unembedding column. Batch t of a run is a pure function of (seed, t), so
// a resumed run sees exactly the batches an uninterrupted one would.
import type { CompiledModel } from "../../compiler/model/types.js";
import { atomEquals, formatAtom, type Atom } from "../../compiler/rasp/values.js";
import { ANSWER_POSITION, makeDataset, makeNaturalDataset, type Sample, type TaskSpec } from "../tasks/data.js";
import { makeTokenizer } from "../forward/tokenize.js";
import { makeRng, type Rng } from "../random.js";
import type { TrainBatch } from "./trainer.js";

/** The model position of the answer: input position ANSWER_POSITION, after BOS. */
export const MODEL_ANSWER_POSITION = ANSWER_POSITION + 1;

/** Which label a run trains on: O_PT's, O_FT's, or a random wrong one (randFT, appendix G.4). */
export type LabelKind = "pt" | "ft" | "random";

/** Mixes a seed and a stream index into an independent seed (splitmix-style). */
export function streamSeed(seed: number, stream: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca77)) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x2c1b3c6d);
  z = Math.imul(z ^ (z >>> 12), 0x297a2d39);
  return (z ^ (z >>> 15)) >>> 0;
}

export interface Encoded {
  readonly batch: TrainBatch;
  readonly samples: readonly Sample[];
  /** Columns of r(x; O_PT) and r(x; O_FT), for scoring. */
  readonly ptColumns: Int32Array;
  readonly ftColumns: Int32Array;
}

/**
 * How many of a batch of `size` are pretraining samples at mixing share `share`: floor(share · size)
 * plus one more with probability equal to the remainder, so that shares below 1/size (the paper's
 * 0.1%) still mix in pretraining data at the right rate on average.
 */
export function ptCount(share: number, size: number, rng: Rng): number {
  const exact = share * size;
  const whole = Math.floor(exact);
  return Math.min(size, whole + (rng.next() < exact - whole ? 1 : 0));
}

export class TaskEncoder {
  private readonly tokenizer;
  private readonly outputs: number;

  constructor(private readonly model: CompiledModel) {
    this.tokenizer = makeTokenizer(model);
    this.outputs = model.output.values.length;
  }

  /** The model's answer for each output column. */
  get answers(): readonly Atom[] {
    return this.model.output.values;
  }

  column(label: string | number): number {
    const c = this.model.output.values.findIndex((v) => atomEquals(v, label));
    if (c < 0) throw new Error(`the label ${formatAtom(label)} is not among the model's output values`);
    return c;
  }

  /** Samples as a batch; `labels` picks the training label (a random wrong one draws from `rng`). */
  encode(samples: readonly Sample[], labels: LabelKind, rng?: Rng): Encoded {
    const seqLen = samples[0]!.tokens.length + 1;
    const ids = new Int32Array(samples.length * seqLen);
    const ptColumns = new Int32Array(samples.length);
    const ftColumns = new Int32Array(samples.length);
    const train = new Int32Array(samples.length);
    samples.forEach((s, i) => {
      if (s.tokens.length + 1 !== seqLen) throw new Error("a batch needs samples of one length");
      ids.set(this.tokenizer.encode(s.tokens, `sample ${i}`), i * seqLen);
      ptColumns[i] = this.column(s.labelPt);
      ftColumns[i] = this.column(s.labelFt);
      if (labels === "pt") train[i] = ptColumns[i]!;
      else if (labels === "ft") train[i] = ftColumns[i]!;
      else {
        // Uniform over the outputs other than the true O_PT answer.
        const r = rng!.int(this.outputs - 1);
        train[i] = r >= ptColumns[i]! ? r + 1 : r;
      }
    });
    return { batch: { batch: samples.length, seqLen, ids, labels: train }, samples, ptColumns, ftColumns };
  }

  /**
   * Training batch `t` of a run: `size` samples with the correlation in exactly `cTrain` of them,
   * or (`cTrain` null) samples from the task's natural distribution. With `ptMix` > 0 (appendix
   * G.1), a share `ptMix` of the batch is pretraining data instead: natural samples with their O_PT
   * labels, ptCount(ptMix, size) of them, at the end of the batch.
   */
  trainingBatch(spec: TaskSpec, seed: number, t: number, size: number, cTrain: number | null, labels: LabelKind, ptMix = 0): TrainBatch {
    const rng = makeRng(streamSeed(seed, t + 1));
    // Drawn only when mixing, so that unmixed batches stay what they always were.
    const nPt = ptMix > 0 ? ptCount(ptMix, size, rng) : 0;
    const own = cTrain === null ? makeNaturalDataset(spec, size - nPt, rng) : makeDataset(spec, size - nPt, cTrain, rng);
    if (nPt === 0) return this.encode(own, labels, rng).batch;
    const e = this.encode([...own, ...makeNaturalDataset(spec, nPt, rng)], labels, rng);
    const mixed = e.batch.labels.slice();
    for (let i = size - nPt; i < size; i++) mixed[i] = e.ptColumns[i]!;
    return { ...e.batch, labels: mixed };
  }
}
