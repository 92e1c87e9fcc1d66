// Sizes of a compiled model, as `compile` prints them and `inspect --json` reports them.
import type { CompiledModel, Matrix } from "./types.js";

export interface ModelStats {
  readonly layers: number;
  /** Attention heads, all layers together. */
  readonly heads: number;
  /** Heads per layer. */
  readonly headsPerLayer: number[];
  readonly dModel: number;
  /** Hidden width of each layer's MLP (0 where a layer has none). */
  readonly mlpHidden: number[];
  /** Every weight and bias, embeddings and unembedding included. */
  readonly params: number;
  readonly paramsBy: { readonly embedding: number; readonly attention: number; readonly mlp: number; readonly unembedding: number };
}

export function matrixSize(m: Matrix): number {
  let n = 0;
  for (const row of m) n += row.length;
  return n;
}

export function modelStats(model: CompiledModel): ModelStats {
  let attention = 0;
  let mlp = 0;
  const headsPerLayer: number[] = [];
  const mlpHidden: number[] = [];
  for (const layer of model.layers) {
    headsPerLayer.push(layer.attention.length);
    for (const h of layer.attention) attention += matrixSize(h.wq) + matrixSize(h.wk) + matrixSize(h.wv) + matrixSize(h.wo);
    if (layer.mlp) {
      mlpHidden.push(layer.mlp.b1.length);
      mlp += matrixSize(layer.mlp.w1) + layer.mlp.b1.length + matrixSize(layer.mlp.w2) + layer.mlp.b2.length;
    } else {
      mlpHidden.push(0);
    }
  }
  const embedding = matrixSize(model.tokenEmbedding) + matrixSize(model.positionEmbedding);
  const unembedding = matrixSize(model.unembedding);
  return {
    layers: model.layers.length,
    heads: headsPerLayer.reduce((a, b) => a + b, 0),
    headsPerLayer,
    dModel: model.residual.length,
    mlpHidden,
    params: embedding + attention + mlp + unembedding,
    paramsBy: { embedding, attention, mlp, unembedding },
  };
}

/** `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}
