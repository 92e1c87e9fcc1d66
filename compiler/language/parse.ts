// Source text → AST, or diagnostics. Never throws for any input text.
import type { IRecognitionException, IToken, TokenType } from "chevrotain";
import type { Program, SourceRange } from "./ast.js";
import { rangeAt, type Diagnostic } from "./diagnostics.js";
import { raspLexer, LParen, LBracket, LBrace, RParen, RBracket, RBrace } from "./lexer.js";
import { raspParser } from "./parser.js";
import { cstToAst } from "./cstToAst.js";

/** Deeper nesting than this is almost surely generated or broken, and would exhaust the stack. */
export const MAX_NESTING = 256;

export interface ParseResult {
  readonly program: Program | null;
  readonly diagnostics: Diagnostic[];
}

/** How token types read in messages: `';'` rather than `Semicolon`. */
const TOKEN_WORDS: Record<string, string> = {
  Identifier: "a name", IntLiteral: "a number", FloatLiteral: "a number", StringLiteral: "a string",
  ComparisonOp: "a comparison (==, !=, <, <=, >, >=)", EqEq: "'=='", NotEq: "'!='", LessEq: "'<='", GreaterEq: "'>='",
  Less: "'<'", Greater: "'>'", Assign: "'='", Plus: "'+'", Minus: "'-'", Star: "'*'", Slash: "'/'", Percent: "'%'",
  Caret: "'^'", LParen: "'('", RParen: "')'", LBracket: "'['", RBracket: "']'", LBrace: "'{'", RBrace: "'}'",
  Comma: "','", Colon: "':'", Semicolon: "';'", EOF: "end of file",
};

function describeFound(t: IToken): string {
  if (t.tokenType.name === "EOF") return "end of file";
  const image = t.image.length > 30 ? t.image.slice(0, 27) + "..." : t.image;
  return `'${image}'`;
}

function tokenRange(file: string, t: IToken): SourceRange {
  return {
    file,
    startOffset: t.startOffset,
    endOffset: (t.endOffset ?? t.startOffset) + 1,
    startLine: t.startLine ?? 1,
    startColumn: t.startColumn ?? 1,
    endLine: t.endLine ?? t.startLine ?? 1,
    endColumn: t.endColumn ?? t.startColumn ?? 1,
  };
}

function syntaxMessage(e: IRecognitionException): string {
  const found = describeFound(e.token);
  switch (e.name) {
    case "MismatchedTokenException": {
      const m = /-->\s*(\w+)\s*<--/.exec(e.message);
      const expected = m ? (TOKEN_WORDS[m[1]!] ?? `'${m[1]!.toLowerCase()}'`) : "something else";
      return `expected ${expected} but found ${found}`;
    }
    case "NotAllInputParsedException":
      return `unexpected ${found}: expected the start of a statement`;
    case "EarlyExitException":
    case "NoViableAltException": {
      const rule = e.context.ruleStack[e.context.ruleStack.length - 1] ?? "statement";
      const what = rule === "statement" || rule === "program" ? "a statement" : rule.includes("xpr") || rule === "primary" ? "an expression" : rule;
      return `unexpected ${found}: expected ${what}`;
    }
    default:
      return `syntax error at ${found}`;
  }
}

/** An end of file inside an open construct points at the end of the last real token. */
function errorRange(file: string, source: string, tokens: IToken[], e: IRecognitionException): SourceRange {
  if (e.token.tokenType.name !== "EOF" && !Number.isNaN(e.token.startOffset)) return tokenRange(file, e.token);
  const last = tokens[tokens.length - 1];
  return last ? tokenRange(file, last) : rangeAt(file, source, Math.max(0, source.length - 1));
}

const OPENERS = new Set<TokenType>([LParen, LBracket, LBrace]);
const CLOSERS = new Set<TokenType>([RParen, RBracket, RBrace]);

export function parseProgram(file: string, source: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = raspLexer.tokenize(source);
  for (const err of lexed.errors) {
    const ch = source.slice(err.offset, err.offset + 1);
    const shown = ch === '"' ? 'a string that is not closed on its line' : `character '${ch}'`;
    diagnostics.push({ severity: "error", message: `unexpected ${shown}`, range: rangeAt(file, source, err.offset, Math.max(1, err.length)) });
  }
  // Guard the recursive-descent parser against nesting that would exhaust the stack.
  let depth = 0;
  for (const t of lexed.tokens) {
    if (OPENERS.has(t.tokenType)) depth++;
    else if (CLOSERS.has(t.tokenType)) depth = Math.max(0, depth - 1);
    if (depth > MAX_NESTING) {
      diagnostics.push({ severity: "error", message: `brackets nest deeper than ${MAX_NESTING} levels`, range: tokenRange(file, t) });
      return { program: null, diagnostics };
    }
  }
  const parser = raspParser();
  parser.input = lexed.tokens;
  let cst;
  try {
    cst = parser.program();
  } catch (err) {
    if (err instanceof RangeError) {
      diagnostics.push({ severity: "error", message: "the program nests too deeply to parse", range: rangeAt(file, source, 0) });
      return { program: null, diagnostics };
    }
    throw err;
  }
  for (const e of parser.errors) {
    diagnostics.push({ severity: "error", message: syntaxMessage(e), range: errorRange(file, source, lexed.tokens, e) });
  }
  if (diagnostics.length > 0) return { program: null, diagnostics: dedupe(diagnostics) };
  try {
    return { program: { file, source, statements: cstToAst(file, cst) }, diagnostics };
  } catch (err) {
    if (err instanceof RangeError) {
      diagnostics.push({ severity: "error", message: "the program nests too deeply to parse", range: rangeAt(file, source, 0) });
      return { program: null, diagnostics };
    }
    throw err;
  }
}

/** Error recovery can report the same spot twice; one message per place is enough. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.range.startOffset}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
