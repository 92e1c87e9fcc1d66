// `raspc experiment CONFIG.json [--out DIR] [--jobs N] [--resume] [--force] [--engine E] [--backend B]`:
// run a fine-tuning sweep (runtime/experiment/) and print its tables. The config is checked in
// full before anything is written, so a bad one leaves no folder behind.
import * as fs from "node:fs";
import * as path from "node:path";
import { loadExperimentConfig } from "../../../runtime/experiment/config.js";
import { planRuns } from "../../../runtime/experiment/plan.js";
import { runSweep, serveWorker } from "../../../runtime/experiment/sweep.js";
import { SWEEP_FILES } from "../../../runtime/experiment/runOne.js";
import { parsePositiveInt } from "./modelArgs.js";
import { formatEta, SweepDisplay } from "../sweepDisplay.js";

export interface ExperimentOptions {
  readonly out: string;
  readonly jobs: string;
  readonly resume?: boolean;
  readonly force?: boolean;
  readonly engine?: string;
  readonly backend?: string;
}

export async function experiment(file: string, opts: ExperimentOptions): Promise<number> {
  const jobs = parsePositiveInt(opts.jobs, "--jobs");
  const overrides: Record<string, unknown> = {};
  if (opts.engine !== undefined) overrides.engine = opts.engine;
  if (opts.backend !== undefined) overrides.backend = opts.backend;
  if (opts.engine !== undefined && opts.backend === undefined) overrides.backend = opts.engine === "tfjs" ? "wasm" : "cpu";
  const config = loadExperimentConfig(file, overrides);
  const runs = planRuns(config);
  const iterations = runs.reduce((a, r) => a + r.iterations, 0);
  process.stderr.write(`${config.name}: ${runs.length} runs (${iterations.toLocaleString("en-US")} iterations of batch ${config.training.batchSize}) on ${config.engine}/${config.backend}, ${jobs} at a time\n`);
  const result = await runSweep({ config, outDir: opts.out, jobs, resume: opts.resume === true, force: opts.force === true, workerScript: process.argv[1], observe: (all, pending) => new SweepDisplay(all, pending, (line) => process.stderr.write(line + "\n")) });
  const markdown = fs.readFileSync(path.join(result.dir, SWEEP_FILES.markdown), "utf8");
  process.stdout.write(markdown);
  const failed = result.results.filter((r) => r.summary === null);
  process.stderr.write(
    `\nwrote ${path.join(result.dir, SWEEP_FILES.markdown)}, ${path.join(result.dir, SWEEP_FILES.csv)} and ${runs.length} run folders in ${formatEta(result.seconds)}` +
      (failed.length > 0 ? `; ${failed.length} runs did not finish (see the note column)` : "") +
      "\n",
  );
  return failed.some((r) => r.note?.startsWith("failed")) ? 1 : 0;
}

/** The hidden command a sweep's worker processes run. */
export function experimentWorker(): Promise<number> {
  serveWorker();
  // The worker exits by itself once its run is done; keep the command from setting an exit code first.
  return new Promise<number>(() => {});
}
