// Hand-built compiled models for tests that must not depend on the compiler.
import type { CompiledModel, Matrix } from "../../compiler/model/types.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { makeRng, type Rng } from "../../runtime/random.js";
import type { ForwardResult } from "../../runtime/forward/outputs.js";
import { hookSpecs } from "../../compiler/model/hooks.js";

export function zeros(rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

/**
 * `frac_a`: at every position, the number of `a` tokens divided by (n + 1), n the input length.
 * One head attends uniformly (all scores 0) to every real position, BOS included, and averages
 * the `tokens:a` direction. If padding were attended, the answer would change: the model is a
 * padding detector as much as a fixture.
 *
 * Residual: 0 one, 1 tokens:BOS, 2 tokens:a, 3 tokens:b, 4 frac_a.
 */
export function fracModel(maxLen = 6): CompiledModel {
  const residual = ["one", "tokens:BOS", "tokens:a", "tokens:b", "frac_a"];
  const d = residual.length;
  const tokenEmbedding = zeros(4, d); // a, b, BOS, PAD
  tokenEmbedding[0]![0] = 1;
  tokenEmbedding[0]![2] = 1;
  tokenEmbedding[1]![0] = 1;
  tokenEmbedding[1]![3] = 1;
  tokenEmbedding[2]![0] = 1;
  tokenEmbedding[2]![1] = 1;
  const wv = zeros(d, 1);
  wv[2]![0] = 1;
  const wo = zeros(1, d);
  wo[0]![4] = 1;
  const unembedding = zeros(d, 1);
  unembedding[4]![0] = 1;
  return {
    format: "raspc-model",
    version: 1,
    source: { file: "frac.rasp", text: "# hand-built\n", sop: "frac_a" },
    vocab: ["a", "b"],
    bos: "BOS",
    maxLen,
    residual,
    tokenEmbedding,
    positionEmbedding: zeros(maxLen + 1, d),
    layers: [{ attention: [{ label: "frac_a", wq: zeros(d, 1), wk: zeros(d, 1), wv, wo }], mlp: null }],
    unembedding,
    output: { sop: "frac_a", encoding: "numerical", values: [], noneThreshold: 0.5 },
    plan: [
      { sop: "tokens", kind: "embedding", layer: -1, encoding: "categorical", values: ["a", "b"], dims: [2, 3], source: null },
      { sop: "frac_a", kind: "attention", layer: 0, encoding: "numerical", values: [], dims: [4], source: null },
    ],
  };
}

/**
 * `copy`: the output at each position is its own token (categorical), through an MLP that copies
 * `tokens:x` to `out:x` (so hidden units, biases and the None threshold all take part).
 * Residual: 0 one, 1 tokens:BOS, 2..4 tokens:x/y/z, 5..7 out:x/y/z.
 */
export function copyModel(maxLen = 4): CompiledModel {
  const vocab: Atom[] = ["x", "y", "z"];
  const residual = ["one", "tokens:BOS", "tokens:x", "tokens:y", "tokens:z", "out:x", "out:y", "out:z"];
  const d = residual.length;
  const tokenEmbedding = zeros(vocab.length + 2, d);
  vocab.forEach((_, i) => {
    tokenEmbedding[i]![0] = 1;
    tokenEmbedding[i]![2 + i] = 1;
  });
  tokenEmbedding[3]![0] = 1;
  tokenEmbedding[3]![1] = 1;
  const w1 = zeros(d, 3);
  const w2 = zeros(3, d);
  for (let i = 0; i < 3; i++) {
    w1[2 + i]![i] = 2;
    w1[0]![i] = -1; // bias through `one`: unit i is 2·[token i] − 1 − 0.5 → 0.5 or 0
    w2[i]![5 + i] = 2;
  }
  const unembedding = zeros(d, 3);
  for (let i = 0; i < 3; i++) unembedding[5 + i]![i] = 1;
  return {
    format: "raspc-model",
    version: 1,
    source: { file: "copy.rasp", text: "out = tokens;\n", sop: "out" },
    vocab,
    bos: "BOS",
    maxLen,
    residual,
    tokenEmbedding,
    positionEmbedding: zeros(maxLen + 1, d),
    layers: [{ attention: [], mlp: { parts: [{ label: "out", hiddenStart: 0, hiddenEnd: 3 }], w1, b1: [-0.5, -0.5, -0.5], w2, b2: new Array<number>(d).fill(0) } }],
    unembedding,
    output: { sop: "out", encoding: "categorical", values: vocab, noneThreshold: 0.5 },
    plan: [
      { sop: "tokens", kind: "embedding", layer: -1, encoding: "categorical", values: vocab, dims: [2, 3, 4], source: null },
      { sop: "out", kind: "mlp", layer: 0, encoding: "categorical", values: vocab, dims: [5, 6, 7], source: "copy.rasp:1:1" },
    ],
  };
}

function randomMatrix(rng: Rng, rows: number, cols: number, scale: number, density: number): Matrix {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rng.next() < density ? (rng.next() * 2 - 1) * scale : 0)));
}

export interface RandomModelShape {
  readonly vocab: number;
  readonly maxLen: number;
  readonly d: number;
  readonly layers: number;
  readonly outputs: number;
}

