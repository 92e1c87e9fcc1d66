// `raspc fuzz [--programs N] [--inputs M] [--seed S] [--vocab JSON] [--max-len L] [--out DIR]
//   [--max-nodes K] [--max-depth D] [--avoid C1,C2] [--no-shrink]`: differential fuzzing of the
// compiler. Generated programs are interpreted, compiled, and run on every engine (tfjs, the
// Float64 reference, ORT where it loads) on M random inputs each; a program whose model disagrees
// with the interpreter, or that crashes the compiler or an engine, is shrunk and saved to DIR as a
// .rasp file, with a line on stdout. Refusals (programs the compiler reports as outside what it
// compiles) are counted by reason, not failures. Exit 1 when anything failed.
import { UsageError } from "../../language/diagnostics.js";
import { availableEngines } from "../../../runtime/fuzz/engines.js";
import { defaultCompile, type Pipeline } from "../../../runtime/fuzz/check.js";
import { describeFailure } from "../../../runtime/fuzz/failureFile.js";
import { AVOIDABLE, type Avoidable } from "../../../runtime/fuzz/generator.js";
import { renderAtom } from "../../../runtime/fuzz/program.js";
import { runFuzz, type FoundFailure, type FuzzSummary } from "../../../runtime/fuzz/run.js";
import type { Atom } from "../../rasp/values.js";
import { formatSeconds, parseNonNegativeInt, parsePositiveInt, parseVocab } from "./modelArgs.js";
import { progressBar } from "../progress.js";

export interface FuzzCommandOptions {
  readonly programs?: string;
  readonly inputs?: string;
  readonly seed?: string;
  readonly vocab?: string;
  readonly maxLen?: string;
  readonly out?: string;
  readonly maxNodes?: string;
  readonly maxDepth?: string;
  /** Comma-separated names of AVOIDABLE. */
  readonly avoid?: string;
  readonly shrink?: boolean;
}

export const DEFAULT_PROGRAMS = 100;
export const DEFAULT_INPUTS = 100;
export const DEFAULT_VOCAB: readonly Atom[] = ["a", "b", "c"];
export const DEFAULT_MAX_LEN = 6;
export const DEFAULT_OUT = "fuzz-failures";

const count = (n: number) => n.toLocaleString("en-US");
const percent = (part: number, whole: number) => (whole === 0 ? "0%" : `${((100 * part) / whole).toFixed(1)}%`);

function failureLine(f: FoundFailure): string {
  const r = f.record;
  const what = r.failure.kind === "mismatch"
    // JSON, not the table format: 0.4 and 0.4000000000000001 must not print alike.
    ? `${describeFailure(r.failure, r.disagreeing)} on ${JSON.stringify(r.input)}: expected ${JSON.stringify(r.failure.expected)}, got ${JSON.stringify(r.failure.got)}`
    : describeFailure(r.failure, r.disagreeing);
  const shrunk = f.statementsAfter < f.statementsBefore ? ` (shrunk from ${f.statementsBefore} to ${f.statementsAfter} statements)` : ` (${f.statementsAfter} statements)`;
  return `fuzz: program ${f.index}: ${what}${shrunk}${f.file ? ` -> ${f.file}` : ""}`;
}

export function summaryLines(s: FuzzSummary, engines: number): string[] {
  const byKind = (k: string) => s.failures.filter((f) => f.record.failure.kind === k).length;
  const perMinute = s.seconds > 0 ? (s.programs / s.seconds) * 60 : 0;
  const inputsPerSecond = s.seconds > 0 ? (s.inputsChecked * engines) / s.seconds : 0;
  const lines = [
    `fuzz: ${count(s.programs)} programs (mean ${(s.statements / Math.max(1, s.programs)).toFixed(1)} statements): ${count(s.refused)} refused (${percent(s.refused, s.programs)}), ${s.tooLarge > 0 ? `${count(s.tooLarge)} too large to compile here, ` : ""}${byKind("mismatch")} mismatching, ${byKind("crash")} crashing, ${byKind("invalid")} invalid`,
    `fuzz: ${count(s.inputsChecked)} inputs checked on ${engines} engine${engines === 1 ? "" : "s"} (${count(s.inputsSkipped)} skipped: interpreter error; ${count(s.undefinedPositions)} output positions left out: undefined); ${formatSeconds(s.seconds)} s, ${count(Math.round(perMinute))} programs/minute, ${count(Math.round(inputsPerSecond))} engine inputs/s`,
  ];
  const reasons = [...s.refusals].sort((a, b) => b[1] - a[1]);
  for (const [reason, n] of reasons) lines.push(`  refused ${n}x: ${reason}`);
  return lines;
}

