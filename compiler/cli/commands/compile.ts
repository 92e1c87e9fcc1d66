// `raspc compile FILE.rasp --vocab JSON --max-len N [--sop NAME] [--bos BOS] [--set NAME=VALUE] [--coldness C] -o MODEL.json`:
// compile a program's output s-op into a transformer and write the model file (atomically).
import * as path from "node:path";
import { writeModel } from "../../model/modelFile.js";
import { compileForCli, formatDuration, parseColdness, refuseOverwrite, parseOverrides, parsePositiveInt, parseVocab, summaryLines, type CompileArgs } from "./modelArgs.js";

export interface CompileCommandOptions extends CompileArgs {
  readonly output: string;
}

export async function compile(file: string, opts: CompileCommandOptions, sources: Map<string, string>): Promise<number> {
  // Options are checked before the program is read: they are the quickest thing to fix.
  refuseOverwrite(opts.output, file, "-o");
  const vocab = parseVocab(opts.vocab);
  const maxLen = parsePositiveInt(opts.maxLen, "--max-len");
  const coldness = parseColdness(opts.coldness);
  const maxParams = opts.maxParams === undefined ? undefined : parsePositiveInt(opts.maxParams, "--max-params");
  const overrides = parseOverrides(opts.set);
  const { model, seconds } = await compileForCli(file, {
    vocab, maxLen, sop: opts.sop, sources, overrides, allowOutside: opts.allowOutside === true,
    ...(opts.bos !== undefined ? { bos: opts.bos } : {}), ...(coldness !== undefined ? { coldness } : {}), ...(maxParams !== undefined ? { maxParams } : {}),
  });
  writeModel(opts.output, model);
  const lines = [`compiled ${file} (s-op ${opts.sop}) in ${formatDuration(seconds)} -> ${path.normalize(opts.output)}`, ...summaryLines(model)];
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
