// The compiler's one entry point from a file: load a .rasp program (parse, check, run it to build
// the graph), pick its output s-op, and compile it. The CLI, the experiment sweeps, the fuzzer, the
// benches and the tests all compile programs through here, so options are checked in one place
// (options.ts) and the model records its source the same way everywhere. A program held in memory
// (the fuzzer's, a test's inline text) comes through `read`, under a file name of its own.
import { loadRecorded, outputSOp, DEFAULT_OUTPUT } from "./interpreter/program.js";
import type { OverrideValue } from "./interpreter/interpreter.js";
import type { CompiledModel } from "./model/types.js";
import type { SOp } from "./rasp/ops.js";
import { checkCompileOptions, type CompileOptions } from "./options.js";
import { compileSOp } from "./passes/compile.js";

export interface CompileFileOptions extends CompileOptions {
  /** The s-op to compile: `out` unless another variable is named. */
  readonly sop?: string;
  /** Globals assigned before the program runs (`--set NAME=VALUE`). */
  readonly overrides?: ReadonlyMap<string, OverrideValue>;
  /** Filled with every source file read (the program and what it loads), for diagnostics. */
  readonly sources?: Map<string, string>;
  /** Let `load` read outside the program's folder tree (interpreter/loadConfinement.ts). */
  readonly allowOutside?: boolean;
  /**
   * Reads a source file, the program's and each one it `load`s. Default: the file system (bounded,
   * strict UTF-8: interpreter/sourceFiles.ts). A caller whose program is text in memory passes
   * `() => text`.
   */
  readonly read?: (file: string) => string;
}

export interface CompiledFile {
  readonly model: CompiledModel;
  /** The compiled s-op as the interpreter built it: what verify evaluates beside the model. */
  readonly sop: SOp;
  /** Seconds the compiler's passes took; reading and running the program are not counted. */
  readonly seconds: number;
}

/**
 * Compiles the s-op `sop` (default `out`) of a .rasp file. Throws CompileOptionError for a bad
 * option (before reading the file), ParseFailure/RaspError located in the source, UsageError for an
 * unreadable file or a missing s-op.
 */
export function compileFile(file: string, options: CompileFileOptions): CompiledModel {
  return compileFileWithSOp(file, options).model;
}

/** compileFile, also handing back the s-op it compiled and the compiler's own time (verify, the fuzzer, the bench). */
export function compileFileWithSOp(file: string, options: CompileFileOptions): CompiledFile {
  checkCompileOptions(options);
  const sources = options.sources ?? new Map<string, string>();
  const program = loadRecorded(file, sources, options);
  const sopName = options.sop ?? DEFAULT_OUTPUT;
  const sop = outputSOp(program, sopName);
  const { vocab, maxLen, bos, mlpBand, coldness, maxParams, onProgress } = options;
  const opts: CompileOptions = {
    vocab, maxLen, ...(bos !== undefined ? { bos } : {}), ...(mlpBand !== undefined ? { mlpBand } : {}), ...(coldness !== undefined ? { coldness } : {}),
    ...(maxParams !== undefined ? { maxParams } : {}), ...(onProgress !== undefined ? { onProgress } : {}),
  };
  const start = performance.now();
  const model = compileSOp(sop, opts, { file, text: sources.get(file) ?? "", sop: sopName });
  return { model, sop, seconds: (performance.now() - start) / 1000 };
}
