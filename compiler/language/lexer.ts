// Tokens of the RASP language (Weiss, Goldberg & Yahav 2021, grammar RASP.g4), plus the small
// extensions DESIGN.md allows: `!=` between s-ops and whitespace before `(` in `select (`.
import { createToken, Lexer, type CustomPatternMatcherFunc, type TokenType } from "chevrotain";

export const Identifier = createToken({ name: "Identifier", pattern: /[a-zA-Z_][a-zA-Z_0-9]*/ });

/** A keyword that always is one (`def`, `and`, ...); identifiers that merely start with it stay identifiers. */
function keyword(word: string): TokenType {
  return createToken({ name: word[0]!.toUpperCase() + word.slice(1), pattern: new RegExp(word), longer_alt: Identifier });
}

/**
 * Weiss's grammar has `select(`, `aggregate(`, `range(`, `zip(` and `len(` as single tokens, so `len`
 * on its own is an ordinary name. We keep that, but let whitespace stand before the parenthesis.
 */
function callKeyword(word: string): TokenType {
  const followedByParen = new RegExp(`${word}(?=[ \\t\\r\\n]*\\()`, "y");
  const exec: CustomPatternMatcherFunc = (text, offset) => {
    followedByParen.lastIndex = offset;
    return followedByParen.exec(text);
  };
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: { exec },
    line_breaks: false,
    start_chars_hint: [word[0]!],
  });
}

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });

export const Def = keyword("def");
export const Return = keyword("return");
export const For = keyword("for");
export const In = keyword("in");
export const If = keyword("if");
export const Else = keyword("else");
export const And = keyword("and");
export const Or = keyword("or");
export const Not = keyword("not");
export const Load = keyword("load");
export const Round = keyword("round");
export const Indicator = keyword("indicator");
export const Select = callKeyword("select");
export const Aggregate = callKeyword("aggregate");
export const Range = callKeyword("range");
export const Zip = callKeyword("zip");
export const Len = callKeyword("len");

// Weiss: Float is digits '.' digits; there is no exponent form and no leading-dot form.
export const FloatLiteral = createToken({ name: "FloatLiteral", pattern: /[0-9]+\.[0-9]+/ });
export const IntLiteral = createToken({ name: "IntLiteral", pattern: /[0-9]+/ });
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"[^"\r\n]*"/ });

// Comparison operators share a category so the parser can accept "any comparison" in one place.
export const ComparisonOp = createToken({ name: "ComparisonOp", pattern: Lexer.NA });
export const EqEq = createToken({ name: "EqEq", pattern: /==/, categories: ComparisonOp });
export const NotEq = createToken({ name: "NotEq", pattern: /!=/, categories: ComparisonOp });
export const LessEq = createToken({ name: "LessEq", pattern: /<=/, categories: ComparisonOp });
export const GreaterEq = createToken({ name: "GreaterEq", pattern: />=/, categories: ComparisonOp });
export const Less = createToken({ name: "Less", pattern: /</, categories: ComparisonOp });
export const Greater = createToken({ name: "Greater", pattern: />/, categories: ComparisonOp });

export const Assign = createToken({ name: "Assign", pattern: /=/ });
export const Plus = createToken({ name: "Plus", pattern: /\+/ });
export const Minus = createToken({ name: "Minus", pattern: /-/ });
export const Star = createToken({ name: "Star", pattern: /\*/ });
export const Slash = createToken({ name: "Slash", pattern: /\// });
export const Percent = createToken({ name: "Percent", pattern: /%/ });
export const Caret = createToken({ name: "Caret", pattern: /\^/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /]/ });
export const LBrace = createToken({ name: "LBrace", pattern: /{/ });
export const RBrace = createToken({ name: "RBrace", pattern: /}/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Semicolon = createToken({ name: "Semicolon", pattern: /;/ });

export const allTokens: TokenType[] = [
  WhiteSpace, Comment,
  Select, Aggregate, Range, Zip, Len,
  // Indicator before In: a keyword that is a prefix of another must come after it.
  Indicator, Def, Return, For, In, If, Else, And, Or, Not, Load, Round,
  Identifier,
  FloatLiteral, IntLiteral, StringLiteral,
  ComparisonOp, EqEq, NotEq, LessEq, GreaterEq, Less, Greater,
  Assign, Plus, Minus, Star, Slash, Percent, Caret,
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Semicolon,
];

export const raspLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: "full" });
