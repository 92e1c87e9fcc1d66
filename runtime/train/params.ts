// A compiled model seen as an ordinary transformer to train: its geometry (which tensors exist and
// their shapes) and its weights as flat float32 tensors. Every engine (the ONNX training-step graph
// of ortTrainer.ts, the TensorFlow.js reference of tfjsTrainer.ts) reads and writes exactly this
// layout, so a checkpoint from one engine loads into the other and tests compare them tensor by tensor.
//
// The forward pass is the one of compiler/model/types.ts restricted to full-length batches (no PAD,
// so no key mask):
//   x = tok[id] + pos[p]
//   per layer: for each head h (columns of the stacked wq/wk/wv that belong to it)
//                x += concat_h(softmax(q_h k_hᵀ) v_h) · wo          (no 1/√d: sharpness is in the weights)
//              x += relu(x·w1 + b1)·w2 + b2
//   logits = x[answer position] · unembed
// Heads that write nothing (no value columns) cannot change the output, so they are left out; a
// head with no query/key columns attends uniformly, as in the compiled model.
import type { AttentionHead, CompiledModel, Matrix, Provenance } from "../../compiler/model/types.js";
import type { Rng } from "../random.js";
import { columns, hstack, vstack } from "../../compiler/export/matrices.js";

export interface HeadShape {
  /** Query/key columns (0: the head attends uniformly). */
  readonly dHead: number;
  /** Value columns (always > 0: heads that write nothing are dropped). */
  readonly dValue: number;
}

export interface LayerShape {
  readonly heads: readonly HeadShape[];
  /** MLP hidden units; 0 with `mlp` true means the MLP is only its output bias. */
  readonly hidden: number;
  readonly mlp: boolean;
}

export interface Geometry {
  readonly dModel: number;
  /** Token-embedding rows: the vocabulary, then BOS, then PAD. */
  readonly vocabRows: number;
  /** Position-embedding rows (max length + 1). */
  readonly positions: number;
  readonly layers: readonly LayerShape[];
  /** Logit columns. */
  readonly outputs: number;
}

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/** One float32 array per tensor, in `tensorSpecs(geometry)` order, row-major. */
export type Params = Float32Array[];

const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Stacked query/key and value widths of a layer. */
export function layerWidths(layer: LayerShape): { sumHead: number; sumValue: number } {
  return { sumHead: sumOf(layer.heads.map((h) => h.dHead)), sumValue: sumOf(layer.heads.map((h) => h.dValue)) };
}

