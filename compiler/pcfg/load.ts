// Reading a `.pcfg` file the way every command does: the same size and UTF-8 checks as RASP
// sources, then parse and validate. Errors (with the warnings found beside them) come back as a
// ParseFailure, which the CLI prints with source lines; warnings of a good file come back with it.
import { ParseFailure, type Diagnostic } from "../language/diagnostics.js";
import { decodeSource } from "../interpreter/sourceFiles.js";
import { readBoundedFile } from "../common/boundedRead.js";
import { parsePcfg } from "./parse.js";
import { validateGrammar } from "./validate.js";
import type { Grammar } from "./grammar.js";

const MAX_GRAMMAR_BYTES = 16 * 1024 * 1024;

export interface LoadedGrammar {
  readonly grammar: Grammar;
  readonly warnings: readonly Diagnostic[];
  readonly source: string;
}

/** Parses and checks grammar text; throws ParseFailure listing every problem when there is an error. */
export function grammarFromText(file: string, source: string): LoadedGrammar {
  const parsed = parsePcfg(file, source);
  if (!parsed.file) throw new ParseFailure(parsed.diagnostics);
  const { grammar, diagnostics } = validateGrammar(parsed.file);
  if (!grammar) throw new ParseFailure(diagnostics);
  return { grammar, warnings: diagnostics, source };
}

/** Reads, parses and checks a grammar file. `sources` receives the text so diagnostics can quote it. */
export function loadGrammar(file: string, sources?: Map<string, string>): LoadedGrammar {
  const source = decodeSource(file, readBoundedFile(file, "a grammar file", MAX_GRAMMAR_BYTES));
  sources?.set(file, source);
  return grammarFromText(file, source);
}
