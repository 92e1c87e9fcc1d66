// The special token ids of a compiled model, part of its format: token id i is vocab[i], BOS is
// vocab.length and PAD is vocab.length + 1 (types.ts). The tokenizer (runtime/forward/tokenize.ts)
// and the exports (compiler/export/) both read them from here.
import type { CompiledModel } from "./types.js";

export function bosId(model: Pick<CompiledModel, "vocab">): number {
  return model.vocab.length;
}

export function padId(model: Pick<CompiledModel, "vocab">): number {
  return model.vocab.length + 1;
}
