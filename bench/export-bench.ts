// Engine benchmark: `npx tsx bench/export-bench.ts [--runs N] [--batch B] [--threads T] [--no-cpu]`.
//
// Exec throughput, in inputs per second, of a compiled model on onnxruntime-node (the exported ONNX
// graph, CPU EP, T intra-op threads, default 2) against TensorFlow.js on the same model: WASM (the tfjs
// engine's default) and, unless --no-cpu, the pure-JS CPU backend. Programs: sort and counter,
// both compiled at max length 10 with their suggested vocabularies. One run = one batch of B
// (default 1,000) random inputs of lengths 1..10, through `ModelRunner.decode` (forward pass and
// decoding, as `raspc exec --inputs` does); the figure is B / median time over N runs (default 20)
// after 3 warm-up runs. Prints Markdown.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { compileFile } from "../compiler/compileFile.js";
import type { CompiledModel } from "../compiler/model/types.js";
import type { Atom } from "../compiler/rasp/values.js";
import { initTfjs, TfjsForward } from "../runtime/forward/forward.js";
import { decodeOutputs } from "../runtime/forward/outputs.js";
import { makeRng } from "../runtime/random.js";
import { createRunner } from "../runtime/forward/runModel.js";
import { makeTokenizer } from "../runtime/forward/tokenize.js";
import { randomInputs } from "../runtime/verify.js";
import { median, numberArg } from "./stats.js";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const SUGGESTED = JSON.parse(fs.readFileSync(path.join(ROOT, "rasp-programs/suggested.json"), "utf8")) as Record<string, { vocab: Atom[] }>;
const MAX_LEN = 10;



/** Median seconds of `f` over `runs` timed calls after 3 warm-up calls. */
async function time(f: () => Promise<unknown> | unknown, runs: number): Promise<number> {
  for (let i = 0; i < 3; i++) await f();
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    ts.push((performance.now() - t) / 1000);
  }
  return median(ts);
}

function compile(file: string): CompiledModel {
  return compileFile(path.join(ROOT, "rasp-programs", file), { vocab: SUGGESTED[file]!.vocab, maxLen: MAX_LEN });
}

const fmt = (x: number): string => Math.round(x).toLocaleString("en-US");

async function main(): Promise<void> {
  const runs = numberArg("--runs", 20);
  const batch = numberArg("--batch", 1000);
  const threads = numberArg("--threads", 2);
  const withCpu = !process.argv.includes("--no-cpu");
  await initTfjs("wasm");
  const rows: string[] = [];
  rows.push(`| program | max len | d_model | layers | batch | ORT inputs/s | tfjs-wasm inputs/s | ORT ÷ tfjs-wasm |${withCpu ? " tfjs-cpu inputs/s | ORT ÷ tfjs-cpu |" : ""}`);
  rows.push(`|---|---|---|---|---|---|---|---|${withCpu ? "---|---|" : ""}`);
  for (const file of ["sort.rasp", "counter.rasp"]) {
    const model = compile(file);
    const tok = makeTokenizer(model);
    const ids = [...randomInputs(model.vocab, MAX_LEN, batch, makeRng(1))].map((x) => tok.encode(x, "bench"));
    const ort = await createRunner(model, { engine: "ort", batchSize: batch, threads });
    const wasm = await createRunner(model, { engine: "tfjs", batchSize: batch });
    if (wasm.backend !== "wasm") throw new Error(`tfjs started on ${wasm.backend}, not wasm`);
    const same = JSON.stringify(await ort.decode(ids)) === JSON.stringify(await wasm.decode(ids));
    if (!same) throw new Error(`${file}: ORT and tfjs decode differently`);
    const tOrt = await time(() => ort.decode(ids), runs);
    const tWasm = await time(() => wasm.decode(ids), runs);
    ort.dispose();
    wasm.dispose();
    let cpuCells = "";
    if (withCpu) {
      // The CPU backend is ~100x slower on big matmuls (shared/engines.md): fewer runs keep the bench short.
      await tf.setBackend("cpu");
      const engine = new TfjsForward(model);
      const tCpu = await time(() => decodeOutputs(model, engine.forward(ids)), Math.max(3, Math.floor(runs / 4)));
      engine.dispose();
      await tf.setBackend("wasm");
      cpuCells = ` ${fmt(batch / tCpu)} | ${(tCpu / tOrt).toFixed(1)}x |`;
    }
    rows.push(`| ${file.replace(".rasp", "")} | ${MAX_LEN} | ${model.residual.length} | ${model.layers.length} | ${fmt(batch)} | ${fmt(batch / tOrt)} | ${fmt(batch / tWasm)} | ${(tWasm / tOrt).toFixed(1)}x |${cpuCells}`);
  }
  process.stdout.write(
    `Exec throughput, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "unknown"}), Node ${process.version}; ORT CPU EP with ${threads} intra-op thread(s); median of ${runs} runs of one batch (inputs of random length 1..${MAX_LEN}, decoded)\n\n`,
  );
  process.stdout.write(rows.join("\n") + "\n");
}

await main();
