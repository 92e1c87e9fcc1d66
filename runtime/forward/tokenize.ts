// Turning inputs (arrays of atoms) into the token ids a compiled model reads: `[BOS, t_1 .. t_n]`,
// where token id i is vocab[i], BOS = vocab.length and PAD = vocab.length + 1 (types.ts). Tokens
// are matched with Python's equality (atomKey/atomEquals), so `1`, `1.0` and `true` are one token.
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { atomKey, formatAtom, type Atom } from "../../compiler/rasp/values.js";
import { bosId, padId } from "../../compiler/model/tokens.js";

export interface Tokenizer {
  readonly bosId: number;
  readonly padId: number;
  readonly maxLen: number;
  /** `where` names the input in errors ("--input", "inputs.jsonl:3"). Throws UsageError. */
  encode(tokens: readonly Atom[], where: string): number[];
}

function showVocab(vocab: readonly Atom[]): string {
  const shown = vocab.slice(0, 20).map((a) => JSON.stringify(a)).join(", ");
  return `[${shown}${vocab.length > 20 ? `, ... (${vocab.length} in all)` : ""}]`;
}

export function makeTokenizer(model: Pick<CompiledModel, "vocab" | "maxLen">): Tokenizer {
  const ids = new Map<string | number, number>();
  model.vocab.forEach((a, i) => {
    if (!ids.has(atomKey(a))) ids.set(atomKey(a), i);
  });
  const bos = bosId(model);
  return {
    bosId: bos,
    padId: padId(model),
    maxLen: model.maxLen,
    encode(tokens: readonly Atom[], where: string): number[] {
      if (tokens.length === 0) throw new UsageError(`${where}: the input is empty; a compiled model needs at least one token`);
      if (tokens.length > model.maxLen) {
        throw new UsageError(`${where}: the input has ${tokens.length} tokens, longer than the model's max length ${model.maxLen}`);
      }
      const out = [bos];
      tokens.forEach((t, i) => {
        const id = ids.get(atomKey(t));
        if (id === undefined) {
          throw new UsageError(`${where}: token ${JSON.stringify(t)} at position ${i} is not in the model's vocabulary ${showVocab(model.vocab)}`);
        }
        out.push(id);
      });
      return out;
    },
  };
}

/** The atom a token id stands for, for displays ("BOS" and "PAD" for the special ids). */
export function tokenName(model: Pick<CompiledModel, "vocab" | "bos">, id: number): string {
  if (id < model.vocab.length) return formatAtom(model.vocab[id]!);
  if (id === model.vocab.length) return model.bos;
  return "PAD";
}
