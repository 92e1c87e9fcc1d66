// The compiler's one entry point from a file: load a .rasp program (parse, check, run it to build
// the graph), pick its output s-op, and compile it. The CLI, the experiment sweeps, the benches and
// the tests all compile files through here, so options are checked in one place (options.ts) and
// the model records its source the same way everywhere.
import { loadProgram, outputSOp, DEFAULT_OUTPUT } from "./interpreter/program.js";
import type { OverrideValue } from "./interpreter/interpreter.js";
import { readSourceFile } from "./interpreter/sourceFiles.js";
import type { CompiledModel } from "./model/types.js";
import { checkCompileOptions, type CompileOptions } from "./options.js";
import { compileSOp } from "./passes/compile.js";

export interface CompileFileOptions extends CompileOptions {
  /** The s-op to compile: `out` unless another variable is named. */
  readonly sop?: string;
  /** Globals assigned before the program runs (`--set NAME=VALUE`). */
  readonly overrides?: ReadonlyMap<string, OverrideValue>;
  /** Filled with every source file read (the program and what it loads), for diagnostics. */
  readonly sources?: Map<string, string>;
}

/**
 * Compiles the s-op `sop` (default `out`) of a .rasp file. Throws CompileOptionError for a bad
 * option (before reading the file), ParseFailure/RaspError located in the source, UsageError for an
 * unreadable file or a missing s-op.
 */
export function compileFile(file: string, options: CompileFileOptions): CompiledModel {
  checkCompileOptions(options);
  const sources = options.sources ?? new Map<string, string>();
  const read = (f: string): string => {
    const text = readSourceFile(f);
    sources.set(f, text);
    return text;
  };
  const program = loadProgram(file, read, options.overrides ?? new Map());
  for (const [f, text] of program.interpreter.sources) sources.set(f, text);
  const sopName = options.sop ?? DEFAULT_OUTPUT;
  const sop = outputSOp(program, sopName);
  const { vocab, maxLen, bos, mlpBand, coldness } = options;
  const opts: CompileOptions = { vocab, maxLen, ...(bos !== undefined ? { bos } : {}), ...(mlpBand !== undefined ? { mlpBand } : {}), ...(coldness !== undefined ? { coldness } : {}) };
  return compileSOp(sop, opts, { file, text: sources.get(file) ?? "", sop: sopName });
}
