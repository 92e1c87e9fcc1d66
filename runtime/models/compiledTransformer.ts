// The compiled transformer (compiler/model/types.ts) as a model description, on the parameter
// layout of runtime/train/params.ts (so checkpoints of every engine load into every other):
//   x = tok[id] + pos[p]
//   per layer: x += concat_h(softmax(q_h k_hᵀ) v_h) · wo        (no 1/√d: sharpness is in the weights)
//              x += relu(x·w1 + b1)·w2 + b2
//   logits = x · unembed
// A head with no query/key columns attends uniformly, as in the compiled model. Activations stay
// 2-D ([B·T, ·]) for the dense products, so every weight gradient is one Gemm.
import type { Graph, Tensor } from "../autodiff/graph.js";
import { layerWidths, tensorSpecs, type Geometry } from "../train/params.js";
import { hookPoint, param, type ForwardOptions, type ModelDescription, type ParamTensors } from "./model.js";

export function compiledTransformer(geometry: Geometry): ModelDescription {
  const d = geometry.dModel;
  return {
    kind: "compiled",
    params: tensorSpecs(geometry).map((s) => ({ name: s.name, shape: s.shape, decay: s.shape.length === 2 && s.name !== "tok" && s.name !== "pos" })),
    maxSeqLen: geometry.positions,
    vocabRows: geometry.vocabRows,
    outputs: geometry.outputs,
    forward(g: Graph, p: ParamTensors, ids: Tensor, opts?: ForwardOptions) {
      const [B, T] = ids.shape as [number, number];
      const N = B * T;
      const hooks = new Map<string, Tensor>();
      const hook = (name: string, t: Tensor) => hookPoint(hooks, opts, name, t);
      // One-hot rows times the table rather than Gather: the gradient is then one Gemm instead of a
      // ScatterND: 1.49 → 1.37 ms per step of the compiled Counter (length 5, batch 96, one thread).
      const classes = g.constant(Array.from({ length: geometry.vocabRows }, (_, i) => i), [1, geometry.vocabRows], "int64");
      const onehot = g.cast(g.equal(g.reshape(ids, [N, 1]), classes), g.float);
      const tok = hook("hook_embed", g.reshape(g.matmul(onehot, param(p, "tok")), [B, T, d]));
      const pos = hook("hook_pos_embed", g.slice(param(p, "pos"), 0, 0, T));
      let x = g.reshape(g.add(tok, pos), [N, d]);
      geometry.layers.forEach((layer, l) => {
        x = hook(`blocks.${l}.hook_resid_pre`, x);
        const { sumHead, sumValue } = layerWidths(layer);
        if (sumValue > 0) {
          const Q = sumHead > 0 ? g.reshape(g.matmul(x, param(p, `l${l}.wq`)), [B, T, sumHead]) : null;
          const K = sumHead > 0 ? g.reshape(g.matmul(x, param(p, `l${l}.wk`)), [B, T, sumHead]) : null;
          const V = g.reshape(g.matmul(x, param(p, `l${l}.wv`)), [B, T, sumValue]);
          const zs: Tensor[] = [];
          let qOff = 0;
          let vOff = 0;
          layer.heads.forEach((h, i) => {
            const v = g.slice(V, 2, vOff, vOff + h.dValue);
            let a: Tensor;
            if (h.dHead > 0) {
              const q = g.slice(Q!, 2, qOff, qOff + h.dHead);
              const k = g.slice(K!, 2, qOff, qOff + h.dHead);
              a = g.softmax(g.matmul(q, g.transpose(k, [0, 2, 1])), -1);
            } else {
              a = g.filled([1, T, T], 1 / T);
            }
            a = hook(`blocks.${l}.attn.hook_pattern.${i}`, a);
            zs.push(g.matmul(a, v));
            qOff += h.dHead;
            vOff += h.dValue;
          });
          const z = hook(`blocks.${l}.attn.hook_z`, g.reshape(g.concat(zs, 2), [N, sumValue]));
          x = g.add(x, hook(`blocks.${l}.hook_attn_out`, g.matmul(z, param(p, `l${l}.wo`))));
        }
        x = hook(`blocks.${l}.hook_resid_mid`, x);
        if (layer.mlp) {
          let out: Tensor | null = null;
          if (layer.hidden > 0) {
            const pre = hook(`blocks.${l}.mlp.hook_pre`, g.add(g.matmul(x, param(p, `l${l}.w1`)), param(p, `l${l}.b1`)));
            const post = hook(`blocks.${l}.mlp.hook_post`, g.relu(pre));
            out = g.matmul(post, param(p, `l${l}.w2`));
          }
          // x + (r·w2 + b2) would round differently from (x + r·w2) + b2, the order the model file's forward uses.
          x = out ? g.add(x, out) : x;
          x = g.add(x, param(p, `l${l}.b2`));
        }
        x = hook(`blocks.${l}.hook_resid_post`, x);
      });
      return { final: x, hooks };
    },
    head(g: Graph, p: ParamTensors, rows: Tensor) {
      return g.matmul(rows, param(p, "unembed"));
    },
  };
}
