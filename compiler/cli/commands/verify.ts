// `raspc verify FILE.rasp (--vocab JSON --max-len N | --model MODEL.json) [--sop NAME] [--bos BOS]
//   [--samples K | --exhaustive] [--seed S] [--set NAME=VALUE] [--coldness C] [--engine ort|tfjs]`: compile in memory (or read a
// model file, which may have been edited or fine-tuned since it was compiled), then compare the
// model's decoded output with the interpreter's on K random inputs (default 1000) or on every input
// up to the max length. Inputs on which the interpreter itself raises are skipped and counted. The
// model runs on onnxruntime-node unless --engine tfjs says otherwise.
import { UsageError } from "../../language/diagnostics.js";
import { readModel } from "../../model/modelFile.js";
import { progressBar } from "../progress.js";
import { formatAtom, type Atom } from "../../rasp/values.js";
import { createRunner, type EngineName } from "../../../runtime/forward/runModel.js";
import { makeRng } from "../../../runtime/random.js";
import { describeDeparture, exhaustiveCount, exhaustiveInputs, hasDistinctTokens, randomInputs, verifyModel } from "../../../runtime/verify.js";

import { compileForCli, formatDuration, formatSeconds, loadSOp, parseColdness, parseNonNegativeInt, parseOverrides, parsePositiveInt, parseVocab, showAtoms, type CompileArgs } from "./modelArgs.js";

export interface VerifyCommandOptions extends Omit<CompileArgs, "vocab" | "maxLen"> {
  readonly vocab?: string;
  readonly maxLen?: string;
  readonly model?: string;
  readonly samples?: string;
  readonly distinct?: boolean;
  readonly exhaustive?: boolean;
  readonly seed?: string;
  /** Default "ort". */
  readonly engine?: EngineName;
}

export const DEFAULT_SAMPLES = 1000;
export const MAX_EXHAUSTIVE = 2_000_000;
const MAX_SHOWN = 10;

function* onlyDistinct(inputs: Iterable<Atom[]>, distinct: boolean): Generator<Atom[]> {
  for (const x of inputs) if (!distinct || hasDistinctTokens(x)) yield x;
}

function showOutputs(xs: readonly Atom[], numerical: boolean): string {
  return numerical ? `[${xs.map((x) => (typeof x === "number" ? String(Number(x.toPrecision(6))) : formatAtom(x))).join(", ")}]` : showAtoms(xs);
}

