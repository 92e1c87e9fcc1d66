// The compile options, checked once, at the compiler's boundary (compileSOp and compileFile both
// call checkCompileOptions). Errors name the option field (`maxLen must be a positive integer`);
// the CLI maps fields to its flags (compiler/cli/commands/modelArgs.ts), so a user of `raspc`
// still reads `--max-len must be ...`, and a caller of the library reads the field it passed.
import { UsageError } from "./language/diagnostics.js";
import { atomEquals, formatAtom, type Atom } from "./rasp/values.js";

export interface CompileOptions {
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  /** The BOS token's name (default "BOS"); it must not be in the vocabulary. */
  readonly bos?: string;
  /** Width of a discretising MLP's ramps as a fraction of the gap between neighbouring values (default 0.25). */
  readonly mlpBand?: number;
  /**
   * Attention coldness: a selected key scores this much above an unselected one (default: from the
   * domain, at least 40; see coldnessFor in passes/craftBlocks.ts). A lower value trades exactness
   * margin for trainability: every score, and every perturbation of the query/key weights, is
   * multiplied by it.
   */
  readonly coldness?: number;
}

export type CompileOptionField = keyof CompileOptions;

/** How a caller names the option fields in messages; the library's own names by default. */
export type FieldNames = (field: CompileOptionField) => string;

const fieldNames: FieldNames = (f) => f;

/** A bad compile option: the message is written with whatever names the caller gives the fields. */
export class CompileOptionError extends UsageError {
  constructor(
    readonly field: CompileOptionField,
    readonly describe: (name: FieldNames) => string,
  ) {
    super(describe(fieldNames));
  }
}

/** Checks every field; returns the BOS name in effect. */
export function checkCompileOptions(opts: CompileOptions): string {
  const bos = opts.bos ?? "BOS";
  const fail = (field: CompileOptionField, describe: (name: FieldNames) => string): never => {
    throw new CompileOptionError(field, describe);
  };
  if (!Number.isInteger(opts.maxLen) || opts.maxLen < 1) fail("maxLen", (n) => `${n("maxLen")} must be a positive integer, got ${opts.maxLen}`);
  if (opts.maxLen > 512) fail("maxLen", (n) => `${n("maxLen")} ${opts.maxLen} is larger than the supported 512`);
  if (opts.vocab.length === 0) fail("vocab", (n) => `${n("vocab")} must list at least one token`);
  for (let i = 0; i < opts.vocab.length; i++) {
    const v = opts.vocab[i]!;
    for (let j = 0; j < i; j++) if (atomEquals(v, opts.vocab[j]!)) fail("vocab", (n) => `${n("vocab")} lists ${formatAtom(v)} twice`);
    if (v === bos) fail("vocab", (n) => `${n("vocab")} contains the BOS token "${bos}"; pick another ${n("bos")}`);
  }
  if (opts.mlpBand !== undefined && !(opts.mlpBand > 0 && opts.mlpBand <= 0.5)) fail("mlpBand", (n) => `${n("mlpBand")} must be in (0, 0.5], got ${opts.mlpBand}`);
  if (opts.coldness !== undefined && !(Number.isFinite(opts.coldness) && opts.coldness > 0)) fail("coldness", (n) => `${n("coldness")} must be a positive number, got ${opts.coldness}`);
  return bos;
}
