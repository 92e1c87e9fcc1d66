// The token vocabulary of the PCFG tasks: the special tokens of the sample format
// `SOS T O O' SOT text EOT ART answer EOS`, the NULL operand, the family tokens (several for a
// family in the jailbreak variant), the number tokens 0..window (counts, indices and O' values),
// and the grammar's terminals. Ids follow that order. Every token is distinct: a terminal may not
// be spelled like a special, family or number token.

export interface SpecialTokens {
  readonly sos: string;
  readonly sot: string;
  readonly eot: string;
  readonly art: string;
  readonly eos: string;
  /** The operand of the Token-at-index family, and the answer when an occurrence does not exist. */
  readonly null: string;
}

export const DEFAULT_SPECIAL_TOKENS: SpecialTokens = { sos: "<sos>", sot: "<sot>", eot: "<eot>", art: "<art>", eos: "<eos>", null: "<null>" };

export class Vocabulary {
  readonly tokens: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;
  readonly sos: number;
  readonly sot: number;
  readonly eot: number;
  readonly art: number;
  readonly eos: number;
  readonly null: number;
  private readonly numberBase: number;
  private readonly terminalBase: number;
  readonly maxNumber: number;

  /** Throws with the colliding token's name when two tokens are spelled alike (callers validate first). */
  constructor(specials: SpecialTokens, familyTokens: readonly string[], maxNumber: number, terminals: readonly string[]) {
    const tokens = [specials.sos, specials.sot, specials.eot, specials.art, specials.eos, specials.null, ...familyTokens];
    this.numberBase = tokens.length;
    for (let n = 0; n <= maxNumber; n++) tokens.push(String(n));
    this.terminalBase = tokens.length;
    tokens.push(...terminals);
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (ids.has(t)) throw new Error(`the token ${JSON.stringify(t)} appears twice in the vocabulary`);
      ids.set(t, i);
    });
    this.tokens = tokens;
    this.ids = ids;
    [this.sos, this.sot, this.eot, this.art, this.eos, this.null] = [0, 1, 2, 3, 4, 5];
    this.maxNumber = maxNumber;
  }

  id(token: string): number {
    const i = this.ids.get(token);
    if (i === undefined) throw new Error(`${JSON.stringify(token)} is not in the vocabulary`);
    return i;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  number(n: number): number {
    if (!(Number.isInteger(n) && n >= 0 && n <= this.maxNumber)) throw new Error(`no number token for ${n}`);
    return this.numberBase + n;
  }

  terminal(t: number): number {
    return this.terminalBase + t;
  }

  get size(): number {
    return this.tokens.length;
  }
}