/** `--avoid a,b`: names of constructs the generator can leave out. */
function parseAvoid(text: string): Avoidable[] {
  const names = text.split(",").map((n) => n.trim()).filter((n) => n !== "");
  for (const n of names) {
    if (!(n in AVOIDABLE)) throw new UsageError(`--avoid: unknown construct '${n}'; the generator can avoid ${Object.keys(AVOIDABLE).join(", ")}`);
  }
  return names as Avoidable[];
}

/** Every token must be writable as a RASP literal: failures are saved as .rasp source. */
function checkVocab(vocab: readonly Atom[]): void {
  for (const t of vocab) {
    try {
      renderAtom(t);
    } catch (err) {
      throw new UsageError(`--vocab: ${(err as Error).message}; the fuzzer writes programs that name tokens`);
    }
  }
}

/**
 * The command. `replace` swaps parts of the pipeline (the compiler, the engines): the CLI never
 * passes it; tests do, to see that a broken compiler is caught, saved and reported with exit 1.
 */
export async function fuzz(opts: FuzzCommandOptions, replace: Partial<Pipeline> = {}): Promise<number> {
  const programs = opts.programs !== undefined ? parsePositiveInt(opts.programs, "--programs") : DEFAULT_PROGRAMS;
  const inputs = opts.inputs !== undefined ? parsePositiveInt(opts.inputs, "--inputs") : DEFAULT_INPUTS;
  const seed = opts.seed !== undefined ? parseNonNegativeInt(opts.seed, "--seed") : 0;
  const vocab = opts.vocab !== undefined ? parseVocab(opts.vocab) : [...DEFAULT_VOCAB];
  const maxLen = opts.maxLen !== undefined ? parsePositiveInt(opts.maxLen, "--max-len") : DEFAULT_MAX_LEN;
  const maxNodes = opts.maxNodes !== undefined ? parsePositiveInt(opts.maxNodes, "--max-nodes") : undefined;
  const maxDepth = opts.maxDepth !== undefined ? parsePositiveInt(opts.maxDepth, "--max-depth") : undefined;
  const avoid = opts.avoid !== undefined ? parseAvoid(opts.avoid) : [];
  checkVocab(vocab);
  const { engines, skipped } = replace.engines ? { engines: replace.engines, skipped: [] } : await availableEngines(vocab);
  const outDir = opts.out ?? DEFAULT_OUT;
  const vocabText = `[${vocab.map((t) => JSON.stringify(t)).join(",")}]`;
  process.stdout.write(`fuzz: ${count(programs)} programs x ${count(inputs)} inputs, seed ${seed}, vocab ${vocabText}, max len ${maxLen}${avoid.length > 0 ? `, avoiding ${avoid.join(", ")}` : ""}; engines: ${engines.map((e) => e.name).join(", ")}${skipped.length > 0 ? ` (not ${skipped.join("; ")})` : ""}\n`);
  const bar = progressBar("fuzz", programs);
  let summary: FuzzSummary;
  try {
    summary = await runFuzz({
      programs, inputs, seed, vocab, maxLen, outDir,
      ...(maxNodes !== undefined ? { maxNodes } : {}),
      ...(maxDepth !== undefined ? { maxDepth } : {}),
      avoid,
      shrink: opts.shrink !== false,
      pipeline: { compile: replace.compile ?? defaultCompile, engines },
      onProgress: (done, s) => bar.update(done, ` programs, ${s.failures.length} failing, ${s.refused} refused`),
      onFailure: (f) => {
        bar.clear();
        process.stdout.write(failureLine(f) + "\n");
      },
    });
  } finally {
    bar.finish();
  }
  process.stdout.write(summaryLines(summary, engines.length).join("\n") + "\n");
  return summary.failures.length > 0 ? 1 : 0;
}
