// The fuzz loop: program n of seed S is drawn from the generator with a seed of its own (so any one
// program can be regenerated without the others), checked on M random inputs, and, when it fails,
// shrunk with its failing input and saved as a .rasp file. The loop is a library function; the CLI
// (`raspc fuzz`) only parses options and prints.
import fc from "fast-check";
import { atomEquals, type Atom } from "../../compiler/rasp/values.js";
import { makeRng } from "../random.js";
import { randomInputs } from "../verify.js";
import { checkProgram, interpretsOn, isFailure, refusalKind, sameFailure, type Failure, type Outcome, type Pipeline, type Settings } from "./check.js";
import { writeFailureFile, type FailureRecord } from "./failureFile.js";
import { buildProgram, recipeArbitrary, renderProgram, type Avoidable, type GeneratorOptions, type Recipe } from "./generator.js";
import { shrinkFailure, type ShrinkCase } from "./shrink.js";

export interface FuzzOptions {
  readonly programs: number;
  /** Random inputs per program. */
  readonly inputs: number;
  readonly seed: number;
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  readonly maxNodes?: number;
  readonly maxDepth?: number;
  /** Constructs the generator leaves out (known bugs). */
  readonly avoid?: readonly Avoidable[];
  /** Where failure files go; null writes none. */
  readonly outDir: string | null;
  readonly pipeline: Pipeline;
  /** Shrink failures before saving them (default true). */
  readonly shrink?: boolean;
  readonly onProgress?: (done: number, summary: FuzzSummary) => void;
  readonly onFailure?: (f: FoundFailure) => void;
}

export interface FoundFailure {
  /** Which program of the run (0-based). */
  readonly index: number;
  readonly record: FailureRecord;
  /** The saved file, when the run saves them. */
  readonly file: string | null;
  /** Statements before and after shrinking. */
  readonly statementsBefore: number;
  readonly statementsAfter: number;
  readonly shrinkAttempts: number;
}

export interface FuzzSummary {
  programs: number;
  /** Programs that compiled and agreed on every engine. */
  ok: number;
  refused: number;
  /** Programs whose model would be too large to compile here (budget.ts). */
  tooLarge: number;
  /** Refusals by reason (names and numbers blanked). */
  readonly refusals: Map<string, number>;
  readonly failures: FoundFailure[];
  /** Inputs compared with the interpreter (on every engine), skipped ones not included. */
  inputsChecked: number;
  /** Inputs on which the interpreter raised, so there was nothing to compare. */
  inputsSkipped: number;
  /** Output positions left out because the program leaves them undefined there. */
  undefinedPositions: number;
  /** Statements over all programs, for the mean program size. */
  statements: number;
  seconds: number;
}

/** Program n's own seed: a 32-bit mix of the run's seed and n. */
export function programSeed(seed: number, n: number): number {
  let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}

function generatorOptions(o: FuzzOptions): GeneratorOptions {
  return {
    vocab: o.vocab,
    maxLen: o.maxLen,
    ...(o.maxNodes !== undefined ? { maxNodes: o.maxNodes } : {}),
    ...(o.maxDepth !== undefined ? { maxDepth: o.maxDepth } : {}),
    ...(o.avoid !== undefined ? { avoid: o.avoid } : {}),
  };
}

