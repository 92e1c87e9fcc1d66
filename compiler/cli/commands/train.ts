// `raspc train CONFIG.json [--out DIR] [--resume] [--force]`: pretrain a gpt on a toy next-token
// task (runtime/pretrain/). The config is checked in full before anything is written; the run's
// folder is DIR/<name>. Prints the evaluation records as they come and a one-line summary.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import { loadPretrainConfig } from "../../../runtime/pretrain/config.js";
import { PRETRAIN_FILES, pretrain, type PretrainRecord } from "../../../runtime/pretrain/run.js";
import { progressBar } from "../progress.js";

export interface TrainOptions {
  readonly out: string;
  readonly resume?: boolean;
  readonly force?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const line = (r: PretrainRecord) =>
  `step ${r.step}: train loss ${r.loss === null ? "-" : r.loss.toFixed(4)}, held-out loss ${r.evalLoss.toFixed(4)}, token acc ${pct(r.tokenAcc)}, answer acc ${pct(r.seqAcc)}` +
  (r.gradNorm === null ? "" : `, grad norm ${r.gradNorm.toFixed(3)} (clipped ${pct(r.clipped ?? 0)})`);

export async function train(file: string, opts: TrainOptions): Promise<number> {
  if (opts.resume && opts.force) throw new UsageError("--resume and --force contradict each other; pick one");
  const config = loadPretrainConfig(file);
  const runDir = path.join(opts.out, config.name);
  if (fs.existsSync(runDir) && !opts.resume && !opts.force) {
    throw new UsageError(`${runDir} already exists; use --resume to continue it or --force to start again`);
  }
  if (opts.force) fs.rmSync(runDir, { recursive: true, force: true });
  const m = config.model;
  process.stderr.write(
    `${config.name}: gpt ${m.nLayer} layers, ${m.nHead} heads, d ${m.nEmbd}, vocab ${m.vocabSize}, ${m.blockSize} positions; ${config.task.name} of ${config.task.length} symbols; ` +
      `${config.schedule.iterations} AdamW steps of batch ${config.batchSize}, peak lr ${config.schedule.peak}\n`,
  );
  const bar = progressBar("train", config.schedule.iterations);
  let printed = -1;
  const summary = await pretrain({
    config,
    runDir,
    resume: opts.resume === true,
    onProgress: (step, _total, last) => {
      if (last && last.step !== printed) {
        bar.clear();
        process.stderr.write(line(last) + "\n");
        printed = last.step;
      }
      bar.update(step);
    },
  });
  bar.finish();
  process.stdout.write(JSON.stringify({ status: summary.status, steps: summary.steps, final: summary.final, stepsPerSecond: summary.stepsPerSecond }) + "\n");
  process.stderr.write(`wrote ${path.join(runDir, PRETRAIN_FILES.metrics)} and ${path.join(runDir, PRETRAIN_FILES.checkpoint)}${summary.message ? `; ${summary.message}` : ""}\n`);
  return summary.status === "done" ? 0 : 1;
}
