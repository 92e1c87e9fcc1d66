// Running a whole sweep: compile the two models once, plan the runs, execute them — in this
// process with --jobs 1, otherwise in up to `jobs` worker processes — each run after the run it
// starts from, and write the sweep's CSV and Markdown tables as runs finish. A sweep folder can be
// resumed: finished runs are kept, interrupted ones continue from their checkpoints.
//
//   OUT/NAME/experiment.json     the resolved config (a resume must match it)
//   OUT/NAME/models/{pt,ft}.json the compiled O_PT and O_FT models
//   OUT/NAME/runs/ID/            config.json, metrics.jsonl, checkpoint.json, summary.json
//   OUT/NAME/sweep.csv, sweep.md the tables
//   OUT/NAME.lock                while the sweep runs: who holds the folder (sweepLock.ts)
import { fork, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { readBoundedText } from "../../compiler/common/boundedRead.js";
import { writeModel } from "../../compiler/model/modelFile.js";
import type { MetricsRecord, RunSummary } from "../train/loop.js";
import type { ExperimentConfig } from "./config.js";
import { planRuns, type PlannedRun } from "./plan.js";
import { modelFile, readSummary, runDir, runOne, SWEEP_FILES, sweepTestSamples, taskSpec, threadsPerRun } from "./runOne.js";
import { baselines, type Baseline } from "./baselines.js";
import { sweepCsv, sweepMarkdown, type RunResult } from "./tables.js";
import { exitWithParent } from "./parentWatch.js";
import { SweepLock } from "./sweepLock.js";
import { preflight, type SweepModels } from "./preflight.js";

export interface SweepOptions {
  readonly config: ExperimentConfig;
  /** Folder the sweep folder goes in (NAME is the config's name). */
  readonly outDir: string;
  readonly jobs: number;
  /** Continue an existing sweep folder. */
  readonly resume: boolean;
  /** Delete an existing sweep folder first. */
  readonly force: boolean;
  /** The script workers run (`raspc`'s own entry); required when jobs > 1. */
  readonly workerScript?: string;
  readonly log?: (line: string) => void;
  /** The config file, to name it in messages (default "config"). */
  readonly configFile?: string;
  /** `load`s in the program may read outside its folder tree. */
  readonly allowOutside?: boolean;
  /** A line logged once every check has passed and the folder is ready. */
  readonly header?: string;
  /** Who hears the sweep's progress events (the CLI draws them: compiler/cli/sweepDisplay.ts). */
  readonly observe?: (all: readonly PlannedRun[], pending: readonly PlannedRun[]) => SweepObserver;
}

/** The events a sweep emits as its runs start, progress, finish, fail or are skipped. */
export interface SweepObserver {
  start(r: PlannedRun): void;
  progress(r: PlannedRun, step: number, total: number, last: MetricsRecord | null): void;
  finish(r: PlannedRun, summary: RunSummary): void;
  fail(r: PlannedRun, why: string): void;
  skip(r: PlannedRun): void;
  /** The sweep is over or interrupted: release the terminal. */
  close(): void;
}

const silent: SweepObserver = { start() {}, progress() {}, finish() {}, fail() {}, skip() {}, close() {} };

export interface SweepResult {
  readonly dir: string;
  readonly results: RunResult[];
  readonly seconds: number;
}

/** The message a worker process gets, and what it sends back. */
export interface WorkerRequest {
  readonly config: ExperimentConfig;
  readonly sweepDir: string;
  readonly runId: string;
  readonly threads: number;
  readonly resume: boolean;
}
export type WorkerMessage =
  | { readonly type: "progress"; readonly step: number; readonly total: number; readonly last: MetricsRecord | null }
  | { readonly type: "done"; readonly summary: RunSummary }
  | { readonly type: "error"; readonly message: string };

function writeModels(models: SweepModels, sweepDir: string): void {
  fs.mkdirSync(path.join(sweepDir, SWEEP_FILES.models), { recursive: true });
  writeModel(modelFile(sweepDir, "pt"), models.pt);
  writeModel(modelFile(sweepDir, "ft"), models.ft);
}

/** The first path where two JSON values differ, for "the config changed" messages. */
function firstDifference(a: unknown, b: unknown, at = ""): string | null {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null || typeof a !== "object") {
    return JSON.stringify(a) === JSON.stringify(b) ? null : at || "(root)";
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const k of keys) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k);
    if (d) return d;
  }
  return null;
}

