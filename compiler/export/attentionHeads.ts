// One layer's attention heads as both exporters build them (onnx.ts, tfjs.ts): which heads are
// computed, the all-zero scores of a head without query/key columns, each head's pattern and
// values, and the hooks' per-head tensors (hook_z zero-padded on the right to the layer's widest
// value width). The exporters differ only in the graph operations, handed in as HeadOps, so the
// two graphs cannot drift apart in what they compute.
import type { AttentionHead } from "../model/types.js";
import { headGeometry } from "./matrices.js";

/** Graph operations on tensor names, in an exporter's own dialect. */
export interface HeadOps {
  /** Scores of the head whose query/key columns are [start, start + width) of the layer's stack: q·kᵀ + key mask. */
  headScores(start: number, width: number): string;
  /** Scores of a head with no query/key columns: the key mask alone, on every query row. */
  maskOnlyScores(): string;
  softmax(scores: string): string;
  /** pattern · (the head's value columns [start, start + width) of the layer's stack). */
  headValues(pattern: string, start: number, width: number): string;
  /** Float zeros [batch, seq, width]. */
  zeros(width: number): string;
  /** [batch, seq, w] padded with `by` zero columns on the right. */
  padRight(t: string, by: number): string;
}

export interface LayerHeads {
  /** Each computed head's z (pattern · values), for heads with value columns, in head order. */
  readonly zs: string[];
  /** With internals: every computed head's scores and pattern, and its hook_z part (when dz > 0). */
  readonly scores: string[];
  readonly patterns: string[];
  readonly zHooks: string[];
}

/** Builds a layer's heads with `ops`; `dz` is the layer's hook_z width (compiler/model/hooks.ts zWidth). */
export function buildHeads(ops: HeadOps, heads: readonly AttentionHead[], internals: boolean, dz: number): LayerHeads {
  const { dHead, dValue, needed } = headGeometry(heads, internals);
  const zs: string[] = [];
  const scores: string[] = [];
  const patterns: string[] = [];
  const zHooks: string[] = [];
  let qOff = 0;
  let vOff = 0;
  heads.forEach((_, h) => {
    const dh = dHead[h]!;
    const dv = dValue[h]!;
    if (needed[h]) {
      const s = dh > 0 ? ops.headScores(qOff, dh) : ops.maskOnlyScores();
      const pattern = ops.softmax(s);
      let zh: string | null = null;
      if (dv > 0) {
        zh = ops.headValues(pattern, vOff, dv);
        zs.push(zh);
      }
      if (internals) {
        scores.push(s);
        patterns.push(pattern);
        if (dz > 0) zHooks.push(zh === null ? ops.zeros(dz) : dv === dz ? zh : ops.padRight(zh, dz - dv));
      }
    }
    qOff += dh;
    vOff += dv;
  });
  return { zs, scores, patterns, zHooks };
}
