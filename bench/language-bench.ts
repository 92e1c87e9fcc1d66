// Language benchmark (issue 2): start-up cost of the CLI and throughput of the interpreter.
//
//   Run:  npx tsx bench/language-bench.ts            (needs the built CLI: `npm run build` first)
//   or:   node dist/bench/language-bench.js          (after `npm run build`; no npx, no tsx)
//   Options: --spawns N (default 15), --inputs N (default 10000), --runs N (default 5)
//
// (a) Wall time of `node bin/raspc.js check F` and `node bin/raspc.js run F --input ...` on a
//     50-line program (bench/fixtures/fifty_lines.rasp), median of N spawns, against the 400 ms
//     target, next to `node -e 0` so the difference shows what raspc itself costs.
// (b) The interpreter evaluating that program's `out` (a sort) on 10,000 random inputs of length 20,
//     in process: the graph is built once and GraphEvaluator.run is called per input; median of
//     5 runs against the 2 s target.
// Prints a Markdown table.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadProgram, outputSOp } from "../compiler/interpreter/program.js";
import { GraphEvaluator } from "../compiler/rasp/evaluate.js";
import type { Atom } from "../compiler/rasp/values.js";
import { median } from "./stats.js";

export const STARTUP_TARGET_MS = 400;
export const SORT_TARGET_MS = 2000;

/** The repository root: the nearest folder above this file with a package.json (works from bench/ and dist/bench/). */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, "package.json"))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root (no package.json above bench/)");
    dir = up;
  }
  return dir;
}


/** A small deterministic generator, so runs are comparable. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

interface Row {
  readonly what: string;
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly targetMs: number | null;
  readonly note?: string;
}

function timeSpawn(cwd: string, args: string[], runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8" });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`\`node ${args.join(" ")}\` failed (exit ${r.status}): ${r.stderr || r.stdout}`);
    times.push(ms);
  }
  return times;
}

function row(what: string, times: number[], targetMs: number | null, note?: string): Row {
  return { what, runs: times.length, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), targetMs, note };
}

export interface BenchOptions {
  readonly spawns: number;
  readonly inputs: number;
  readonly runs: number;
}

export function runLanguageBench(opts: BenchOptions): Row[] {
  const root = repoRoot();
  const fixture = path.join("bench", "fixtures", "fifty_lines.rasp");
  if (!fs.existsSync(path.join(root, "dist", "cli", "main.js"))) {
    throw new Error("the CLI is not built: run `npm run build` first");
  }
  const rand = lcg(20240601);
  const input = JSON.stringify(Array.from({ length: 20 }, () => Math.floor(rand() * 100)));

  // Warm the file-system cache once, so the first timed spawn is not an outlier.
  timeSpawn(root, ["bin/raspc.js", "check", fixture], 1);
  const baseline = timeSpawn(root, ["-e", "0"], opts.spawns);
  const check = timeSpawn(root, ["bin/raspc.js", "check", fixture], opts.spawns);
  const runCmd = timeSpawn(root, ["bin/raspc.js", "run", fixture, "--input", input], opts.spawns);
  const base = median(baseline);

  // (b) In process: build the graph once, evaluate many inputs.
  const program = loadProgram(path.join(root, fixture));
  const out = outputSOp(program);
  const evaluator = new GraphEvaluator(out);
  const inputs: Atom[][] = Array.from({ length: opts.inputs }, () => Array.from({ length: 20 }, () => Math.floor(rand() * 100)));
  const check0 = evaluator.run(inputs[0]!).get(out.id) as number[];
  const want = [...(inputs[0] as number[])].sort((a, b) => a - b);
  if (JSON.stringify(check0) !== JSON.stringify(want)) throw new Error(`sort gave ${JSON.stringify(check0)}, expected ${JSON.stringify(want)}`);
  const sortTimes: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const t0 = performance.now();
    for (const x of inputs) evaluator.run(x);
    sortTimes.push(performance.now() - t0);
  }

  return [
    row("`node -e 0` (baseline)", baseline, null),
    row("`raspc check fifty_lines.rasp`", check, STARTUP_TARGET_MS, `raspc's own cost ≈ ${(median(check) - base).toFixed(0)} ms over the baseline`),
    row("`raspc run fifty_lines.rasp --input <20 numbers>`", runCmd, STARTUP_TARGET_MS, `raspc's own cost ≈ ${(median(runCmd) - base).toFixed(0)} ms over the baseline`),
    row(`interpreter: sort on ${opts.inputs.toLocaleString("en-US")} inputs of length 20 (in process)`, sortTimes, SORT_TARGET_MS, `${((median(sortTimes) * 1000) / opts.inputs).toFixed(1)} µs per input; ${evaluator.order.length} graph nodes`),
  ];
}

export function formatTable(rows: readonly Row[]): string {
  const ms = (x: number): string => `${x.toFixed(0)} ms`;
  const lines = [
    "| measurement | runs | median | min–max | target | meets target | note |",
    "| --- | ---: | ---: | ---: | ---: | :---: | --- |",
    ...rows.map((r) =>
      [
        r.what,
        String(r.runs),
        ms(r.medianMs),
        `${r.minMs.toFixed(0)}–${ms(r.maxMs)}`,
        r.targetMs === null ? "—" : ms(r.targetMs),
        r.targetMs === null ? "—" : r.medianMs <= r.targetMs ? "yes" : "**no**",
        r.note ?? "",
      ].join(" | "),
    ).map((l) => `| ${l} |`),
  ];
  return lines.join("\n");
}

function intOption(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} needs a positive integer`);
  return v;
}

export function main(args: readonly string[]): void {
  const opts: BenchOptions = {
    spawns: intOption(args, "--spawns", 15),
    inputs: intOption(args, "--inputs", 10_000),
    runs: intOption(args, "--runs", 5),
  };
  const rows = runLanguageBench(opts);
  process.stdout.write(`Language benchmark (Node ${process.version}, ${process.platform}/${process.arch})\n\n${formatTable(rows)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`language-bench: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
