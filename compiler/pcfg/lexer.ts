// Tokens of the `.pcfg` grammar language: NLTK's `PCFG.fromstring` text (`LHS -> rhs [p] | ...`)
// plus end-of-line comments, exponent and fraction probabilities. Lines matter (a rule ends at
// the end of its line, as in NLTK), so line breaks are tokens; a backslash at the end of a line
// joins it to the next one and is skipped like white space.
import { createToken, Lexer, type CustomPatternMatcherFunc } from "chevrotain";

export const Newline = createToken({ name: "Newline", pattern: /\r\n|\r|\n/, line_breaks: true });
export const LineJoin = createToken({ name: "LineJoin", pattern: /\\[ \t]*(?:\r\n|\r|\n)/, line_breaks: true, group: Lexer.SKIPPED });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\f\v]+/, group: Lexer.SKIPPED });
/** NLTK only knows whole-line comments; here `#` outside quotes starts a comment anywhere. */
export const Comment = createToken({ name: "Comment", pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });
export const Arrow = createToken({ name: "Arrow", pattern: /->/ });
export const Pipe = createToken({ name: "Pipe", pattern: /\|/ });
/** `[0.5]`, `[.5]`, `[1e-3]`, `[1/3]`: one token; its inside is read when building the AST, so
 * that a malformed number gets its own message instead of a token soup. */
export const Probability = createToken({ name: "Probability", pattern: /\[[^\]\r\n]*\]/ });
/** As in NLTK, no escapes: the text between the quotes is the terminal. */
export const Terminal = createToken({ name: "Terminal", pattern: /'[^'\r\n]*'|"[^"\r\n]*"/ });
// An opening quote or bracket that is not closed on its line swallows the rest of the line, so that
// the one error is reported once instead of as a cascade of stray symbols.
export const UnclosedTerminal = createToken({ name: "UnclosedTerminal", pattern: /['"][^\r\n]*/ });
export const UnclosedProbability = createToken({ name: "UnclosedProbability", pattern: /\[[^\r\n]*/ });
export const Directive = createToken({ name: "Directive", pattern: /%[A-Za-z_][A-Za-z0-9_]*/ });

// NLTK's nonterminal is `[\w/][\w/^<>-]*` with Python's Unicode \w. Ours is the same except that it
// stops before `->`, so `NP->Det N` reads as a rule instead of a nonterminal named `NP->Det`.
const NONTERMINAL = /[\p{L}\p{M}\p{N}\p{Pc}/](?:[\p{L}\p{M}\p{N}\p{Pc}/^<>]|-(?!>))*/uy;
const matchNonterminal: CustomPatternMatcherFunc = (text, offset) => {
  NONTERMINAL.lastIndex = offset;
  return NONTERMINAL.exec(text);
};
export const Nonterminal = createToken({ name: "Nonterminal", pattern: { exec: matchNonterminal }, line_breaks: false });

/** The tokens the parser sees. */
export const parserTokens = [Newline, Arrow, Pipe, Probability, Terminal, Directive, Nonterminal];
export const allTokens = [Newline, LineJoin, WhiteSpace, Comment, Arrow, Pipe, Probability, Terminal, UnclosedTerminal, UnclosedProbability, Directive, Nonterminal];

export const pcfgLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: "full" });
