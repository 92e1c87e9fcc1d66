// Source text → AST, or diagnostics. Never throws for any input text.
import type { CstNode, IRecognitionException, IToken, TokenType } from "chevrotain";
import type { Program, SourceRange } from "./ast.js";
import { rangeAt, type Diagnostic } from "./diagnostics.js";
import { raspLexer, Comma, Identifier, LParen, LBracket, LBrace, RParen, RBracket, RBrace, Semicolon } from "./lexer.js";
import { raspParser } from "./parser.js";
import { cstToAst, tokenRange } from "./cstToAst.js";

/**
 * Deeper nesting than this is almost surely generated or broken, and would exhaust the stack.
 * Each bracket level costs about a dozen rule frames, and at Node's default stack size nested
 * lists overflow at about 150 levels, so the limit sits well below that.
 */
export const MAX_NESTING = 100;

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

/** What a parser rule stands for, in words; rule names never reach a user. */
function ruleWords(rule: string): string {
  if (rule === "forLoop") return "a statement (a loop body cannot be empty)";
  if (rule === "statement" || rule === "program" || rule === "functionDef") return "a statement";
  if (rule === "idsList") return "a name";
  return "an expression";
}

const STATEMENT_START = "expected the start of a statement";

/**
 * A statement that starts with a name fails on a later token (`x y = 1;`, `a, = 1;`): Chevrotain
 * reports the name, but the token that breaks the statement is the one to point at.
 */
function statementCulprit(e: IRecognitionException, tokens: readonly IToken[], index: ReadonlyMap<IToken, number>): { token: IToken; message: string } | null {
  const rule = e.context.ruleStack[e.context.ruleStack.length - 1];
  if (e.name !== "NoViableAltException" || rule !== "statement" || e.token.tokenType !== Identifier) return null;
  let i = index.get(e.token);
  if (i === undefined) return null;
  for (;;) {
    const name = tokens[i]!;
    const next = tokens[i + 1];
    if (!next) return { token: name, message: `unexpected end of file after '${name.image}': expected '=', ';' or an operator` };
    if (next.tokenType !== Comma) {
      return { token: next, message: `unexpected ${describeFound(next)} after '${name.image}': expected '=', ';' or an operator` };
    }
    const afterComma = tokens[i + 2];
    if (!afterComma) return { token: next, message: "unexpected end of file after ',': expected a name to assign to" };
    if (afterComma.tokenType !== Identifier) return { token: afterComma, message: `unexpected ${describeFound(afterComma)}: expected a name to assign to` };
    i += 2;
  }
}

function syntaxMessage(e: IRecognitionException): string {
  const found = describeFound(e.token);
  switch (e.name) {
    case "MismatchedTokenException": {
      const m = /-->\s*(\w+)\s*<--/.exec(e.message);
      // Expecting the end of the input means a statement could not start here.
      if (m?.[1] === "EOF") return `unexpected ${found}: ${STATEMENT_START}`;
      const expected = m ? (TOKEN_WORDS[m[1]!] ?? `'${m[1]!.toLowerCase()}'`) : "something else";
      return `expected ${expected} but found ${found}`;
    }
    case "NotAllInputParsedException":
      return `unexpected ${found}: ${STATEMENT_START}`;
    case "EarlyExitException":
    case "NoViableAltException":
      return `unexpected ${found}: expected ${ruleWords(e.context.ruleStack[e.context.ruleStack.length - 1] ?? "statement")}`;
    default:
      return `syntax error at ${found}`;
  }
}

/** An end of file inside an open construct points at the end of the last real token. */
function errorRange(file: string, source: string, tokens: readonly IToken[], token: IToken): SourceRange {
  if (token.tokenType.name !== "EOF" && !Number.isNaN(token.startOffset)) return tokenRange(file, token);
  const last = tokens[tokens.length - 1];
  return last ? tokenRange(file, last) : rangeAt(file, source, Math.max(0, source.length - 1));
}

/** Enough to fix a file in one go without flooding a terminal. */
export const MAX_SYNTAX_ERRORS = 50;

const OPENERS = new Set<TokenType>([LParen, LBracket, LBrace]);
const CLOSERS = new Set<TokenType>([RParen, RBracket, RBrace]);

export function parseProgram(file: string, source: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  const lexed = raspLexer.tokenize(source);
  for (const err of lexed.errors) {
    const ch = source.slice(err.offset, err.offset + 1);
    const message = ch === '"' ? "this string is not closed on its line" : `unexpected character '${ch}'`;
    diagnostics.push({ severity: "error", message, range: rangeAt(file, source, err.offset, Math.max(1, err.length)) });
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
  const tokens = lexed.tokens;
  const index = new Map<IToken, number>(tokens.map((t, i) => [t, i]));
  let cst: CstNode | undefined;
  // When an error stops the parser before the end (it cannot resynchronise at a statement), it
  // starts again after the next ';', so that one run reports the errors of later statements too.
  // Each restart begins past where the last one stopped, so the total work stays linear.
  for (let start = 0; start < tokens.length || start === 0; ) {
    parser.input = start === 0 ? tokens : tokens.slice(start);
    let roundCst;
    try {
      roundCst = parser.program();
    } catch (err) {
      if (err instanceof RangeError) {
        diagnostics.push({ severity: "error", message: "the program nests too deeply to parse", range: rangeAt(file, source, 0) });
        return { program: null, diagnostics };
      }
      throw err;
    }
    if (start === 0) cst = roundCst;
    let stop: IToken | null = null;
    // Recovery can fail several times on one token (a statement, then the block around it, then
    // the program); the first report is the one that explains it.
    const reported = new Set<IToken>();
    for (const e of parser.errors) {
      if (e.name === "NotAllInputParsedException") stop = e.token;
      if (reported.has(e.token)) continue;
      reported.add(e.token);
      const culprit = statementCulprit(e, tokens, index);
      const token = culprit?.token ?? e.token;
      diagnostics.push({ severity: "error", message: culprit?.message ?? syntaxMessage(e), range: errorRange(file, source, tokens, token) });
    }
    const at = stop ? index.get(stop) : undefined;
    if (at === undefined || diagnostics.length >= MAX_SYNTAX_ERRORS) break;
    let next = at;
    while (next < tokens.length && tokens[next]!.tokenType !== Semicolon) next++;
    next++;
    // Closing braces right after the bad statement most likely close the block it was in.
    while (next < tokens.length && tokens[next]!.tokenType === RBrace) next++;
    start = next;
  }
  if (diagnostics.length > 0) {
    const sorted = dedupe(diagnostics).sort((a, b) => a.range.startOffset - b.range.startOffset);
    return { program: null, diagnostics: sorted.slice(0, MAX_SYNTAX_ERRORS) };
  }
  try {
    // The first round parsed the whole input and, with no diagnostics, is the only round.
    return { program: { file, source, statements: cstToAst(file, cst!) }, diagnostics };
  } catch (err) {
    if (err instanceof RangeError) {
      diagnostics.push({ severity: "error", message: "the program nests too deeply to parse", range: rangeAt(file, source, 0) });
      return { program: null, diagnostics };
    }
    throw err;
  }
}

/** Error recovery can report the same spot twice; one message per place (the first) is enough. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = `${d.range.file}:${d.range.startOffset}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