export async function verify(file: string, opts: VerifyCommandOptions, sources: Map<string, string>): Promise<number> {
  const started = performance.now();
  if (opts.model !== undefined && (opts.vocab !== undefined || opts.maxLen !== undefined)) {
    throw new UsageError("--model brings its own vocabulary and max length; give --model or --vocab and --max-len, not both");
  }
  if (opts.model === undefined && (opts.vocab === undefined || opts.maxLen === undefined)) {
    throw new UsageError(`required option '${opts.vocab === undefined ? "--vocab <json>" : "--max-len <n>"}' not specified (or give --model MODEL.json)`);
  }
  if (opts.model !== undefined && opts.coldness !== undefined) throw new UsageError("--coldness applies when compiling; a --model file was compiled already");
  const coldness = parseColdness(opts.coldness);
  if (opts.model !== undefined && opts.maxParams !== undefined) throw new UsageError("--max-params applies when compiling; a --model file was compiled already");
  const maxParams = opts.maxParams === undefined ? undefined : parsePositiveInt(opts.maxParams, "--max-params");
  const given = opts.model !== undefined ? readModel(opts.model) : null;
  const vocab = given ? given.vocab : parseVocab(opts.vocab!);
  const maxLen = given ? given.maxLen : parsePositiveInt(opts.maxLen!, "--max-len");
  if (opts.exhaustive && opts.samples !== undefined) throw new UsageError("give either --samples K or --exhaustive, not both");
  const samples = opts.samples !== undefined ? parsePositiveInt(opts.samples, "--samples") : DEFAULT_SAMPLES;
  const seed = opts.seed !== undefined ? parseNonNegativeInt(opts.seed, "--seed") : 0;
  let total = samples;
  if (opts.exhaustive) {
    total = exhaustiveCount(vocab.length, maxLen);
    if (total > MAX_EXHAUSTIVE) {
      const shown = total > 1e15 ? total.toExponential(2) : total.toLocaleString("en-US");
      throw new UsageError(
        `--exhaustive would check ${shown} inputs (${vocab.length} tokens, lengths 1..${maxLen}), more than the limit of ${MAX_EXHAUSTIVE.toLocaleString("en-US")}; use --samples K, or a smaller --max-len or vocabulary`,
      );
    }
  }

  if (opts.exhaustive && opts.distinct) {
    // The progress bar counts the inputs actually checked: arrangements of distinct tokens.
    total = 0;
    for (let n = 1, arrangements = 1; n <= Math.min(maxLen, vocab.length); n++) total += arrangements *= vocab.length - n + 1;
  }
  const overrides = parseOverrides(opts.set);
  const allowOutside = opts.allowOutside === true;
  const { model, sop, seconds } = given
    ? { model: given, sop: loadSOp(file, opts.sop, sources, overrides, allowOutside), seconds: 0 }
    : await compileForCli(file, {
        vocab, maxLen, sop: opts.sop, sources, overrides, allowOutside,
        ...(opts.bos !== undefined ? { bos: opts.bos } : {}), ...(coldness !== undefined ? { coldness } : {}), ...(maxParams !== undefined ? { maxParams } : {}),
      });
  const runner = await createRunner(model, { engine: opts.engine ?? "ort" });
  const what = (opts.exhaustive ? `all inputs of length 1..${maxLen}` : `${total} random inputs (seed ${seed})`) + (opts.distinct ? " with distinct tokens" : "");
  const origin = given ? `read ${opts.model}` : `compiled ${file} (s-op ${opts.sop}) in ${formatDuration(seconds)}`;
  process.stdout.write(`verify: ${origin}: ${model.layers.length} layer${model.layers.length === 1 ? "" : "s"}, d_model ${model.residual.length}; checking ${what} on ${runner.label}\n`);
  const distinct = opts.distinct === true;
  const inputs = opts.exhaustive ? onlyDistinct(exhaustiveInputs(vocab, maxLen), distinct) : randomInputs(vocab, maxLen, samples, makeRng(seed), distinct);
  const bar = progressBar("verify", total, 2000);
  let report;
  try {
    report = await verifyModel(model, sop, inputs, runner, { maxDetails: MAX_SHOWN, onProgress: (done) => bar.update(done) });
  } finally {
    bar.finish();
    runner.dispose();
  }

  const numerical = model.output.encoding === "numerical";
  const out: string[] = [];
  report.mismatches.forEach((m, i) => {
    out.push(`mismatch ${i + 1}: input ${JSON.stringify(m.input)}`);
    out.push(`  expected ${showOutputs(m.expected, numerical)}`);
    out.push(`  got      ${showOutputs(m.got, numerical)}`);
    if (m.departure !== undefined) out.push(`  ${describeDeparture(m.departure)}`);
  });
  if (report.mismatchCount > report.mismatches.length) out.push(`... and ${report.mismatchCount - report.mismatches.length} more mismatches`);
  if (report.skipped > 0 && report.firstSkipReason) out.push(`skipped inputs: the interpreter raised an error, e.g. ${report.firstSkipReason}`);
  const elapsed = (performance.now() - started) / 1000;
  out.push(`verify: ${report.total} inputs, ${report.mismatchCount} mismatches (${report.skipped} skipped: interpreter error)${report.undefinedPositions > 0 ? `, ${report.undefinedPositions} output positions left out (undefined: a categorical aggregate selects differing values there)` : ""}, ${formatSeconds(elapsed)} s`);
  process.stdout.write(out.join("\n") + "\n");
  return report.mismatchCount > 0 ? 1 : 0;
}
