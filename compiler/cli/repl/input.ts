// How the REPL decides when the user has finished typing a statement, and how it cuts a finished
// chunk of input into statements so that each one's result can be shown before the next runs.
//
// Weiss's REPL keeps reading while the parser stops at the end of the input. We do the same, with
// one refinement: Chevrotain cannot always tell "not finished yet" (`x` on its own) from "wrong"
// at the last token, so a chunk whose only parse error sits on its last token (other than a `;` or
// a closing bracket) is also treated as unfinished while brackets are open or its last statement
// lacks its `;` (or its closing `}` for `def` and `for`). Any other error is reported at once.
import type { IToken } from "chevrotain";
import { parseProgram } from "../../language/parse.js";
import type { Diagnostic } from "../../language/diagnostics.js";
import { raspLexer, LParen, LBracket, LBrace, RParen, RBracket, RBrace, Semicolon, Def, For, Load } from "../../language/lexer.js";

export type ChunkState =
  /** Nothing but whitespace and comments. */
  | { readonly kind: "empty" }
  /** More lines are needed before the chunk can be run. */
  | { readonly kind: "incomplete"; readonly diagnostics: readonly Diagnostic[] }
  /** The chunk cannot parse, whatever follows: report these. */
  | { readonly kind: "error"; readonly diagnostics: readonly Diagnostic[] }
  /** The chunk parses into these top-level statements. */
  | { readonly kind: "complete"; readonly statements: readonly StatementSpan[] };

/** Where one top-level statement lies in a chunk (offsets into padding + chunk); `load` tells `load "f";` apart. */
export interface StatementSpan {
  readonly start: number;
  readonly end: number;
  readonly load: boolean;
}

const OPENERS = new Set([LParen, LBracket, LBrace]);
const CLOSERS = new Set([RParen, RBracket, RBrace]);

interface Scan {
  /** Bracket depth after the last token (negative: a closer without an opener). */
  readonly depth: number;
  /** Offsets just past each top-level statement's last token, and whether it is a `load`. */
  readonly ends: { readonly end: number; readonly load: boolean }[];
  /** Whether tokens follow the last statement end (an unterminated statement). */
  readonly trailing: boolean;
}

/** Splits tokens into top-level statements: each ends at a `;` outside brackets, or at the `}` closing a `def`/`for` block. */
function scan(tokens: readonly IToken[]): Scan {
  let depth = 0;
  let lowest = 0;
  const ends: { end: number; load: boolean }[] = [];
  let startTok: IToken | null = null;
  for (const t of tokens) {
    if (startTok === null) startTok = t;
    if (OPENERS.has(t.tokenType)) depth++;
    else if (CLOSERS.has(t.tokenType)) {
      depth--;
      lowest = Math.min(lowest, depth);
    }
    const blockEnd = t.tokenType === RBrace && depth === 0 && (startTok.tokenType === Def || startTok.tokenType === For);
    if ((t.tokenType === Semicolon && depth === 0) || blockEnd) {
      ends.push({ end: t.startOffset + t.image.length, load: startTok.tokenType === Load });
      startTok = null;
    }
  }
  return { depth: lowest < 0 ? lowest : depth, ends, trailing: startTok !== null };
}

/**
 * Classifies a chunk of REPL input. `file` names it in diagnostics; `padding` is prepended text
 * (newlines only) that shifts line numbers so they count from the start of the session.
 */
export function classifyChunk(file: string, padding: string, chunk: string): ChunkState {
  const source = padding + chunk;
  const lexed = raspLexer.tokenize(source);
  if (lexed.tokens.length === 0 && lexed.errors.length === 0) return { kind: "empty" };
  const parsed = parseProgram(file, source);
  const s = scan(lexed.tokens);
  if (parsed.program) {
    return { kind: "complete", statements: s.ends.map(({ end, load }, i) => ({ start: i === 0 ? padding.length : s.ends[i - 1]!.end, end, load })) };
  }
  if (lexed.errors.length > 0 || s.depth < 0) return { kind: "error", diagnostics: parsed.diagnostics };
  const last = lexed.tokens[lexed.tokens.length - 1]!;
  // An error at a `;` or a closing bracket is real: no later text can make them acceptable. At any
  // other last token it may only mean the parser needs to see further ahead (`x` alone).
  const terminator = last.tokenType === Semicolon || CLOSERS.has(last.tokenType);
  const onlyAtEnd = parsed.diagnostics.every((d) => /end of file/.test(d.message) || (d.range.startOffset >= last.startOffset && !terminator));
  const unfinished = s.depth > 0 || s.trailing;
  return onlyAtEnd && unfinished ? { kind: "incomplete", diagnostics: parsed.diagnostics } : { kind: "error", diagnostics: parsed.diagnostics };
}

/** `text` with every character but newlines turned into a space: keeps line and column numbers. */
export function blankOut(text: string): string {
  return text.replace(/[^\n]/g, " ");
}
