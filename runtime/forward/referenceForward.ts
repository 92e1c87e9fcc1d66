// The forward pass of compiler/model/types.ts in plain JavaScript, in Float64, one sequence at a
// time, written for clarity rather than speed. It is the oracle the TensorFlow.js engine is
// tested against; padded key positions are left out of every softmax exactly.
import type { CompiledModel, Matrix } from "../../compiler/model/types.js";
import { columns } from "../../compiler/export/matrices.js";
import { checkIds, padBatch, type ForwardOptions, type ForwardResult } from "./outputs.js";
import { hookNames, patternOffset, zWidth } from "../../compiler/model/hooks.js";
import { padId } from "../../compiler/model/tokens.js";

/** y[t] = x[t]·m, for rows x[t] of width m.length; `cols` is m's width (needed when m has no rows). */
function matmul(x: Float64Array[], m: Matrix, cols = columns(m)): Float64Array[] {
  return x.map((row) => {
    const out = new Float64Array(cols);
    for (let i = 0; i < m.length; i++) {
      const a = row[i]!;
      if (a === 0) continue;
      const mi = m[i]!;
      for (let j = 0; j < cols; j++) out[j]! += a * mi[j]!;
    }
    return out;
  });
}


/** The score a padded key gets in hook_attn_scores, as in the engines (TransformerLens uses -inf). */
const MASKED = -1e30;

export function referenceForward(model: CompiledModel, ids: readonly (readonly number[])[], opts: ForwardOptions = {}): ForwardResult {
  checkIds(model, ids);
  const d = model.residual.length;
  const { seqLen, lengths } = padBatch(ids, padId(model));
  const outputs = columns(model.unembedding);
  const logits = new Float64Array(ids.length * seqLen * outputs);
  const hooks = opts.hooks ? new Map<string, Float64Array>() : undefined;
  const hook = (name: string, size: number): Float64Array => {
    let h = hooks!.get(name);
    if (!h) {
      h = new Float64Array(size);
      hooks!.set(name, h);
    }
    return h;
  };
  const saveResid = (name: string, b: number, x: Float64Array[]): void => {
    if (!hooks) return;
    const h = hook(name, ids.length * seqLen * d);
    x.forEach((row, p) => h.set(row, (b * seqLen + p) * d));
  };

  /** Rows [p][j] of width w into hook `name` ([batch, pos, w]) at sequence b. */
  const saveRows = (name: string, b: number, rows: readonly Float64Array[], w: number): void => {
    if (!hooks) return;
    const h = hook(name, ids.length * seqLen * w);
    rows.forEach((r, p) => h.set(r.subarray(0, w), (b * seqLen + p) * w));
  };

  ids.forEach((row0, b) => {
    const pad = padId(model);
    const row = Array.from({ length: seqLen }, (_, p) => (p < row0.length ? row0[p]! : pad));
    const keys = row.flatMap((id, p) => (id === pad ? [] : [p]));
    // Embedding.
    const x = row.map((id, p) => {
      const v = new Float64Array(d);
      const te = model.tokenEmbedding[id]!;
      const pe = model.positionEmbedding[p]!;
      for (let i = 0; i < d; i++) v[i] = te[i]! + pe[i]!;
      return v;
    });
    saveRows(hookNames.embed, b, row.map((id) => Float64Array.from(model.tokenEmbedding[id]!)), d);
    saveRows(hookNames.posEmbed, b, row.map((_, p) => Float64Array.from(model.positionEmbedding[p]!)), d);
    model.layers.forEach((layer, l) => {
      saveResid(hookNames.residPre(l), b, x);
      // Attention: every head reads the same x; their outputs are summed into it.
      const delta = Array.from({ length: seqLen }, () => new Float64Array(d));
      const heads = layer.attention.length;
      const dz = zWidth(layer);
      const zRows = Array.from({ length: seqLen }, () => new Float64Array(heads * dz));
      const blockSize = ids.length * heads * seqLen * seqLen;
      const pattern = hooks && heads > 0 ? hook(hookNames.pattern(l), blockSize) : null;
      const scoreHook = hooks && heads > 0 ? hook(hookNames.attnScores(l), blockSize) : null;
      layer.attention.forEach((head, h) => {
        const q = matmul(x, head.wq);
        const k = matmul(x, head.wk);
        const v = matmul(x, head.wv);
        const dHead = columns(head.wq);
        const dValue = columns(head.wv);
        const at = patternOffset(heads, seqLen, b, h);
        for (let qp = 0; qp < seqLen; qp++) {
          if (scoreHook) scoreHook.fill(MASKED, at + qp * seqLen, at + (qp + 1) * seqLen);
          const scores = new Float64Array(keys.length);
          let max = -Infinity;
          for (let ki = 0; ki < keys.length; ki++) {
            const kp = keys[ki]!;
            let s = 0;
            for (let j = 0; j < dHead; j++) s += q[qp]![j]! * k[kp]![j]!;
            scores[ki] = s;
            if (scoreHook) scoreHook[at + qp * seqLen + kp] = s;
            if (s > max) max = s;
          }
          let sum = 0;
          for (let ki = 0; ki < keys.length; ki++) {
            scores[ki] = Math.exp(scores[ki]! - max);
            sum += scores[ki]!;
          }
          const z = new Float64Array(dValue);
          for (let ki = 0; ki < keys.length; ki++) {
            const kp = keys[ki]!;
            const w = scores[ki]! / sum;
            if (pattern) pattern[at + qp * seqLen + kp] = w;
            if (w === 0) continue;
            for (let j = 0; j < dValue; j++) z[j]! += w * v[kp]![j]!;
          }
          zRows[qp]!.set(z, h * dz);
          const o = matmul([z], head.wo, d)[0]!;
          for (let i = 0; i < d; i++) delta[qp]![i]! += o[i]!;
        }
      });
      if (heads > 0) {
        if (dz > 0) saveRows(hookNames.z(l), b, zRows, heads * dz);
        saveResid(hookNames.attnOut(l), b, delta);
      }
      for (let p = 0; p < seqLen; p++) for (let i = 0; i < d; i++) x[p]![i]! += delta[p]![i]!;
      saveResid(hookNames.residMid(l), b, x);
      if (layer.mlp) {
        const { w1, b1, w2, b2 } = layer.mlp;
        const pre = matmul(x, w1, b1.length).map((hrow) => hrow.map((v, j) => v + b1[j]!));
        const hidden = pre.map((hrow) => hrow.map((v) => Math.max(0, v)));
        const out = matmul(hidden, w2, d).map((orow) => orow.map((v, i) => v + b2[i]!));
        if (b1.length > 0) {
          saveRows(hookNames.mlpPre(l), b, pre, b1.length);
          saveRows(hookNames.mlpPost(l), b, hidden, b1.length);
        }
        saveResid(hookNames.mlpOut(l), b, out);
        for (let p = 0; p < seqLen; p++) for (let i = 0; i < d; i++) x[p]![i]! += out[p]![i]!;
      }
      saveResid(hookNames.residPost(l), b, x);
    });
    const y = matmul(x, model.unembedding);
    y.forEach((r, p) => logits.set(r, (b * seqLen + p) * outputs));
  });
  return { batch: ids.length, seqLen, lengths, outputs, logits, ...(hooks ? { hooks } : {}) };
}
