// The RASP grammar as a Chevrotain parser. Weiss's RASP.g4 is one left-recursive `expr` rule whose
// alternatives' order fixes precedence; here each precedence level is its own small rule, from the
// loosest (`in`) to the tightest (postfix indexing and calls). The quirks of RASP.g4 are kept on
// purpose because existing programs depend on them:
//   - `in` is the loosest operator of all;
//   - the ternary binds looser than `and`/`or`, and its else-branch cannot itself be an unparenthesised
//     ternary (`a if c else b if d else e` is `(a if c else b) if d else e`);
//   - `and` and `or` share one level, left-associative;
//   - `%` binds looser than `*` and `/` but tighter than `+` and `-`;
//   - `^` is left-associative;
//   - prefix `not`, `-`, `+` bind tighter than every binary operator (`not a == b` is `(not a) == b`).
import { CstParser, type CstNode, type IToken } from "chevrotain";
import * as T from "./lexer.js";

export class RaspParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  program = this.RULE("program", () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  statement = this.RULE("statement", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.functionDef) },
      { ALT: () => this.SUBRULE(this.forLoop) },
      { ALT: () => this.SUBRULE(this.loadStatement) },
      // `a, b = ...` and `a = ...` start with identifiers followed by `,` or `=`.
      { GATE: () => this.isAssignment(), ALT: () => this.SUBRULE(this.assignment) },
      { ALT: () => this.SUBRULE(this.exprStatement) },
    ]);
  });

  /** An assignment is a list of names then `=`; `a == b;` is an expression statement. */
  private isAssignment(): boolean {
    let i = 1;
    for (;;) {
      if (this.LA(i).tokenType !== T.Identifier) return false;
      const next = this.LA(i + 1).tokenType;
      if (next === T.Assign) return true;
      if (next !== T.Comma) return false;
      i += 2;
    }
  }

  assignment = this.RULE("assignment", () => {
    this.SUBRULE(this.idsList);
    this.CONSUME(T.Assign);
    this.SUBRULE(this.exprsList);
    this.CONSUME(T.Semicolon);
  });

  exprStatement = this.RULE("exprStatement", () => {
    this.SUBRULE(this.expression);
    this.CONSUME(T.Semicolon);
  });

  loadStatement = this.RULE("loadStatement", () => {
    this.CONSUME(T.Load);
    this.CONSUME(T.StringLiteral);
    this.CONSUME(T.Semicolon);
  });

  functionDef = this.RULE("functionDef", () => {
    this.CONSUME(T.Def);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.idsList));
    this.CONSUME(T.RParen);
    this.CONSUME(T.LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.SUBRULE(this.returnStatement);
    this.CONSUME(T.RBrace);
  });

  returnStatement = this.RULE("returnStatement", () => {
    this.CONSUME(T.Return);
    this.SUBRULE(this.exprsList);
    this.CONSUME(T.Semicolon);
  });

  forLoop = this.RULE("forLoop", () => {
    this.CONSUME(T.For);
    this.SUBRULE(this.idsList);
    this.CONSUME(T.In);
    this.SUBRULE(this.expression);
    this.CONSUME(T.LBrace);
    this.AT_LEAST_ONE(() => this.SUBRULE(this.statement));
    this.CONSUME(T.RBrace);
  });

  idsList = this.RULE("idsList", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
  });

  exprsList = this.RULE("exprsList", () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
  });

  expression = this.RULE("expression", () => {
    this.SUBRULE(this.inExpr);
  });

  inExpr = this.RULE("inExpr", () => {
    this.SUBRULE(this.ternaryExpr);
    this.MANY(() => {
      this.CONSUME(T.In);
      this.SUBRULE2(this.ternaryExpr);
    });
  });

  ternaryExpr = this.RULE("ternaryExpr", () => {
    this.SUBRULE(this.logicalExpr);
    this.MANY(() => {
      this.CONSUME(T.If);
      this.SUBRULE(this.expression);
      this.CONSUME(T.Else);
      this.SUBRULE2(this.logicalExpr);
    });
  });

  logicalExpr = this.RULE("logicalExpr", () => {
    this.SUBRULE(this.comparisonExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.And) }, { ALT: () => this.CONSUME(T.Or) }]);
      this.SUBRULE2(this.comparisonExpr);
    });
  });

  comparisonExpr = this.RULE("comparisonExpr", () => {
    this.SUBRULE(this.additiveExpr);
    this.MANY(() => {
      this.CONSUME(T.ComparisonOp);
      this.SUBRULE2(this.additiveExpr);
    });
  });

  additiveExpr = this.RULE("additiveExpr", () => {
    this.SUBRULE(this.moduloExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus) }, { ALT: () => this.CONSUME(T.Minus) }]);
      this.SUBRULE2(this.moduloExpr);
    });
  });

  moduloExpr = this.RULE("moduloExpr", () => {
    this.SUBRULE(this.multiplicativeExpr);
    this.MANY(() => {
      this.CONSUME(T.Percent);
      this.SUBRULE2(this.multiplicativeExpr);
    });
  });

  multiplicativeExpr = this.RULE("multiplicativeExpr", () => {
    this.SUBRULE(this.powerExpr);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star) }, { ALT: () => this.CONSUME(T.Slash) }]);
      this.SUBRULE2(this.powerExpr);
    });
  });

  powerExpr = this.RULE("powerExpr", () => {
    this.SUBRULE(this.unaryExpr);
    this.MANY(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE2(this.unaryExpr);
    });
  });

  unaryExpr = this.RULE("unaryExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Not) },
            { ALT: () => this.CONSUME(T.Minus) },
            { ALT: () => this.CONSUME(T.Plus) },
          ]);
          this.SUBRULE(this.unaryExpr);
        },
      },
      { ALT: () => this.SUBRULE(this.postfixExpr) },
    ]);
  });

  postfixExpr = this.RULE("postfixExpr", () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.OR([{ ALT: () => this.SUBRULE(this.indexSuffix) }, { ALT: () => this.SUBRULE(this.callSuffix) }]);
    });
  });

  indexSuffix = this.RULE("indexSuffix", () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RBracket);
  });

  callSuffix = this.RULE("callSuffix", () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.exprsList));
    this.CONSUME(T.RParen);
  });

  primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.parenthesised) },
      { ALT: () => this.SUBRULE(this.builtinUnary) },
      { ALT: () => this.SUBRULE(this.selectExpr) },
      { ALT: () => this.SUBRULE(this.aggregateExpr) },
      { ALT: () => this.SUBRULE(this.rangeExpr) },
      { ALT: () => this.SUBRULE(this.zipExpr) },
      { ALT: () => this.SUBRULE(this.lenExpr) },
      { ALT: () => this.SUBRULE(this.listExpr) },
      { ALT: () => this.SUBRULE(this.dictExpr) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.CONSUME(T.FloatLiteral) },
      { ALT: () => this.CONSUME(T.IntLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
    ]);
  });

  parenthesised = this.RULE("parenthesised", () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  builtinUnary = this.RULE("builtinUnary", () => {
    this.OR([{ ALT: () => this.CONSUME(T.Round) }, { ALT: () => this.CONSUME(T.Indicator) }]);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  selectExpr = this.RULE("selectExpr", () => {
    this.CONSUME(T.Select);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.Comma);
    this.SUBRULE2(this.expression);
    this.CONSUME2(T.Comma);
    this.CONSUME(T.ComparisonOp);
    this.CONSUME(T.RParen);
  });

  aggregateExpr = this.RULE("aggregateExpr", () => {
    this.CONSUME(T.Aggregate);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.Comma);
    this.SUBRULE2(this.expression);
    this.OPTION(() => {
      this.CONSUME2(T.Comma);
      this.SUBRULE3(this.expression);
    });
    this.CONSUME(T.RParen);
  });

  rangeExpr = this.RULE("rangeExpr", () => {
    this.CONSUME(T.Range);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.exprsList);
    this.CONSUME(T.RParen);
  });

  zipExpr = this.RULE("zipExpr", () => {
    this.CONSUME(T.Zip);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.exprsList);
    this.CONSUME(T.RParen);
  });

  lenExpr = this.RULE("lenExpr", () => {
    this.CONSUME(T.Len);
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  /** `[]`, `[a, b]` or `[value for x in iterable]`. */
  listExpr = this.RULE("listExpr", () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.OR([
        { ALT: () => this.SUBRULE(this.comprehensionTail) },
        {
          ALT: () =>
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.expression);
            }),
        },
      ]);
    });
    this.CONSUME(T.RBracket);
  });

  /** `{}`, `{k: v, ...}` or `{k: v for x in iterable}`. */
  dictExpr = this.RULE("dictExpr", () => {
    this.CONSUME(T.LBrace);
    this.OPTION(() => {
      this.SUBRULE(this.dictEntry);
      this.OR([
        { ALT: () => this.SUBRULE(this.comprehensionTail) },
        {
          ALT: () =>
            this.MANY(() => {
              this.CONSUME(T.Comma);
              this.SUBRULE2(this.dictEntry);
            }),
        },
      ]);
    });
    this.CONSUME(T.RBrace);
  });

  dictEntry = this.RULE("dictEntry", () => {
    this.SUBRULE(this.expression);
    this.CONSUME(T.Colon);
    this.SUBRULE2(this.expression);
  });

  comprehensionTail = this.RULE("comprehensionTail", () => {
    this.CONSUME(T.For);
    this.SUBRULE(this.idsList);
    this.CONSUME(T.In);
    this.SUBRULE(this.expression);
  });
}

/** One shared instance: Chevrotain parsers are built once (self-analysis is the costly part) and reused. */
let shared: RaspParser | undefined;
export function raspParser(): RaspParser {
  shared ??= new RaspParser();
  return shared;
}

export type { CstNode, IToken };
