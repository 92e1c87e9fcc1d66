// Programs for tests, from rasp-programs/ or from text in memory, compiled the one way everything
// compiles (compiler/compileFile.ts), so a test's model records its source and checks its options
// exactly as the CLI's does. Text in memory comes through compileFile's `read`, under a file name.
import * as path from "node:path";
import { compileFileWithSOp, type CompiledFile, type CompileFileOptions } from "../../compiler/compileFile.js";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { readSourceFile } from "../../compiler/interpreter/sourceFiles.js";
import { isSOp, type SOp } from "../../compiler/rasp/ops.js";

export const PROGRAMS = path.resolve(import.meta.dirname, "../../rasp-programs");

/** A program a test compiles or interprets: a file, or text under a file name of its own. */
export interface TestProgram {
  readonly file: string;
  readonly read?: (file: string) => string;
}

/** Text in memory, named `file` in diagnostics and in the model's source (`load`s read it too). */
export function inline(text: string, file = "inline.rasp"): TestProgram {
  return { file, read: () => text };
}

/** A program of rasp-programs/, by file name. */
export function library(name: string): TestProgram {
  return { file: path.join(PROGRAMS, name) };
}

/** Compiles the program's `out` (or `options.sop`) through compileFile; the model and the s-op it compiled. */
export function compileProgram(p: TestProgram, options: Omit<CompileFileOptions, "read">): CompiledFile {
  return compileFileWithSOp(p.file, { ...options, ...(p.read ? { read: p.read } : {}) });
}

/** A program's s-ops by variable name, as the interpreter builds them (for tests of one pass). */
export function namedSOps(p: TestProgram): (name: string) => SOp {
  const program = loadProgram(p.file, p.read ?? readSourceFile);
  return (name) => {
    const v = program.interpreter.global(name);
    if (!v || !isSOp(v)) throw new Error(`no s-op ${name}`);
    return v;
  };
}

/** The program's output s-op as the interpreter builds it, for checks that need no model. */
export function sopOf(p: TestProgram, name = "out"): SOp {
  return outputSOp(loadProgram(p.file, p.read ?? readSourceFile), name);
}
