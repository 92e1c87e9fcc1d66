// Turning whatever went wrong into what a user reads: diagnostics with source lines, one-line
// reasons for usage problems, and the exit status. No stack trace reaches a user.
import { ParseFailure, RaspError, UsageError, formatDiagnostic, showControls, type Diagnostic } from "../language/diagnostics.js";

export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export function printDiagnostics(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>): void {
  const sorted = [...diagnostics].sort((a, b) => (a.range.file === b.range.file ? a.range.startOffset - b.range.startOffset : a.range.file < b.range.file ? -1 : 1));
  for (const d of sorted) process.stderr.write(formatDiagnostic(d, sources) + "\n");
}

/** Prints an error and returns the exit status it deserves. Unknown errors are reported, not thrown. */
export function reportError(err: unknown, sources: ReadonlyMap<string, string>): number {
  if (err instanceof ParseFailure) {
    printDiagnostics(err.diagnostics, sources);
    return EXIT_ERROR;
  }
  if (err instanceof RaspError) {
    printDiagnostics([err.diagnostic], sources);
    return EXIT_ERROR;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`raspc: ${showControls(err.message)}\n`);
    return EXIT_ERROR;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`raspc: internal error: ${showControls(message.split("\n")[0]!)}\n`);
  if (process.env.RASPC_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
  return EXIT_ERROR;
}

/**
 * Runs a command and returns its exit status, its error reported as a user reads it (`sources`
 * lets diagnostics quote the user's lines). main.ts runs every command through here, and so does
 * the tests' in-process harness.
 */
export async function runReported(action: (sources: Map<string, string>) => Promise<number> | number): Promise<number> {
  const sources = new Map<string, string>();
  try {
    return await action(sources);
  } catch (err) {
    return reportError(err, sources);
  }
}
