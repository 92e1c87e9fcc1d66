// Compiler benchmark: `npx tsx bench/compiler-bench.ts [--runs N] [--skip-verify]`.
//
// For every rasp-programs/*.rasp, compiled with its suggested vocabulary (rasp-programs/
// suggested.json) at max length 10: the median in-process compile time over N runs (default 20),
// and the model's layers (beside the layers Tracr's longest-path allocation gives the same
// program, compiler/yardsticks/tracrLayers.ts), heads, d_model, MLP hidden widths and parameters;
// then the compile time at max length 40 (target < 1 s). Last, the wall time of `raspc verify
// --samples 10000` on sort.rasp at max length 10 (target < 10 s), run as a user runs it: the built
// CLI (bin/raspc.js) when dist/ has one, else the sources through tsx. Prints Markdown.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { compileFile, compileFileWithSOp } from "../compiler/compileFile.js";
import { tracrLayerCount } from "../compiler/yardsticks/tracrLayers.js";
import { loadProgram, outputSOp } from "../compiler/interpreter/program.js";
import { modelStats } from "../compiler/model/stats.js";
import type { SOp } from "../compiler/rasp/ops.js";
import type { Atom } from "../compiler/rasp/values.js";
import { median, numberArg } from "./stats.js";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const PROGRAMS = path.join(ROOT, "rasp-programs");

/** Each program's suggested vocabulary (rasp-programs/README.md, "Vocab" column); the bench compiles at its own max lengths. */
const SUGGESTED = JSON.parse(fs.readFileSync(path.join(PROGRAMS, "suggested.json"), "utf8")) as Record<string, { vocab: Atom[]; maxLen: number }>;



function ms(x: number): string {
  return x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0);
}

/** The median of the compiler's own time (loading and running the program not counted), in ms. */
function timeCompile(file: string, vocab: Atom[], maxLen: number, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(compileFileWithSOp(file, { vocab, maxLen }).seconds * 1000);
  return median(times);
}

function main(): void {
  const runs = numberArg("--runs", 20);
  const rows: string[] = [];
  rows.push("| program | vocab | compile ms (median, max len 10) | layers | Tracr layers (longest path) | heads | d_model | MLP hidden | params | compile ms at max len 40 |");
  rows.push("|---|---|---|---|---|---|---|---|---|---|");
  const files = fs.readdirSync(PROGRAMS).filter((f) => f.endsWith(".rasp")).sort();
  let worst40 = 0;
  for (const f of files) {
    const vocab = SUGGESTED[f]?.vocab;
    if (!vocab) {
      rows.push(`| ${f} | (no vocabulary known) | | | | | | | | |`);
      continue;
    }
    const file = path.join(PROGRAMS, f);
    let sop: SOp;
    try {
      sop = outputSOp(loadProgram(file), "out");
    } catch (err) {
      rows.push(`| ${f} | | load failed: ${(err as Error).message.split("\n")[0]} | | | | | | | |`);
      continue;
    }
    const shownVocab = vocab.length > 6 ? `${vocab.length} tokens` : vocab.map((v) => JSON.stringify(v)).join(" ");
    try {
      const model = compileFile(file, { vocab, maxLen: 10 });
      const s = modelStats(model);
      const t10 = timeCompile(file, vocab, 10, runs);
      const t40 = timeCompile(file, vocab, 40, Math.max(3, Math.floor(runs / 4)));
      worst40 = Math.max(worst40, t40);
      rows.push(`| ${f} | ${shownVocab} | ${ms(t10)} | ${s.layers} | ${tracrLayerCount(sop)} | ${s.heads} | ${s.dModel} | ${s.mlpHidden.join(", ")} | ${s.params.toLocaleString("en-US")} | ${ms(t40)}${t40 >= 1000 ? " (over 1 s)" : ""} |`);
    } catch (err) {
      rows.push(`| ${f} | ${shownVocab} | not compiled: ${(err as Error).message.split("\n")[0]!.replace(/\|/g, "\\|")} | | ${tracrLayerCount(sop)} | | | | | |`);
    }
  }
  process.stdout.write(`## Compiler (${runs} runs per median; Node ${process.version})\n\n${rows.join("\n")}\n\n`);
  process.stdout.write(`Slowest compile at max length 40: ${ms(worst40)} ms (target < 1000 ms).\n\n`);

  if (process.argv.includes("--skip-verify")) return;
  const built = fs.existsSync(path.join(ROOT, "dist/cli/main.js"));
  const cli = built ? [path.join(ROOT, "bin/raspc.js")] : ["--import", "tsx", path.join(ROOT, "compiler/cli/main.ts")];
  const args = ["verify", "rasp-programs/sort.rasp", "--vocab", "[1,2,3,4]", "--max-len", "10", "--samples", "10000"];
  const walls: number[] = [];
  let summary = "";
  let status: number | null = null;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [...cli, ...args], { cwd: ROOT, encoding: "utf8" });
    walls.push((performance.now() - t) / 1000);
    summary = (r.stdout ?? "").trim().split("\n").pop() ?? "";
    status = r.status;
  }
  process.stdout.write(`## raspc verify (median of 3 runs)\n\n| command | wall s | result |\n|---|---|---|\n`);
  process.stdout.write(`| \`raspc ${args.join(" ")}\` (${built ? "built CLI" : "via tsx"}) | ${median(walls).toFixed(2)} | ${summary.replace(/\|/g, "\\|")} (exit ${status}) |\n\n`);
  process.stdout.write(`Target < 10 s.\n`);
}

main();