/** The recipe of program n: fast-check's generation, unbiased so that sizes spread evenly up to the maximum. */
export function programRecipe(gen: GeneratorOptions, seed: number, n: number): Recipe {
  return fc.sample(recipeArbitrary(gen), { seed: programSeed(seed, n), numRuns: 1, unbiased: true })[0]!;
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const started = performance.now();
  const gen = generatorOptions(o);
  const settings: Settings = { vocab: o.vocab, maxLen: o.maxLen };
  const summary: FuzzSummary = {
    programs: 0, ok: 0, refused: 0, tooLarge: 0, refusals: new Map(), failures: [], inputsChecked: 0, inputsSkipped: 0, undefinedPositions: 0, statements: 0, seconds: 0,
  };
  for (let n = 0; n < o.programs; n++) {
    const recipe = programRecipe(gen, o.seed, n);
    const program = buildProgram(recipe, gen);
    const inputs = [...randomInputs(o.vocab, o.maxLen, o.inputs, makeRng(programSeed(o.seed, n) ^ 0x5bd1e995))];
    const outcome = await checkProgram(renderProgram(program), settings, inputs, o.pipeline);
    summary.programs++;
    summary.statements += program.statements.length;
    tally(summary, outcome);
    if (isFailure(outcome)) {
      const found = await reportFailure(o, gen, settings, n, recipe, program.statements.length, outcome, outcome.kind === "mismatch" ? outcome.input : inputs[0]!);
      summary.failures.push(found);
      o.onFailure?.(found);
    }
    summary.seconds = (performance.now() - started) / 1000;
    o.onProgress?.(n + 1, summary);
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function tally(s: FuzzSummary, outcome: Outcome): void {
  if (outcome.kind === "ok") {
    s.ok++;
    s.inputsChecked += outcome.inputs - outcome.skipped;
    s.inputsSkipped += outcome.skipped;
    s.undefinedPositions += outcome.undefinedPositions;
  } else if (outcome.kind === "tooLarge") {
    s.tooLarge++;
  } else if (outcome.kind === "refused") {
    s.refused++;
    const k = refusalKind(outcome.reason);
    s.refusals.set(k, (s.refusals.get(k) ?? 0) + 1);
  }
}

/** The pipeline a failure needs to show itself: only the engine that failed (the others cost time). */
function pipelineFor(p: Pipeline, f: Failure): Pipeline {
  if (f.kind === "mismatch" || (f.kind === "crash" && f.stage !== "compile")) {
    const name = f.kind === "mismatch" ? f.engine : f.stage.split(" ")[0];
    return { compile: p.compile, engines: p.engines.filter((e) => e.name === name) };
  }
  return { compile: p.compile, engines: [] };
}

async function reportFailure(o: FuzzOptions, gen: GeneratorOptions, settings: Settings, n: number, recipe: Recipe, before: number, failure: Failure, failingInput: readonly Atom[]): Promise<FoundFailure> {
  const toIds = (xs: readonly Atom[]) => xs.map((t) => Math.max(0, o.vocab.findIndex((v) => atomEquals(v, t))));
  const toInput = (ids: readonly number[]) => ids.map((i) => o.vocab[i]!);
  const pipeline = pipelineFor(o.pipeline, failure);
  const outcomeOf = (c: ShrinkCase) => checkProgram(renderProgram(c.program), settings, [toInput(c.inputIds)], pipeline);
  let best: ShrinkCase = { program: buildProgram(recipe, gen), inputIds: toIds(failingInput) };
  let attempts = 0;
  let final: Failure = failure;
  if (o.shrink !== false) {
    // A crash does not depend on the input, so nothing stops a candidate from raising on it in the
    // interpreter (`tokens + 1`); such a program reproduces the crash but tests nothing else.
    const meaningful = (c: ShrinkCase) => failure.kind === "mismatch" || interpretsOn(renderProgram(c.program), toInput(c.inputIds));
    const shrunk = await shrinkFailure(best, async (c) => meaningful(c) && sameFailure(failure, await outcomeOf(c)), { vocab: o.vocab, maxLen: o.maxLen });
    attempts = shrunk.attempts;
    const again = await outcomeOf(shrunk);
    // Keep the shrunk case only if it still fails the same way when run on its own.
    if (sameFailure(failure, again)) {
      best = shrunk;
      final = again as Failure;
    }
  }
  const program = best.program;
  const input = final.kind === "mismatch" ? final.input : toInput(best.inputIds);
  const disagreeing: string[] = [];
  if (final.kind === "mismatch") {
    for (const engine of o.pipeline.engines) {
      const on = await checkProgram(renderProgram(program), settings, [[...input]], { compile: o.pipeline.compile, engines: [engine] });
      if (on.kind === "mismatch") disagreeing.push(engine.name);
    }
  }
  const record: FailureRecord = { program, settings, input, failure: final, origin: `seed ${o.seed}, program ${n}`, ...(disagreeing.length > 0 ? { disagreeing } : {}) };
  const file = o.outDir !== null ? writeFailureFile(o.outDir, `${o.seed}-${n}`, record) : null;
  return { index: n, record, file, statementsBefore: before, statementsAfter: program.statements.length, shrinkAttempts: attempts };
}
