// minGPT's decoder (karpathy/minGPT, model.py) as a model description: learned token and position
// embeddings, pre-LayerNorm blocks of causal self-attention (fused q/k/v with bias, 1/√d_head) and
// an MLP d → 4d → d with tanh-GELU, a final LayerNorm and a bias-free lm_head not tied to the
// embedding. Dropout is a mask fed as an input at minGPT's three sites (embeddings, attention
// pattern, each residual branch). The paper's model (Jain et al. 2023, appendix E.2) is 6 layers,
// 6 heads, d 192.
//
// Weights are stored input-major (x·W, as ONNX MatMul wants), so a PyTorch nn.Linear weight is the
// transpose of ours. Two choices for speed that do not change the function: the 1/√d_head scale is
// folded into the query columns of c_attn (a [d, 3d] product instead of a [B, H, T, T] one) and the
// causal mask is a constant added to the scores (0 or −∞) instead of a Where over [B, H, T, T].
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { Graph, Tensor } from "../autodiff/graph.js";
import { hookNames } from "../../compiler/model/hooks.js";
import { gaussian } from "../train/params.js";
import type { Rng } from "../random.js";
import { hookPoint, param, type ForwardOptions, type ModelDescription, type ParamSpec, type ParamTensors } from "./model.js";

export interface GptConfig {
  readonly vocabSize: number;
  /** Longest sequence (position-embedding rows). */
  readonly blockSize: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  /** Dropout probability at every site (minGPT's embd/attn/resid_pdrop, one value); 0: none. */
  readonly dropout?: number;
}

/** The paper's model size (appendix E.2); vocabulary and block size come from the task. */
export const PAPER_GPT = { nLayer: 6, nHead: 6, nEmbd: 192 } as const;

/** Checks a config; the message names the field. `where` prefixes it (e.g. a config file's path). */
export function checkGptConfig(c: GptConfig, where = "gpt"): void {
  for (const key of ["vocabSize", "blockSize", "nLayer", "nHead", "nEmbd"] as const) {
    const v = c[key];
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 1)) throw new UsageError(`${where}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    if (v > 1 << 20) throw new UsageError(`${where}: ${key} ${v} is too large (at most ${1 << 20})`);
  }
  if (c.nEmbd % c.nHead !== 0) throw new UsageError(`${where}: nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  const p = c.dropout ?? 0;
  if (!(typeof p === "number" && p >= 0 && p < 1)) throw new UsageError(`${where}: dropout must be in [0, 1), got ${JSON.stringify(c.dropout)}`);
}

export function gptParams(c: GptConfig): ParamSpec[] {
  const d = c.nEmbd;
  const specs: ParamSpec[] = [
    { name: "wte.weight", shape: [c.vocabSize, d], decay: false },
    { name: "wpe.weight", shape: [c.blockSize, d], decay: false },
  ];
  const ln = (name: string) => specs.push({ name: `${name}.weight`, shape: [d], decay: false }, { name: `${name}.bias`, shape: [d], decay: false });
  const linear = (name: string, fanIn: number, fanOut: number) =>
    specs.push({ name: `${name}.weight`, shape: [fanIn, fanOut], decay: true }, { name: `${name}.bias`, shape: [fanOut], decay: false });
  for (let l = 0; l < c.nLayer; l++) {
    ln(`h.${l}.ln_1`);
    linear(`h.${l}.attn.c_attn`, d, 3 * d);
    linear(`h.${l}.attn.c_proj`, d, d);
    ln(`h.${l}.ln_2`);
    linear(`h.${l}.mlp.c_fc`, d, 4 * d);
    linear(`h.${l}.mlp.c_proj`, 4 * d, d);
  }
  ln("ln_f");
  specs.push({ name: "lm_head.weight", shape: [d, c.vocabSize], decay: true });
  return specs;
}

/** minGPT's init: N(0, 0.02) for linear and embedding weights, 0.02/√(2·layers) for residual projections, zero biases, unit LayerNorm scales. */
export function gptInit(c: GptConfig, rng: Rng): Float32Array[] {
  const residualStd = 0.02 / Math.sqrt(2 * c.nLayer);
  return gptParams(c).map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (s.name.endsWith("c_proj.weight")) return Float32Array.from({ length: n }, () => residualStd * gaussian(rng));
    if (s.shape.length === 2) return Float32Array.from({ length: n }, () => 0.02 * gaussian(rng));
    if (/ln_\w+\.weight$/.test(s.name)) return new Float32Array(n).fill(1);
    return new Float32Array(n);
  });
}

