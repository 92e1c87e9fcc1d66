// One entry point for every command that starts from a .rasp file: parse, check statically, run
// the statements (building the graph), and pick the output s-op.
import { RaspError, UsageError, type Diagnostic } from "../language/diagnostics.js";
import { parseProgram } from "../language/parse.js";
import { isSOp, type SOp } from "../rasp/ops.js";
import { Interpreter, ParseFailure, type OverrideValue } from "./interpreter.js";
import { readSourceFile, recordingReader } from "./sourceFiles.js";
import { isRaspFileName, notRaspReason } from "./loadConfinement.js";
import { staticCheck } from "./staticCheck.js";
import { kindOf } from "./values.js";

export const DEFAULT_OUTPUT = "out";

export interface LoadedProgram {
  readonly file: string;
  readonly interpreter: Interpreter;
}

/**
 * Loads a program. Throws ParseFailure with every syntax and static error found, RaspError for
 * the first error met while running it, or UsageError when the file cannot be read.
 */
export function loadProgram(file: string, readFile: (f: string) => string = readSourceFile, overrides: ReadonlyMap<string, OverrideValue> = new Map(), allowOutside = false): LoadedProgram {
  const source = readFile(file);
  const interpreter = new Interpreter({ readFile, overrides, allowOutside });
  interpreter.sources.set(file, source);
  const parsed = parseProgram(file, source);
  if (!parsed.program) {
    // A file not named .rasp that does not parse is not echoed (loadConfinement.ts).
    if (!isRaspFileName(file)) throw new UsageError(`${file}: ${notRaspReason(parsed.diagnostics[0]!)}`);
    throw new ParseFailure(parsed.diagnostics);
  }
  const problems: Diagnostic[] = staticCheck(parsed.program, (f) => {
    const text = readFile(f);
    return text;
  });
  if (problems.some((d) => d.severity === "error")) throw new ParseFailure(problems);
  interpreter.runProgram(parsed.program);
  for (const name of overrides.keys()) {
    if (!interpreter.overridden.has(name)) throw new UsageError(`${file}: --set ${name}: the program never assigns a global named '${name}'`);
  }
  return { file, interpreter };
}

/**
 * loadProgram that records in `sources` every source file it reads (the program and what it
 * `load`s), so a diagnostic quotes the user's lines even when loading fails part way. The commands
 * that read programs (check, run, compile, verify) and compileFile load through here.
 */
export function loadRecorded(file: string, sources: Map<string, string>, opts: { overrides?: ReadonlyMap<string, OverrideValue>; allowOutside?: boolean; read?: (f: string) => string } = {}): LoadedProgram {
  const program = loadProgram(file, recordingReader(sources, opts.read), opts.overrides ?? new Map(), opts.allowOutside === true);
  for (const [f, text] of program.interpreter.sources) sources.set(f, text);
  return program;
}

/** The s-op a command works on: `out` unless `--sop` names another. */
export function outputSOp(program: LoadedProgram, name: string = DEFAULT_OUTPUT): SOp {
  const v = program.interpreter.global(name);
  if (v === undefined) {
    const hint = name === DEFAULT_OUTPUT ? "; assign the result to `out`, or pick another s-op with --sop NAME" : "";
    throw new UsageError(`${program.file}: no variable named '${name}'${hint}`);
  }
  if (!isSOp(v)) throw new UsageError(`${program.file}: '${name}' is ${kindOf(v)}, not an s-op`);
  return v;
}

export { RaspError, ParseFailure };