function prepareFolder(o: SweepOptions, dir: string): void {
  const configFile = path.join(dir, SWEEP_FILES.config);
  if (fs.existsSync(dir)) {
    if (o.force) fs.rmSync(dir, { recursive: true, force: true });
    else if (!o.resume) throw new UsageError(`${dir} already exists; pass --resume to continue that sweep or --force to start it again`);
    else if (fs.existsSync(configFile)) {
      const before = JSON.parse(readBoundedText(configFile, "a sweep's experiment.json", 1024 * 1024)) as unknown;
      const d = firstDifference(before, JSON.parse(JSON.stringify(o.config)));
      if (d) throw new UsageError(`${dir}: the config differs from the one this sweep started with (${d}); use --force to start again, or another name`);
    }
  } else if (o.resume) throw new UsageError(`${dir}: no sweep to resume there (the folder does not exist); leave out --resume to start it`);
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(configFile, JSON.stringify(o.config, null, 2) + "\n");
}

function writeTables(c: ExperimentConfig, dir: string, results: readonly RunResult[], base: readonly Baseline[]): void {
  writeFileAtomic(path.join(dir, SWEEP_FILES.csv), sweepCsv(results, base));
  writeFileAtomic(path.join(dir, SWEEP_FILES.markdown), sweepMarkdown(results, { title: `${c.name}: ${c.task}, ${c.engine}/${c.backend}`, oPt: c.oPt, oFt: c.oFt, seeds: c.seeds, baselines: base }));
}

/** Runs one planned run in a worker process; resolves with its summary. */
function runInWorker(script: string, req: WorkerRequest, onProgress: (m: Extract<WorkerMessage, { type: "progress" }>) => void, children: Set<ChildProcess>, lock: SweepLock): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const child = fork(script, ["__experiment-worker"], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    children.add(child);
    if (child.pid !== undefined) lock.addWorker(child.pid);
    let settled = false;
    let stderr = "";
    child.stderr?.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    child.on("message", (m: WorkerMessage) => {
      if (m.type === "progress") onProgress(m);
      else if (m.type === "done") {
        settled = true;
        resolve(m.summary);
      } else {
        settled = true;
        reject(new UsageError(m.message));
      }
    });
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (!settled) reject(new Error(`the worker for ${req.runId} stopped (${signal ?? `exit ${code}`})${stderr ? `: ${stderr.trim().split("\n").at(-1)}` : ""}`));
    });
    child.send(req);
  });
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const c = o.config;
  if (!Number.isInteger(o.jobs) || o.jobs < 1) throw new UsageError(`--jobs must be a positive integer, got ${o.jobs}`);
  if (o.jobs > 1 && !o.workerScript) throw new Error("runSweep: jobs > 1 needs a workerScript");
  const dir = path.join(o.outDir, c.name);
  const runs = planRuns(c);
  // Everything that can fail is tried before the first write (preflight.ts).
  if (o.resume && o.force) throw new UsageError("--resume continues a sweep and --force deletes it; give one of them");
  const models = await preflight(c, o.configFile ?? "config", o.allowOutside === true);
  const lock = SweepLock.acquire(dir);
  try {
    return await sweepLocked(o, dir, runs, lock, models);
  } finally {
    lock.release();
  }
}