export function gpt(c: GptConfig): ModelDescription {
  checkGptConfig(c);
  const { nLayer: L, nHead: H, nEmbd: d } = c;
  const dh = d / H;
  const pDrop = c.dropout ?? 0;
  return {
    kind: "gpt",
    params: gptParams(c),
    maxSeqLen: c.blockSize,
    vocabRows: c.vocabSize,
    outputs: c.vocabSize,
    forward(g: Graph, p: ParamTensors, ids: Tensor, opts?: ForwardOptions) {
      const [B, T] = ids.shape as [number, number];
      if (T > c.blockSize) throw new UsageError(`gpt: sequences of ${T} tokens exceed blockSize ${c.blockSize}`);
      const N = B * T;
      const hooks = new Map<string, Tensor>();
      const hook = (name: string, t: Tensor) => hookPoint(hooks, opts, name, t);
      const drop = (site: string, t: Tensor) => (pDrop > 0 && opts?.dropoutMask ? g.mul(t, opts.dropoutMask(site, t.shape)) : t);
      // Query columns carry the 1/√d_head of the scores; key and value columns are unscaled.
      const qkvScale = g.constant(Array.from({ length: 3 * d }, (_, i) => (i < d ? 1 / Math.sqrt(dh) : 1)), [3 * d]);
      const causal = g.constant(Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 0 : -Infinity)), [T, T]);
      const tok = hook(hookNames.embed, g.gather(param(p, "wte.weight"), g.reshape(ids, [N])));
      const pos = hook(hookNames.posEmbed, g.slice(param(p, "wpe.weight"), 0, 0, T));
      let x = drop("embd", g.reshape(g.add(g.reshape(tok, [B, T, d]), pos), [N, d]));
      const heads = (t: Tensor, perm: number[]) => g.transpose(g.reshape(t, [B, T, H, dh]), perm);
      for (let l = 0; l < L; l++) {
        const w = (name: string) => param(p, `h.${l}.${name}`);
        x = hook(hookNames.residPre(l), x);
        const h = g.layerNorm(x, w("ln_1.weight"), w("ln_1.bias"));
        const qkv = g.add(g.matmul(h, g.mul(w("attn.c_attn.weight"), qkvScale)), g.mul(w("attn.c_attn.bias"), qkvScale));
        const [q, k, v] = g.split(qkv, 1, [d, d, d]) as [Tensor, Tensor, Tensor];
        const scores = hook(hookNames.attnScores(l), g.add(g.matmul(heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1])), causal));
        const pattern = drop(`blocks.${l}.attn`, hook(hookNames.pattern(l), g.softmax(scores, -1)));
        const z = hook(hookNames.z(l), g.transpose(g.matmul(pattern, heads(v, [0, 2, 1, 3])), [0, 2, 1, 3]));
        const attnOut = hook(hookNames.attnOut(l), g.add(g.matmul(g.reshape(z, [N, d]), w("attn.c_proj.weight")), w("attn.c_proj.bias")));
        x = hook(hookNames.residMid(l), g.add(x, drop(`blocks.${l}.resid_attn`, attnOut)));
        const h2 = g.layerNorm(x, w("ln_2.weight"), w("ln_2.bias"));
        const pre = hook(hookNames.mlpPre(l), g.add(g.matmul(h2, w("mlp.c_fc.weight")), w("mlp.c_fc.bias")));
        const post = hook(hookNames.mlpPost(l), g.gelu(pre));
        const mlpOut = hook(hookNames.mlpOut(l), g.add(g.matmul(post, w("mlp.c_proj.weight")), w("mlp.c_proj.bias")));
        x = hook(hookNames.residPost(l), g.add(x, drop(`blocks.${l}.resid_mlp`, mlpOut)));
      }
      const final = hook("ln_final.hook_normalized", g.layerNorm(x, param(p, "ln_f.weight"), param(p, "ln_f.bias")));
      return { final, hooks };
    },
    head(g: Graph, p: ParamTensors, rows: Tensor) {
      return g.matmul(rows, param(p, "lm_head.weight"));
    },
  };
}
