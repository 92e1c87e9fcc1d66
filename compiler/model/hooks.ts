// The names of a compiled model's internal activations ("hooks"), in the manner of TransformerLens.
// They belong to the model format: the forward engines (runtime/forward/) return them, the exports
// (compiler/export/) name their extra outputs with them, and `exec --trace` reads them, so one name
// means one tensor everywhere. All are flat row-major arrays:
//   `embed`                         [batch, seqLen, dModel]  token + position embedding
//   `blocks.{l}.attn.hook_pattern.{h}` [batch, seqLen(query), seqLen(key)]  head h's softmax
//   `blocks.{l}.hook_resid_mid`     [batch, seqLen, dModel]  after layer l's attention
//   `blocks.{l}.hook_resid_post`    [batch, seqLen, dModel]  after layer l's MLP
// A layer without attention has resid_mid equal to its input; one without an MLP has resid_post
// equal to resid_mid.
import type { CompiledModel } from "./types.js";

export const hookNames = {
  embed: "embed",
  pattern: (layer: number, head: number) => `blocks.${layer}.attn.hook_pattern.${head}`,
  residMid: (layer: number) => `blocks.${layer}.hook_resid_mid`,
  residPost: (layer: number) => `blocks.${layer}.hook_resid_post`,
};

/** Every hook a model has, in forward order. */
export function allHookNames(model: CompiledModel): string[] {
  const names = [hookNames.embed];
  model.layers.forEach((layer, l) => {
    layer.attention.forEach((_, h) => names.push(hookNames.pattern(l, h)));
    names.push(hookNames.residMid(l), hookNames.residPost(l));
  });
  return names;
}
