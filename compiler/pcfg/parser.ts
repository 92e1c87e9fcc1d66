// The `.pcfg` grammar as a Chevrotain parser. A file is a sequence of lines and each line is parsed
// on its own (parse.ts splits at line breaks), so the grammar below is the grammar of one line:
//   line        := directive | production
//   directive   := '%start' Nonterminal
//   production  := Nonterminal '->' alternative ('|' alternative)*
//   alternative := (Nonterminal | Terminal | Probability)*      -- may be empty (an ε rule)
// Checking what the symbols mean (probabilities, definitions) is validate.ts's job.
import { CstParser, type CstNode } from "chevrotain";
import * as T from "./lexer.js";

export class PcfgParser extends CstParser {
  constructor() {
    super(T.parserTokens, { recoveryEnabled: false, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  line = this.RULE("line", () => {
    this.OR([{ ALT: () => this.SUBRULE(this.directive) }, { ALT: () => this.SUBRULE(this.production) }]);
  });

  directive = this.RULE("directive", () => {
    this.CONSUME(T.Directive);
    this.CONSUME(T.Nonterminal);
  });

  production = this.RULE("production", () => {
    this.CONSUME(T.Nonterminal);
    this.CONSUME(T.Arrow);
    this.SUBRULE(this.alternative);
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      this.SUBRULE2(this.alternative);
    });
  });

  alternative = this.RULE("alternative", () => {
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Nonterminal) },
        { ALT: () => this.CONSUME(T.Terminal) },
        { ALT: () => this.CONSUME(T.Probability) },
      ]),
    );
  });
}

let instance: PcfgParser | undefined;
/** One parser for the process: Chevrotain's self-analysis is the expensive part. */
export function pcfgParser(): PcfgParser {
  instance ??= new PcfgParser();
  return instance;
}

export type { CstNode };