async function sweepLocked(o: SweepOptions, dir: string, runs: PlannedRun[], lock: SweepLock, models: SweepModels): Promise<SweepResult> {
  const c = o.config;
  const log = o.log ?? ((line: string) => process.stderr.write(line + "\n"));
  prepareFolder(o, dir);
  if (o.header !== undefined) log(o.header);
  if (!fs.existsSync(modelFile(dir, "pt")) || !fs.existsSync(modelFile(dir, "ft"))) writeModels(models, dir);

  // The runs' test sets (runOne.ts draws the same ones), for the baseline rows of the tables.
  const base = baselines(taskSpec(c), sweepTestSamples(c));
  const started = performance.now();
  const results = new Map<string, RunResult>(runs.map((r) => [r.id, { run: r, summary: readSummary(dir, r.id) }]));
  const ordered = (): RunResult[] => runs.map((r) => results.get(r.id)!);
  const pending = runs.filter((r) => results.get(r.id)!.summary === null);
  const kept = runs.length - pending.length;
  if (kept > 0) log(`${dir}: ${kept} of ${runs.length} runs already finished; continuing`);
  const threads = threadsPerRun(c, o.jobs, os.availableParallelism());
  const display = o.observe ? o.observe(runs, pending) : silent;
  const children = new Set<ChildProcess>();
  // Checkpoints are written atomically, so stopping anywhere is safe; say how to go on. The workers
  // are waited for (a second at most) so that the lock is released only when nobody writes.
  const stopChildren = (signal: NodeJS.Signals): void => {
    children.forEach((ch) => ch.kill("SIGTERM"));
    display.close();
    process.stderr.write(`\ninterrupted; continue with the same command and --resume (${dir})\n`);
    const leave = () => process.exit(signal === "SIGTERM" ? 143 : 130);
    const waits = [...children].map((ch) => new Promise((res) => (ch.exitCode !== null || ch.signalCode !== null ? res(null) : ch.once("exit", res))));
    void Promise.race([Promise.all(waits), new Promise((res) => setTimeout(res, 1000))]).then(() => {
      children.forEach((ch) => ch.kill("SIGKILL"));
      leave();
    });
  };
  process.once("SIGINT", stopChildren);
  process.once("SIGTERM", stopChildren);

  const isReady = (r: PlannedRun): boolean => r.start.kind !== "run" || results.get(r.start.id)!.summary !== null || results.get(r.start.id)!.note !== undefined;
  const execute = async (r: PlannedRun): Promise<void> => {
    if (r.start.kind === "run") {
      const src = results.get(r.start.id)!;
      if (!src.summary || src.summary.status !== "done") {
        results.set(r.id, { run: r, summary: null, note: `not run: ${r.start.id} ${src.summary ? "diverged" : "did not finish"}` });
        display.skip(r);
        return;
      }
    }
    display.start(r);
    const resume = o.resume || fs.existsSync(runDir(dir, r.id));
    try {
      const summary =
        o.jobs === 1
          ? await runOne({ config: c, sweepDir: dir, run: r, threads, resume, onProgress: (step, total, last) => display.progress(r, step, total, last) })
          : await runInWorker(o.workerScript!, { config: c, sweepDir: dir, runId: r.id, threads, resume }, (m) => display.progress(r, m.step, m.total, m.last), children, lock);
      results.set(r.id, { run: r, summary });
      display.finish(r, summary);
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
      results.set(r.id, { run: r, summary: null, note: `failed: ${why}` });
      display.fail(r, why);
      if (err instanceof UsageError && o.jobs === 1) throw err;
    }
    writeTables(c, dir, ordered(), base);
  };

  try {
    const queue = [...pending];
    const active = new Set<Promise<void>>();
    while (queue.length > 0 || active.size > 0) {
      while (active.size < o.jobs) {
        const i = queue.findIndex(isReady);
        if (i < 0) break;
        const [r] = queue.splice(i, 1);
        const p: Promise<void> = execute(r!).finally(() => active.delete(p));
        active.add(p);
      }
      if (active.size === 0) break; // nothing runnable: only runs whose sources never finish
      await Promise.race(active);
    }
  } finally {
    process.removeListener("SIGINT", stopChildren);
    process.removeListener("SIGTERM", stopChildren);
    display.close();
  }
  writeTables(c, dir, ordered(), base);
  return { dir, results: ordered(), seconds: (performance.now() - started) / 1000 };
}

/** The worker side: one request in, progress and a summary out, then exit. */
export function serveWorker(): void {
  exitWithParent();
  process.once("message", (req: WorkerRequest) => {
    void (async () => {
      const send = (m: WorkerMessage) => new Promise<void>((res) => process.send!(m, () => res()));
      try {
        const run = planRuns(req.config).find((r) => r.id === req.runId);
        if (!run) throw new Error(`no run ${req.runId} in this sweep`);
        let last = 0;
        const summary = await runOne({
          config: req.config,
          sweepDir: req.sweepDir,
          run,
          threads: req.threads,
          resume: req.resume,
          onProgress: (step, total, rec) => {
            const now = performance.now();
            if (now - last < 200 && step < total) return;
            last = now;
            void send({ type: "progress", step, total, last: rec });
          },
        });
        await send({ type: "done", summary });
      } catch (err) {
        await send({ type: "error", message: (err instanceof Error ? err.message : String(err)).split("\n")[0]! });
      }
      process.exit(0);
    })();
  });
}