/** Every trainable tensor, named `tok`, `pos`, `l{i}.wq` ... `unembed`. Only tensors with entries exist. */
export function tensorSpecs(g: Geometry): TensorSpec[] {
  const d = g.dModel;
  const specs: TensorSpec[] = [
    { name: "tok", shape: [g.vocabRows, d] },
    { name: "pos", shape: [g.positions, d] },
  ];
  g.layers.forEach((layer, l) => {
    const { sumHead, sumValue } = layerWidths(layer);
    if (sumHead > 0) specs.push({ name: `l${l}.wq`, shape: [d, sumHead] }, { name: `l${l}.wk`, shape: [d, sumHead] });
    if (sumValue > 0) specs.push({ name: `l${l}.wv`, shape: [d, sumValue] }, { name: `l${l}.wo`, shape: [sumValue, d] });
    if (layer.mlp) {
      if (layer.hidden > 0) {
        specs.push({ name: `l${l}.w1`, shape: [d, layer.hidden] }, { name: `l${l}.b1`, shape: [layer.hidden] });
        specs.push({ name: `l${l}.w2`, shape: [layer.hidden, d] });
      }
      specs.push({ name: `l${l}.b2`, shape: [d] });
    }
  });
  specs.push({ name: "unembed", shape: [d, g.outputs] });
  return specs;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The trainable geometry of a compiled model. */
export function geometryOf(model: CompiledModel): Geometry {
  return {
    dModel: model.residual.length,
    vocabRows: model.tokenEmbedding.length,
    positions: model.positionEmbedding.length,
    layers: model.layers.map((layer) => ({
      heads: layer.attention.map((h) => ({ dHead: columns(h.wq), dValue: columns(h.wv) })).filter((h) => h.dValue > 0),
      hidden: layer.mlp ? layer.mlp.b1.length : 0,
      mlp: layer.mlp !== null,
    })),
    outputs: columns(model.unembedding),
  };
}

const hstackInto = (ms: readonly Matrix[], rows: number): Float32Array => Float32Array.from(hstack(ms, rows).data);
const vstackInto = (ms: readonly Matrix[], cols: number): Float32Array => Float32Array.from(vstack(ms, cols).data);

/** The compiled weights in the trainable layout (dropped heads left out). */
export function paramsOf(model: CompiledModel): Params {
  const d = model.residual.length;
  const byName = new Map<string, Float32Array>();
  byName.set("tok", vstackInto([model.tokenEmbedding], d));
  byName.set("pos", vstackInto([model.positionEmbedding], d));
  model.layers.forEach((layer, l) => {
    const heads = layer.attention.filter((h) => columns(h.wv) > 0);
    byName.set(`l${l}.wq`, hstackInto(heads.map((h) => h.wq), d));
    byName.set(`l${l}.wk`, hstackInto(heads.map((h) => h.wk), d));
    byName.set(`l${l}.wv`, hstackInto(heads.map((h) => h.wv), d));
    byName.set(`l${l}.wo`, vstackInto(heads.map((h) => h.wo), d));
    if (layer.mlp) {
      byName.set(`l${l}.w1`, hstackInto([layer.mlp.w1], d));
      byName.set(`l${l}.b1`, Float32Array.from(layer.mlp.b1));
      byName.set(`l${l}.w2`, vstackInto([layer.mlp.w2], d));
      byName.set(`l${l}.b2`, Float32Array.from(layer.mlp.b2));
    }
  });
  byName.set("unembed", hstackInto([model.unembedding], d));
  return tensorSpecs(geometryOf(model)).map((s) => {
    const t = byName.get(s.name)!;
    if (t.length !== sizeOf(s.shape)) throw new Error(`paramsOf: ${s.name} has ${t.length} entries, expected ${sizeOf(s.shape)}`);
    return t;
  });
}

/** Rows × cols of a row-major block, as a Matrix (float32 values are exact as doubles). */
function toMatrix(data: Float32Array, rows: number, cols: number, colStart = 0, width = cols): Matrix {
  return Array.from({ length: rows }, (_, i) => Array.from(data.subarray(i * cols + colStart, i * cols + colStart + width)));
}

/**
 * The inverse of paramsOf: the model `base` with its weights replaced by `params` (the trainable
 * layout of geometryOf(base)), and `trained` recording where they came from. Residual names, plan and
 * output are kept, so the trained model still reads in terms of the program's s-ops; heads that
 * write nothing (left out of training) keep their compiled weights.
 */
export function modelFromParams(base: CompiledModel, params: Params, trained: Provenance): CompiledModel {
  const g = geometryOf(base);
  const specs = tensorSpecs(g);
  if (params.length !== specs.length) throw new Error(`modelFromParams: ${params.length} tensors for a geometry of ${specs.length}`);
  const byName = new Map(specs.map((s, i) => {
    const t = params[i]!;
    if (t.length !== sizeOf(s.shape)) throw new Error(`modelFromParams: ${s.name} has ${t.length} entries, expected ${sizeOf(s.shape)}`);
    return [s.name, t] as const;
  }));
  const d = g.dModel;
  const get = (name: string): Float32Array => byName.get(name)!;
  const layers = base.layers.map((layer, l) => {
    const { sumHead, sumValue } = layerWidths(g.layers[l]!);
    let qkAt = 0;
    let vAt = 0;
    const attention = layer.attention.map((h): AttentionHead => {
      const dValue = columns(h.wv);
      if (dValue === 0) return h;
      const dHead = columns(h.wq);
      const head: AttentionHead = {
        label: h.label,
        wq: dHead > 0 ? toMatrix(get(`l${l}.wq`), d, sumHead, qkAt, dHead) : h.wq,
        wk: dHead > 0 ? toMatrix(get(`l${l}.wk`), d, sumHead, qkAt, dHead) : h.wk,
        wv: toMatrix(get(`l${l}.wv`), d, sumValue, vAt, dValue),
        wo: toMatrix(get(`l${l}.wo`).subarray(vAt * d, (vAt + dValue) * d), dValue, d),
      };
      qkAt += dHead;
      vAt += dValue;
      return head;
    });
    const hidden = g.layers[l]!.hidden;
    const mlp = layer.mlp && {
      parts: layer.mlp.parts,
      w1: hidden > 0 ? toMatrix(get(`l${l}.w1`), d, hidden) : layer.mlp.w1,
      b1: hidden > 0 ? Array.from(get(`l${l}.b1`)) : layer.mlp.b1,
      w2: hidden > 0 ? toMatrix(get(`l${l}.w2`), hidden, d) : layer.mlp.w2,
      b2: Array.from(get(`l${l}.b2`)),
    };
    return { attention, mlp };
  });
  return {
    ...base,
    tokenEmbedding: toMatrix(get("tok"), g.vocabRows, d),
    positionEmbedding: toMatrix(get("pos"), g.positions, d),
    layers,
    unembedding: toMatrix(get("unembed"), d, g.outputs),
    trained,
  };
}

/** A standard normal draw (Box-Muller on the seeded generator). */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Adds N(0, std²) to every entry, in place order (tensor by tensor, row-major), so a seed fixes the result. */
export function addNoise(params: Params, std: number, rng: Rng): Params {
  return params.map((t) => t.map((v) => v + std * gaussian(rng)));
}

/** Random weights for a synthetic model (benchmarks, tests): N(0, scale²/fan-in), biases zero. */
export function randomParams(g: Geometry, rng: Rng, scale = 1): Params {
  return tensorSpecs(g).map((s) => {
    const fanIn = s.shape.length === 2 ? s.shape[0]! : 1;
    const std = s.shape.length === 2 ? scale / Math.sqrt(fanIn) : 0;
    return Float32Array.from({ length: sizeOf(s.shape) }, () => std * gaussian(rng));
  });
}

export const cloneParams = (p: Params): Params => p.map((t) => t.slice());
