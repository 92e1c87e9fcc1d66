// The compiled transformer (compiler/model/types.ts) as a model description, on the parameter
// layout of runtime/train/params.ts (so checkpoints of every engine load into every other):
//   x = tok[id] + pos[p]
//   per layer: x += concat_h(softmax(q_h k_hᵀ) v_h) · wo        (no 1/√d: sharpness is in the weights)
//              x += relu(x·w1 + b1)·w2 + b2
//   logits = x · unembed
// A head with no query/key columns attends uniformly, as in the compiled model. Activations stay
// 2-D ([B·T, ·]) for the dense products, so every weight gradient is one Gemm.
import type { Graph, Tensor } from "../autodiff/graph.js";
import { hookNames } from "../../compiler/model/hooks.js";
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
      const tok = hook(hookNames.embed, g.reshape(g.matmul(onehot, param(p, "tok")), [B, T, d]));
      const pos = hook(hookNames.posEmbed, g.slice(param(p, "pos"), 0, 0, T));
      let x = g.reshape(g.add(tok, pos), [N, d]);
      geometry.layers.forEach((layer, l) => {
        x = hook(hookNames.residPre(l), x);
        const { sumHead, sumValue } = layerWidths(layer);
        if (sumValue > 0) {
          const Q = sumHead > 0 ? g.reshape(g.matmul(x, param(p, `l${l}.wq`)), [B, T, sumHead]) : null;
          const K = sumHead > 0 ? g.reshape(g.matmul(x, param(p, `l${l}.wk`)), [B, T, sumHead]) : null;
          const V = g.reshape(g.matmul(x, param(p, `l${l}.wv`)), [B, T, sumValue]);
          // The heads' patterns are stacked into one [B, H, T, T] hook (TransformerLens's
          // hook_pattern), so an instrument reads or replaces every head's pattern at one point;
          // a head without query/key columns attends uniformly.
          const patterns: Tensor[] = [];
          let qOff = 0;
          layer.heads.forEach((h) => {
            if (h.dHead > 0) {
              const q = g.slice(Q!, 2, qOff, qOff + h.dHead);
              const k = g.slice(K!, 2, qOff, qOff + h.dHead);
              patterns.push(g.reshape(g.softmax(g.matmul(q, g.transpose(k, [0, 2, 1])), -1), [B, 1, T, T]));
            } else {
              patterns.push(g.filled([B, 1, T, T], 1 / T));
            }
            qOff += h.dHead;
          });
          const pattern = hook(hookNames.pattern(l), patterns.length === 1 ? patterns[0]! : g.concat(patterns, 1));
          const zs: Tensor[] = [];
          let vOff = 0;
          layer.heads.forEach((h, i) => {
            const a = patterns.length === 1 ? g.reshape(pattern, [B, T, T]) : g.reshape(g.slice(pattern, 1, i, i + 1), [B, T, T]);
            zs.push(g.matmul(a, g.slice(V, 2, vOff, vOff + h.dValue)));
            vOff += h.dValue;
          });
          const z = hook(hookNames.z(l), g.reshape(g.concat(zs, 2), [N, sumValue]));
          x = g.add(x, hook(hookNames.attnOut(l), g.matmul(z, param(p, `l${l}.wo`))));
        }
        x = hook(hookNames.residMid(l), x);
        if (layer.mlp) {
          let out: Tensor | null = null;
          if (layer.hidden > 0) {
            const pre = hook(hookNames.mlpPre(l), g.add(g.matmul(x, param(p, `l${l}.w1`)), param(p, `l${l}.b1`)));
            const post = hook(hookNames.mlpPost(l), g.relu(pre));
            out = g.matmul(post, param(p, `l${l}.w2`));
          }
          // hook_mlp_out is r·w2 + b2, but the stream adds (x + r·w2) + b2, the order the model file's
          // forward uses (x + (r·w2 + b2) rounds differently); only an override is added as one term.
          // Unless read or replaced, the hook's node is pruned from the graph, so training is unchanged.
          const b2 = param(p, `l${l}.b2`);
          const mlpOut = g.add(out ?? g.filled([N, d], 0), b2);
          const replaced = hook(hookNames.mlpOut(l), mlpOut);
          x = replaced !== mlpOut ? g.add(x, replaced) : g.add(out ? g.add(x, out) : x, b2);
        }
        x = hook(hookNames.residPost(l), x);
      });
      return { final: x, hooks };
    },
    head(g: Graph, p: ParamTensors, rows: Tensor) {
      return g.matmul(rows, param(p, "unembed"));
    },
  };
}
