// The names and shapes of a compiled model's internal activations ("hooks"), exactly TransformerLens's,
// so that code written against a HookedTransformer reads a compiled model unchanged. They belong to the
// model format: the forward engines (runtime/forward/) return them, the exports (compiler/export/)
// name their extra outputs with them (ONNX and tfjs `--with-internals`), and `exec --trace` reads them,
// so one name means one tensor everywhere. All are flat row-major float arrays; `pos` is the padded
// sequence length (BOS included), `H` the layer's number of heads:
//   hook_embed                       [batch, pos, d_model]   token embedding rows
//   hook_pos_embed                   [batch, pos, d_model]   position embedding rows
//   blocks.{l}.hook_resid_pre        [batch, pos, d_model]   layer l's input (hook_embed + hook_pos_embed at l = 0)
//   blocks.{l}.attn.hook_attn_scores [batch, H, pos(q), pos(k)]  q·k, NOT divided by √d_head (sharpness is in the
//                                    weights), padded keys masked with -1e30 (TransformerLens uses -inf)
//   blocks.{l}.attn.hook_pattern     [batch, H, pos(q), pos(k)]  softmax of the scores; 0 on padded keys
//   blocks.{l}.attn.hook_z           [batch, pos, H, d_z]    each head's pattern·v; compiled heads differ in
//                                    width, so d_z is the layer's widest value width and a narrower head's
//                                    columns are zero-padded on the right (head h's own columns come first)
//   blocks.{l}.hook_attn_out         [batch, pos, d_model]   what attention adds: Σ_h z_h·W_O[h]
//   blocks.{l}.hook_resid_mid        [batch, pos, d_model]   resid_pre + attn_out
//   blocks.{l}.mlp.hook_pre          [batch, pos, d_mlp]     x·W_in + b_in, before the ReLU
//   blocks.{l}.mlp.hook_post         [batch, pos, d_mlp]     after the ReLU
//   blocks.{l}.hook_mlp_out          [batch, pos, d_model]   post·W_out + b_out
//   blocks.{l}.hook_resid_post       [batch, pos, d_model]   resid_mid + mlp_out
// Layers a compiled model leaves out are absent rather than filled with zeros, so a hook's presence says
// what the layer computes: a layer without heads has no attn.* and no hook_attn_out (its resid_mid equals
// its resid_pre); a layer whose heads all have value width 0 has no hook_z; a layer without an MLP has no
// mlp.* and no hook_mlp_out (resid_post equals resid_mid); an MLP with 0 hidden units has hook_mlp_out
// (its bias) but no mlp.hook_pre/post. The old names (`embed`, `blocks.{l}.attn.hook_pattern.{h}`) are gone.
import type { CompiledModel, Layer } from "./types.js";

export const hookNames = {
  embed: "hook_embed",
  posEmbed: "hook_pos_embed",
  residPre: (layer: number) => `blocks.${layer}.hook_resid_pre`,
  attnScores: (layer: number) => `blocks.${layer}.attn.hook_attn_scores`,
  pattern: (layer: number) => `blocks.${layer}.attn.hook_pattern`,
  z: (layer: number) => `blocks.${layer}.attn.hook_z`,
  attnOut: (layer: number) => `blocks.${layer}.hook_attn_out`,
  residMid: (layer: number) => `blocks.${layer}.hook_resid_mid`,
  mlpPre: (layer: number) => `blocks.${layer}.mlp.hook_pre`,
  mlpPost: (layer: number) => `blocks.${layer}.mlp.hook_post`,
  mlpOut: (layer: number) => `blocks.${layer}.hook_mlp_out`,
  residPost: (layer: number) => `blocks.${layer}.hook_resid_post`,
};

/** One axis of a hook's shape: the batch, the (padded) sequence, or a fixed width. */
export type HookDim = "batch" | "pos" | number;

export interface HookSpec {
  readonly name: string;
  readonly shape: readonly HookDim[];
}

/** hook_z's last axis: the widest value width among the layer's heads (0 when there is no hook_z). */
export function zWidth(layer: Layer): number {
  return layer.attention.reduce((w, h) => Math.max(w, h.wv[0]?.length ?? 0), 0);
}

/** The hidden width of a layer's MLP (0 without one). */
function mlpWidth(layer: Layer): number {
  return layer.mlp?.b1.length ?? 0;
}

/** Every hook a model has, with its shape, in forward order. */
export function hookSpecs(model: CompiledModel): HookSpec[] {
  const d = model.residual.length;
  const resid: HookDim[] = ["batch", "pos", d];
  const specs: HookSpec[] = [
    { name: hookNames.embed, shape: resid },
    { name: hookNames.posEmbed, shape: resid },
  ];
  model.layers.forEach((layer, l) => {
    const heads = layer.attention.length;
    specs.push({ name: hookNames.residPre(l), shape: resid });
    if (heads > 0) {
      specs.push({ name: hookNames.attnScores(l), shape: ["batch", heads, "pos", "pos"] });
      specs.push({ name: hookNames.pattern(l), shape: ["batch", heads, "pos", "pos"] });
      if (zWidth(layer) > 0) specs.push({ name: hookNames.z(l), shape: ["batch", "pos", heads, zWidth(layer)] });
      specs.push({ name: hookNames.attnOut(l), shape: resid });
    }
    specs.push({ name: hookNames.residMid(l), shape: resid });
    if (layer.mlp) {
      const hidden = mlpWidth(layer);
      if (hidden > 0) {
        specs.push({ name: hookNames.mlpPre(l), shape: ["batch", "pos", hidden] });
        specs.push({ name: hookNames.mlpPost(l), shape: ["batch", "pos", hidden] });
      }
      specs.push({ name: hookNames.mlpOut(l), shape: resid });
    }
    specs.push({ name: hookNames.residPost(l), shape: resid });
  });
  return specs;
}

/** Every hook a model has, in forward order. */
export function allHookNames(model: CompiledModel): string[] {
  return hookSpecs(model).map((s) => s.name);
}

/** Where head h's [q, k] block of sequence b starts in a flat hook_pattern / hook_attn_scores array. */
export function patternOffset(heads: number, seqLen: number, b: number, h: number): number {
  return (b * heads + h) * seqLen * seqLen;
}