/** A well-formed model with random weights and shapes: for engine cross-checks, not meaning. */
export function randomModel(seed: number, shape?: Partial<RandomModelShape>): CompiledModel {
  const rng = makeRng(seed);
  const vocabSize = shape?.vocab ?? 2 + rng.int(4);
  const maxLen = shape?.maxLen ?? 1 + rng.int(7);
  const d = shape?.d ?? 2 + rng.int(10);
  const nLayers = shape?.layers ?? rng.int(4);
  const outputs = shape?.outputs ?? 1 + rng.int(4);
  const vocab: Atom[] = Array.from({ length: vocabSize }, (_, i) => (i % 2 === 0 ? `t${i}` : i));
  const layers = Array.from({ length: nLayers }, () => {
    const heads = rng.int(3);
    const attention = Array.from({ length: heads }, (_, h) => {
      const dh = rng.int(4); // 0 is allowed: uniform attention
      const dv = rng.int(4);
      return {
        label: `h${h}`,
        wq: randomMatrix(rng, d, dh, 1.5, 0.7),
        wk: randomMatrix(rng, d, dh, 1.5, 0.7),
        wv: randomMatrix(rng, d, dv, 1, 0.7),
        wo: randomMatrix(rng, dv, d, 1, 0.7),
      };
    });
    const hidden = rng.int(6);
    const mlp =
      rng.next() < 0.75
        ? { parts: hidden > 0 ? [{ label: "m", hiddenStart: 0, hiddenEnd: hidden }] : [], w1: randomMatrix(rng, d, hidden, 1, 0.7), b1: randomMatrix(rng, 1, hidden, 0.5, 1)[0]!, w2: randomMatrix(rng, hidden, d, 1, 0.7), b2: randomMatrix(rng, 1, d, 0.2, 0.5)[0]! }
        : null;
    return { attention, mlp };
  });
  const numerical = outputs === 1 && rng.next() < 0.5;
  return {
    format: "raspc-model",
    version: 1,
    source: { file: `random${seed}.rasp`, text: "", sop: "out" },
    vocab,
    bos: "BOS",
    maxLen,
    residual: Array.from({ length: d }, (_, i) => `dir:${i}`),
    tokenEmbedding: randomMatrix(rng, vocabSize + 2, d, 1, 0.8),
    positionEmbedding: randomMatrix(rng, maxLen + 1, d, 1, 0.8),
    layers,
    unembedding: randomMatrix(rng, d, outputs, 1, 0.8),
    output: numerical
      ? { sop: "out", encoding: "numerical", values: [], noneThreshold: 0 }
      : { sop: "out", encoding: "categorical", values: Array.from({ length: outputs }, (_, i) => `v${i}`), noneThreshold: -0.25 },
    plan: [],
  };
}

/** Random token-id sequences `[BOS, ...]` for a model. */
export function randomIds(model: CompiledModel, seed: number, count: number): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: count }, () => [model.vocab.length, ...Array.from({ length: 1 + rng.int(model.maxLen) }, () => rng.int(model.vocab.length))]);
}

/** T with every readonly dropped, all the way down: for tests that damage a model on purpose. */
export type DeepMutable<T> = T extends (infer U)[] ? DeepMutable<U>[] : T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;

/** A deep copy that may be changed freely. */
export function clone<T>(x: T): DeepMutable<T> {
  return JSON.parse(JSON.stringify(x)) as DeepMutable<T>;
}

/** Max |a − b| over the real positions (rows of width `w` at [b, p]) of two results. */
export function maxDiffAtRealPositions(a: ForwardResult, b: ForwardResult, pick: (r: ForwardResult) => ArrayLike<number>, w: number): number {
  let worst = 0;
  for (let s = 0; s < a.batch; s++) {
    for (let p = 0; p < a.lengths[s]!; p++) {
      for (let j = 0; j < w; j++) {
        const x = pick(a)[(s * a.seqLen + p) * w + j]!;
        const y = pick(b)[(s * b.seqLen + p) * w + j]!;
        worst = Math.max(worst, Math.abs(x - y));
      }
    }
  }
  return worst;
}

/**
 * Max |a − b| of one hook over the real positions of two results, laid out as hooks.ts documents:
 * [batch, pos, ...] hooks at positions < length, [batch, head, q, k] hooks at q, k < length. Two
 * masked scores (both at or below -1e29, the -1e30 of a padded key in float32 or float64) count as equal.
 */
export function maxHookDiff(model: CompiledModel, a: ForwardResult, b: ForwardResult, name: string): number {
  const spec = hookSpecs(model).find((s) => s.name === name);
  if (!spec) throw new Error(`no hook ${name}`);
  const x = a.hooks!.get(name)!;
  const y = b.hooks!.get(name)!;
  const T = a.seqLen;
  const diff = (i: number, j: number): number => (x[i]! <= -1e29 && y[j]! <= -1e29 ? 0 : Math.abs(x[i]! - y[j]!));
  let worst = 0;
  if (spec.shape[2] === "pos") {
    const heads = spec.shape[1] as number;
    for (let s = 0; s < a.batch; s++)
      for (let h = 0; h < heads; h++)
        for (let q = 0; q < a.lengths[s]!; q++)
          for (let k = 0; k < a.lengths[s]!; k++) {
            const i = (((s * heads + h) * T + q) * T) + k;
            worst = Math.max(worst, diff(i, i));
          }
    return worst;
  }
  const w = spec.shape.slice(2).reduce<number>((p, d) => p * (d as number), 1);
  for (let s = 0; s < a.batch; s++)
    for (let p = 0; p < a.lengths[s]!; p++)
      for (let j = 0; j < w; j++) {
        const i = (s * T + p) * w + j;
        worst = Math.max(worst, diff(i, i));
      }
  return worst;
}
