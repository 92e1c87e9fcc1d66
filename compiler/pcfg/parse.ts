// `.pcfg` source text → AST, or diagnostics. Never throws for any input text. Each line is parsed
// on its own, so one run reports a syntax error on every bad line (up to MAX_SYNTAX_ERRORS), and
// the work stays linear in the file's size.
import type { IRecognitionException, IToken } from "chevrotain";
import type * as A from "./ast.js";
import { rangeAt, type Diagnostic } from "../language/diagnostics.js";
import { tokenRange } from "../language/cstToAst.js";
import { MAX_SYNTAX_ERRORS } from "../language/parse.js";
import { pcfgLexer, Newline, UnclosedProbability, UnclosedTerminal } from "./lexer.js";
import { pcfgParser } from "./parser.js";
import { PcfgAstBuilder } from "./cstToAst.js";

export interface PcfgParseResult {
  /** Null when there were syntax errors. */
  readonly file: A.PcfgFile | null;
  readonly diagnostics: Diagnostic[];
}

const TOKEN_WORDS: Record<string, string> = {
  Nonterminal: "a nonterminal", Terminal: "a quoted terminal", Probability: "a probability in brackets",
  Arrow: "'->'", Pipe: "'|'", Directive: "a directive", Newline: "the end of the line", EOF: "the end of the line",
};

function found(t: IToken): string {
  if (t.tokenType.name === "EOF") return "the end of the line";
  const image = t.image.length > 30 ? t.image.slice(0, 27) + "..." : t.image;
  return `'${image}'`;
}

/** What went wrong on a line, in the words of the language rather than of Chevrotain. */
function syntaxMessage(e: IRecognitionException, line: readonly IToken[]): string {
  const rule = e.context.ruleStack[e.context.ruleStack.length - 1];
  const first = line[0]!;
  if (e.name === "NoViableAltException" && rule === "line") {
    if (first.tokenType.name === "Pipe") return "a line cannot start with '|'; end the previous line with '\\' to continue a rule on the next line";
    if (first.tokenType.name === "Arrow") return "a rule needs a left side: a nonterminal before '->'";
    return `expected a rule 'LHS -> ...' or '%start NAME', found ${found(first)}`;
  }
  if (e.name === "MismatchedTokenException") {
    const m = /-->\s*(\w+)\s*<--/.exec(e.message);
    const expected = m?.[1];
    if (expected === "Arrow") {
      const lhs = line[0]!;
      if (e.token.tokenType.name === "EOF") return `expected '->' after '${lhs.image}'`;
      return `expected '->' after '${lhs.image}', found ${found(e.token)}`;
    }
    if (expected === "Nonterminal" && rule === "directive") return `%start needs a nonterminal, found ${found(e.token)}`;
    return `expected ${expected ? (TOKEN_WORDS[expected] ?? expected) : "something else"}, found ${found(e.token)}`;
  }
  if (e.name === "NotAllInputParsedException") {
    if (e.token.tokenType.name === "Arrow") return "a second '->' on one line: each rule needs a line of its own";
    if (rule === undefined && line[0]!.tokenType.name === "Directive") return `unexpected ${found(e.token)} after the %start directive`;
    return `unexpected ${found(e.token)}`;
  }
  return `syntax error at ${found(e.token)}`;
}

function lexerMessage(source: string, offset: number): string {
  const ch = source[offset]!;
  if (ch === "\\") return "a '\\' joins lines only at the very end of a line";
  if (ch === "%") return "a directive is '%start NAME'";
  return `unexpected character '${String.fromCodePoint(source.codePointAt(offset) ?? 0)}'`;
}

/** Splits tokens at line breaks into the non-empty lines of the file. */
function lines(tokens: readonly IToken[]): IToken[][] {
  const out: IToken[][] = [];
  let current: IToken[] = [];
  for (const t of tokens) {
    if (t.tokenType === Newline) {
      if (current.length > 0) out.push(current);
      current = [];
    } else current.push(t);
  }
  if (current.length > 0) out.push(current);
  return out;
}

export function parsePcfg(file: string, source: string): PcfgParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = pcfgLexer.tokenize(source);
  const lexErrors = lexed.errors.map((err) => ({ severity: "error" as const, message: lexerMessage(source, err.offset), range: rangeAt(file, source, err.offset, Math.max(1, err.length)) }));
  let nextLexError = 0;
  const parser = pcfgParser();
  const builder = new PcfgAstBuilder(file);
  let start: A.StartDirective | null = null;
  const productions: A.Production[] = [];
  for (const line of lines(lexed.tokens)) {
    if (diagnostics.length >= MAX_SYNTAX_ERRORS) break;
    // A line with a character the lexer could not read, or an unclosed quote or bracket, gets that
    // one error; parsing what is left of it would only report the damage.
    const first = line[0]!.startOffset;
    const last = line[line.length - 1]!.endOffset ?? first;
    while (nextLexError < lexErrors.length && lexErrors[nextLexError]!.range.startOffset < first) diagnostics.push(lexErrors[nextLexError++]!);
    if (nextLexError < lexErrors.length && lexErrors[nextLexError]!.range.startOffset <= last + 1) {
      diagnostics.push(lexErrors[nextLexError++]!);
      while (nextLexError < lexErrors.length && lexErrors[nextLexError]!.range.startOffset <= last + 1) nextLexError++;
      continue;
    }
    const unclosed = line.find((t) => t.tokenType === UnclosedTerminal || t.tokenType === UnclosedProbability);
    if (unclosed) {
      const what = unclosed.tokenType === UnclosedProbability ? "this '[' is" : `this terminal's ${unclosed.image[0] === "'" ? "quote" : "double quote"} is`;
      diagnostics.push({ severity: "error", message: `${what} not closed on its line`, range: tokenRange(file, unclosed) });
      continue;
    }
    parser.input = line;
    const cst = parser.line();
    const e = parser.errors[0];
    if (e) {
      const at = e.token.tokenType.name === "EOF" || Number.isNaN(e.token.startOffset) ? line[line.length - 1]! : e.token;
      diagnostics.push({ severity: "error", message: syntaxMessage(e, line), range: tokenRange(file, at) });
      continue;
    }
    const ast = builder.lineAst(cst);
    if (ast === null) continue;
    if ("lhs" in ast) productions.push(ast);
    else if (start !== null) diagnostics.push({ severity: "error", message: `a second %start directive (the first, on line ${start.range.startLine}, names '${start.name.name}')`, range: ast.range });
    else start = ast;
  }
  diagnostics.push(...lexErrors.slice(nextLexError), ...builder.diagnostics);
  if (diagnostics.length === 0 && productions.length === 0) {
    diagnostics.push({ severity: "error", message: "the grammar has no rules (a rule looks like: S -> NP VP [1.0])", range: rangeAt(file, source, 0, 0) });
  }
  if (diagnostics.length > 0) {
    const sorted = diagnostics.sort((a, b) => a.range.startOffset - b.range.startOffset);
    return { file: null, diagnostics: sorted.slice(0, MAX_SYNTAX_ERRORS) };
  }
  return { file: { file, source, start, productions }, diagnostics };
}
