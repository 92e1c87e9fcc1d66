// Task samples in the paper's format (Jain et al. 2023, eq. 1):
//   SOS T O O' SOT text EOT ART answer EOS
// with T a family token, O the operand (a terminal, or NULL for Token-at-index), O' the second
// operand as a number token, and `window` text tokens (259 tokens in all for the paper's 250).
// Pretraining draws the family uniformly, the operand from the prior P_T, and, when a family has
// several tokens (the jailbreak variant, appendix G.2), one of the tokens allowed with that operand.
import type { Grammar } from "../../../compiler/pcfg/grammar.js";
import type { Rng } from "../../random.js";
import { answerOf, takesOperand, type Answer, type Family } from "./families.js";
import { PcfgSampler } from "./sampler.js";
import { TextWindow, type ShortStrings } from "./text.js";
import type { Vocabulary } from "./vocabulary.js";

export interface FamilyToken {
  readonly token: string;
  /** Terminal ids this token is used with in pretraining; null: every operand. */
  readonly operands: readonly number[] | null;
}

export interface FamilySpec {
  readonly family: Family;
  readonly operand2: number;
  /** The first is the family's main token (the one fine-tuning uses by default). */
  readonly tokens: readonly FamilyToken[];
}

export interface TaskSetup {
  readonly grammar: Grammar;
  readonly vocabulary: Vocabulary;
  readonly window: number;
  readonly shortStrings: ShortStrings;
  readonly families: readonly FamilySpec[];
  /** P_T over the grammar's terminals (by terminal id); sums to 1. */
  readonly prior: readonly number[];
}

export interface TaskSample {
  readonly family: Family;
  readonly familyToken: string;
  /** Terminal id, or null for NULL. */
  readonly operand: number | null;
  readonly operand2: number;
  readonly text: Int32Array;
  readonly answer: Answer;
}

/** Tokens around the text: SOS T O O' SOT before it, EOT ART answer EOS after it. */
export const PREFIX_LENGTH = 5;
export const SUFFIX_LENGTH = 4;

export class TaskGenerator {
  readonly setup: TaskSetup;
  readonly text: TextWindow;
  private readonly priorCumulative: Float64Array;
  private readonly tokenIds: Map<string, number>;

  constructor(setup: TaskSetup) {
    this.setup = setup;
    this.text = new TextWindow(new PcfgSampler(setup.grammar), setup.window, setup.shortStrings);
    let acc = 0;
    this.priorCumulative = Float64Array.from(setup.prior, (p, i) => (i === setup.prior.length - 1 ? Infinity : (acc += p)));
    this.tokenIds = new Map(setup.families.flatMap((f) => f.tokens.map((t) => [t.token, setup.vocabulary.id(t.token)] as [string, number])));
  }

  get sequenceLength(): number {
    return PREFIX_LENGTH + this.setup.window + SUFFIX_LENGTH;
  }

  /** An operand drawn from the prior (terminals of probability 0 are never drawn). */
  drawOperand(rng: Rng): number {
    const u = rng.next();
    let t = 0;
    while (u >= this.priorCumulative[t]! || this.setup.prior[t] === 0) t++;
    return t;
  }

  private chooseFamily(rng: Rng): { spec: FamilySpec; operand: number | null; token: string } {
    const spec = this.setup.families[rng.int(this.setup.families.length)]!;
    const operand = takesOperand(spec.family) ? this.drawOperand(rng) : null;
    const allowed = spec.tokens.filter((t) => t.operands === null || (operand !== null && t.operands.includes(operand)));
    return { spec, operand, token: allowed[rng.int(allowed.length)]!.token };
  }

  /** A pretraining sample. */
  pretrainingSample(rng: Rng): TaskSample {
    const { spec, operand, token } = this.chooseFamily(rng);
    const text = new Int32Array(this.setup.window);
    this.text.draw(rng, text);
    return { family: spec.family, familyToken: token, operand, operand2: spec.operand2, text, answer: answerOf(spec.family, text, operand ?? -1, spec.operand2) };
  }

  /**
   * The fast path for training batches: a pretraining sample's token ids written straight into
   * `out` (length sequenceLength), with no allocation. Same draws as pretrainingSample.
   */
  writePretraining(rng: Rng, out: Int32Array): void {
    const v = this.setup.vocabulary;
    const { spec, operand, token } = this.chooseFamily(rng);
    const text = out.subarray(PREFIX_LENGTH, PREFIX_LENGTH + this.setup.window);
    this.text.draw(rng, text);
    out[0] = v.sos;
    out[1] = this.tokenIds.get(token)!;
    out[2] = operand === null ? v.null : v.terminal(operand);
    out[3] = v.number(spec.operand2);
    out[4] = v.sot;
    const end = PREFIX_LENGTH + this.setup.window;
    out[end] = v.eot;
    out[end + 1] = v.art;
    out[end + 2] = this.answerId(answerOf(spec.family, text, operand ?? -1, spec.operand2));
    out[end + 3] = v.eos;
    const base = v.terminal(0);
    for (let i = 0; i < text.length; i++) text[i] = text[i]! + base;
  }

  answerId(a: Answer): number {
    const v = this.setup.vocabulary;
    return a.kind === "number" ? v.number(a.value) : a.kind === "terminal" ? v.terminal(a.value) : v.null;
  }

  answerToken(a: Answer): string {
    return this.setup.vocabulary.tokens[this.answerId(a)]!;
  }

  operandToken(operand: number | null): string {
    return operand === null ? this.setup.vocabulary.tokens[this.setup.vocabulary.null]! : this.setup.grammar.terminals[operand]!;
  }

  /** A sample's token ids. */
  encode(s: TaskSample): Int32Array {
    const v = this.setup.vocabulary;
    const out = new Int32Array(this.sequenceLength);
    out.set([v.sos, v.id(s.familyToken), s.operand === null ? v.null : v.terminal(s.operand), v.number(s.operand2), v.sot]);
    for (let i = 0; i < s.text.length; i++) out[PREFIX_LENGTH + i] = v.terminal(s.text[i]!);
    out.set([v.eot, v.art, this.answerId(s.answer), v.eos], PREFIX_LENGTH + s.text.length);
    return out;
  }

  /** A sample's tokens as text. */
  tokens(s: TaskSample): string[] {
    return Array.from(this.encode(s), (i) => this.setup.vocabulary.tokens[i]!);
  }
}
