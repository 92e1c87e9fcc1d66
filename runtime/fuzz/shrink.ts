// Shrinking a failure with fast-check's own shrinker: the failing program and input are handed to
// fc.check as its one example, and the property is "this does not fail the same way", so what
// fast-check reports back is the smallest program and input it found that still fail.
import fc from "fast-check";
import type { Atom } from "../../compiler/rasp/values.js";
import { inputIdsArbitrary, programArbitrary } from "./generator.js";
import type { GeneratedProgram } from "./program.js";

export interface ShrinkCase {
  readonly program: GeneratedProgram;
  /** The input as indices into the vocabulary. */
  readonly inputIds: readonly number[];
}

export interface ShrinkOptions {
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  /** Candidates tried at most; past it the best so far is kept (default 1500). */
  readonly maxAttempts?: number;
}

export async function shrinkFailure(start: ShrinkCase, stillFails: (c: ShrinkCase) => Promise<boolean>, opts: ShrinkOptions): Promise<ShrinkCase & { attempts: number }> {
  const maxAttempts = opts.maxAttempts ?? 1500;
  let attempts = 0;
  const programs = programArbitrary({ vocab: opts.vocab, maxLen: opts.maxLen });
  const property = fc.asyncProperty(programs, inputIdsArbitrary(opts.vocab.length, opts.maxLen), async (program, inputIds) => {
    // Past the budget every candidate "passes", which ends shrinking at the smallest failure so far.
    if (attempts >= maxAttempts) return true;
    attempts++;
    return !(await stillFails({ program, inputIds }));
  });
  const result = await fc.check(property, { examples: [[start.program, [...start.inputIds]]], numRuns: 1 });
  if (!result.failed || !result.counterexample) return { ...start, attempts };
  const [program, inputIds] = result.counterexample as [GeneratedProgram, number[]];
  return { program, inputIds, attempts };
}
