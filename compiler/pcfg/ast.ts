// The syntax tree of a `.pcfg` file: what was written, with a source range on every part, before
// any checking. `validate.ts` turns it into a `Grammar` (or diagnostics).
import type { SourceRange } from "../language/ast.js";

export type { SourceRange };

export interface NonterminalRef {
  readonly kind: "nonterminal";
  readonly name: string;
  readonly range: SourceRange;
}

export interface TerminalRef {
  readonly kind: "terminal";
  /** The text between the quotes. */
  readonly name: string;
  readonly quote: "'" | '"';
  readonly range: SourceRange;
}

export type SymbolRef = NonterminalRef | TerminalRef;

export interface ProbabilityLiteral {
  /** What stood between the brackets, trimmed: `0.5`, `.5`, `1e-3`, `1/3`. */
  readonly text: string;
  readonly value: number;
  readonly range: SourceRange;
}

/** One right-hand side. NLTK lets the probability stand anywhere in it; more than one is an error. */
export interface Alternative {
  readonly symbols: readonly SymbolRef[];
  readonly probabilities: readonly ProbabilityLiteral[];
  readonly range: SourceRange;
}

export interface Production {
  readonly lhs: NonterminalRef;
  readonly alternatives: readonly Alternative[];
  readonly range: SourceRange;
}

export interface StartDirective {
  readonly name: NonterminalRef;
  readonly range: SourceRange;
}

export interface PcfgFile {
  readonly file: string;
  readonly source: string;
  readonly start: StartDirective | null;
  readonly productions: readonly Production[];
}
