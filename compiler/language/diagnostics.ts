// Diagnostics: what a user sees when something is wrong with a program or an input. Every one
// names a place (`file:line:col`), and formatting shows the source line with a caret under it.
import type { SourceRange } from "./ast.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  readonly range: SourceRange;
}

/**
 * An error that carries a diagnostic. Raised by the interpreter and the compiler, caught at the
 * CLI boundary and printed; never shown to a user as a stack trace.
 */
export class RaspError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(message: string, range: SourceRange) {
    super(message);
    this.name = "RaspError";
    this.diagnostic = { severity: "error", message, range };
  }
}

/** Syntax and static errors of a file: several diagnostics at once. Lives here, not in the
 * interpreter, so error reporting never loads the parser. */
export class ParseFailure extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => d.message).join("; "));
    this.name = "ParseFailure";
  }
}

/** Errors found before any program text exists to point at (bad CLI input, unreadable file). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function rangeAt(file: string, source: string, offset: number, length = 1): SourceRange {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = offset - lineStart + 1;
  return { file, startOffset: offset, endOffset: offset + length, startLine: line, startColumn: column, endLine: line, endColumn: column + length - 1 };
}

/** A range covering a whole file's first character: for problems that belong to a file, not a spot. */
export function fileStart(file: string): SourceRange {
  return { file, startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
}

export function spanning(from: SourceRange, to: SourceRange): SourceRange {
  return {
    file: from.file,
    startOffset: from.startOffset,
    startLine: from.startLine,
    startColumn: from.startColumn,
    endOffset: to.endOffset,
    endLine: to.endLine,
    endColumn: to.endColumn,
  };
}

const MAX_SHOWN_LINE = 160;

/**
 * Control characters from sources, tokens and file names, made visible: C0 ones and DEL as their
 * Unicode control pictures (␀, ␛, ␡), C1 ones as U+FFFD, one column each so carets stay aligned.
 * Raw, they would move the cursor, change colours or ring the bell on a user's terminal.
 */
export function showControls(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    const n = c.charCodeAt(0);
    return n < 0x20 ? String.fromCharCode(0x2400 + n) : n === 0x7f ? "\u2421" : "\ufffd";
  });
}

/**
 * `file:line:col: error: message`, then the source line and a caret line. Very long lines are
 * cut to a window around the column so one diagnostic never floods a terminal.
 */
export function formatDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, string>): string {
  const { file, startLine, startColumn } = d.range;
  const head = showControls(`${file}:${startLine}:${startColumn}: ${d.severity}: ${d.message}`);
  const source = sources.get(file);
  if (source === undefined) return head;
  const lines = source.split(/\r?\n/);
  const text = lines[startLine - 1];
  if (text === undefined) return head;
  const width = d.range.endLine === startLine ? Math.max(1, d.range.endColumn - startColumn + 1) : Math.max(1, text.length - startColumn + 1);
  let shown = showControls(text.replace(/\t/g, " "));
  let caretAt = startColumn - 1;
  if (shown.length > MAX_SHOWN_LINE) {
    const from = Math.max(0, caretAt - MAX_SHOWN_LINE / 2);
    shown = (from > 0 ? "..." : "") + shown.slice(from, from + MAX_SHOWN_LINE) + (from + MAX_SHOWN_LINE < shown.length ? "..." : "");
    caretAt = caretAt - from + (from > 0 ? 3 : 0);
  }
  const gutter = `${String(startLine).padStart(4)} | `;
  const caret = " ".repeat(gutter.length - 2) + "| " + " ".repeat(Math.max(0, caretAt)) + "^".repeat(Math.min(width, Math.max(1, MAX_SHOWN_LINE - caretAt)));
  return `${head}\n${gutter}${shown}\n${caret}`;
}

/** One line per diagnostic, for `--json`-free machine use and for tests. */
export function oneLine(d: Diagnostic): string {
  return `${d.range.file}:${d.range.startLine}:${d.range.startColumn}: ${d.severity}: ${d.message}`;
}
