// One program through the whole pipeline: interpret it, compile it, run the model on every engine,
// and compare each with the interpreter (verifyModel). The compiler and the engines are parameters,
// so tests can hand in broken ones and watch the fuzzer catch them.
import { compileFileWithSOp, type CompiledFile, type CompileFileOptions } from "../../compiler/compileFile.js";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { ParseFailure, RaspError, UsageError } from "../../compiler/language/diagnostics.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { evaluateSOp } from "../../compiler/rasp/evaluate.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { describeDeparture, verifyModel } from "../verify.js";
import { largestTable, MAX_FUZZ_TABLE } from "./budget.js";
import type { FuzzEngine } from "./engines.js";

/** compileFileWithSOp, or a test's deliberately broken wrapper of it. */
export type CompileFn = (file: string, options: CompileFileOptions) => CompiledFile;

export interface Pipeline {
  readonly compile: CompileFn;
  readonly engines: readonly FuzzEngine[];
}

export const defaultCompile: CompileFn = compileFileWithSOp;

export interface Settings {
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
}

export type Outcome =
  | { readonly kind: "ok"; readonly inputs: number; readonly skipped: number; readonly undefinedPositions: number }
  /** A lookup table larger than the fuzzer compiles (budget.ts): not tried, not a failure. */
  | { readonly kind: "tooLarge"; readonly table: number }
  /** The compiler said the program is outside what it compiles: not a failure. */
  | { readonly kind: "refused"; readonly reason: string }
  /** The interpreter would not build the generated program: a generator (or interpreter) bug. */
  | { readonly kind: "invalid"; readonly reason: string }
  /** The compiler or an engine threw something other than a diagnostic. */
  | { readonly kind: "crash"; readonly stage: string; readonly message: string }
  | {
      readonly kind: "mismatch";
      readonly engine: string;
      readonly input: readonly Atom[];
      readonly expected: readonly Atom[];
      readonly got: readonly Atom[];
      readonly departure: string;
      /** Inputs this engine got wrong. */
      readonly count: number;
    };

export type Failure = Extract<Outcome, { kind: "invalid" | "crash" | "mismatch" }>;

export function isFailure(o: Outcome): o is Failure {
  return o.kind === "invalid" || o.kind === "crash" || o.kind === "mismatch";
}

const FILE = "fuzz.rasp";

function firstLine(err: unknown): string {
  if (err instanceof ParseFailure) return err.diagnostics.map((d) => d.message).join("; ");
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

/** Interprets, compiles and runs `text` on `inputs`; the first failure found, or how it went. */
export async function checkProgram(text: string, settings: Settings, inputs: readonly Atom[][], pipeline: Pipeline): Promise<Outcome> {
  let sop: SOp;
  try {
    sop = outputSOp(loadProgram(FILE, () => text));
  } catch (err) {
    return { kind: "invalid", reason: firstLine(err) };
  }
  try {
    const table = largestTable(sop, settings);
    if (table > MAX_FUZZ_TABLE) return { kind: "tooLarge", table };
  } catch (err) {
    if (err instanceof RaspError) return { kind: "refused", reason: err.message };
    // Anything else the compiler itself reports, below.
  }
  let model: CompiledModel;
  try {
    // The program is loaded again by compileFile: the load above only tells an invalid program
    // from a refused one, both RaspErrors.
    ({ model, sop } = pipeline.compile(FILE, { vocab: settings.vocab, maxLen: settings.maxLen, read: () => text }));
  } catch (err) {
    if (err instanceof RaspError) return { kind: "refused", reason: err.message };
    // A bad vocabulary or max length is the user's mistake, the same for every program.
    if (err instanceof UsageError) throw err;
    return { kind: "crash", stage: "compile", message: firstLine(err) };
  }
  let last: Outcome = { kind: "ok", inputs: inputs.length, skipped: 0, undefinedPositions: 0 };
  for (const engine of pipeline.engines) {
    let runner;
    try {
      runner = await engine.open(model);
    } catch (err) {
      return { kind: "crash", stage: `${engine.name} (loading the model)`, message: firstLine(err) };
    }
    try {
      const report = await verifyModel(model, sop, inputs, runner, { maxDetails: 1, batchSize: 256 });
      const m = report.mismatches[0];
      if (m) {
        return { kind: "mismatch", engine: engine.name, input: m.input, expected: m.expected, got: m.got, departure: describeDeparture(m.departure ?? null), count: report.mismatchCount };
      }
      last = { kind: "ok", inputs: report.total, skipped: report.skipped, undefinedPositions: report.undefinedPositions };
    } catch (err) {
      return { kind: "crash", stage: engine.name, message: firstLine(err) };
    } finally {
      runner.dispose();
    }
  }
  return last;
}

/** Whether the interpreter evaluates the program on the input without raising (it builds, too). */
export function interpretsOn(text: string, input: readonly Atom[]): boolean {
  try {
    evaluateSOp(outputSOp(loadProgram(FILE, () => text)), input);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether two failures are the same kind of failure, which shrinking must keep: a mismatch on the
 * same engine, a crash at the same stage with the same message up to names and numbers.
 */
export function sameFailure(a: Failure, b: Outcome): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "mismatch") return (b as typeof a).engine === a.engine;
  if (a.kind === "crash") return (b as typeof a).stage === a.stage && refusalKind((b as typeof a).message) === refusalKind(a.message);
  return true;
}

/** A message with names and numbers blanked, so that refusals (and crashes) can be told apart by reason. */
export function refusalKind(reason: string): string {
  return reason.replace(/'[^']*'/g, "'…'").replace(/\d+(\.\d+)?/g, "N");
}
