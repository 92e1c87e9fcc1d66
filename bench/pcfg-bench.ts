// PCFG benchmark: `npx tsx bench/pcfg-bench.ts [--runs N] [--samples N]`
//   (or `node dist/bench/pcfg-bench.js` after `npm run build`).
//
// Sampling speed on one core (this process), for the fig. 14 grammar (grammars/jain2023-fig14.pcfg):
//   (a) grammar strings (the sampler alone);
//   (b) pretraining task samples as token ids, the path a training loop takes (target: at least
//       20,000 samples/s, so a batch of 96 never bottlenecks a training step);
//   (c) pretraining task samples as objects, encoded (what `raspc pcfg data` does before writing);
//   (d) Counter and Indexer fine-tuning samples with spread labels and the planted correlation
//       (half the samples correlated).
// Each row is the median over N runs (default 7) of --samples samples (default 20,000), with the
// time for one batch of 96 at that rate. Prints a Markdown table.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { loadGrammar } from "../compiler/pcfg/load.js";
import { makeRng } from "../runtime/random.js";
import { parsePcfgTaskConfig } from "../runtime/tasks/pcfg/config.js";
import { finetuneSet, type FinetuneSpec } from "../runtime/tasks/pcfg/finetuning.js";
import { PcfgSampler, TokenBuffer } from "../runtime/tasks/pcfg/sampler.js";
import { TaskGenerator } from "../runtime/tasks/pcfg/tasks.js";
import { median, numberArg } from "./stats.js";

export const TASK_SAMPLES_TARGET = 20_000;
const BATCH = 96;

function repoRoot(): string {
  // bench/ or dist/bench/: the grammar lives two or one levels up.
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === "dist" ? path.resolve(here, "../..") : path.resolve(here, "..");
}

interface Row {
  readonly what: string;
  readonly perSecond: number;
  readonly target: number | null;
}

/** Samples per second: median over `runs` of timing `n` calls of `one`. */
function rate(runs: number, n: number, one: (i: number) => void): number {
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) one(i);
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

function main(): void {
  const runs = numberArg("--runs", 7);
  const n = numberArg("--samples", 20_000);
  const grammarFile = path.join(repoRoot(), "grammars", "jain2023-fig14.pcfg");
  const { grammar } = loadGrammar(grammarFile);
  const sampler = new PcfgSampler(grammar);
  const buf = new TokenBuffer(1024);
  const rows: Row[] = [];

  let rng = makeRng(1);
  rows.push({
    what: "(a) fig. 14 strings (sampler alone)",
    perSecond: rate(runs, n, () => {
      buf.clear();
      sampler.sampleInto(rng, buf);
    }),
    target: null,
  });

  const config = parsePcfgTaskConfig({ grammar: grammarFile, pretraining: { count: 1 } }, "bench");
  const gen = new TaskGenerator(config.setup);
  const out = new Int32Array(gen.sequenceLength);
  rng = makeRng(2);
  rows.push({ what: "(b) pretraining task samples, token ids", perSecond: rate(runs, n, () => gen.writePretraining(rng, out)), target: TASK_SAMPLES_TARGET });
  rng = makeRng(3);
  rows.push({ what: "(c) pretraining task samples, objects + encode", perSecond: rate(runs, n, () => gen.encode(gen.pretrainingSample(rng))), target: null });

  for (const family of ["C", "I"] as const) {
    const t = grammar.terminals;
    const spec: FinetuneSpec = {
      family,
      familyToken: family === "C" ? "<C>" : "<I>",
      oPt: t.indexOf("a"),
      oFt: t.indexOf("b"),
      q: 1,
      operand2: family === "C" ? 40 : 6,
      labels: family === "C" ? { kind: "uniform", min: 1, max: 20 } : { kind: "uniform", min: 13, max: 37 },
    };
    const ftRates: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      finetuneSet(gen, spec, n, 0.5, 0, makeRng(10 + r));
      ftRates.push(n / ((performance.now() - t0) / 1000));
    }
    rows.push({ what: `(d) ${family === "C" ? "Counter" : "Indexer"} fine-tuning samples, C = 0.5, spread labels`, perSecond: median(ftRates), target: null });
  }

  const header = "| what | samples/s (median) | ms per batch of 96 | target | ratio |\n| --- | ---: | ---: | ---: | ---: |";
  const lines = rows.map((r) => {
    const target = r.target === null ? "" : `>= ${r.target.toLocaleString("en-US")}`;
    const ratio = r.target === null ? "" : `${(r.perSecond / r.target).toFixed(2)}x`;
    return `| ${r.what} | ${Math.round(r.perSecond).toLocaleString("en-US")} | ${((1000 * BATCH) / r.perSecond).toFixed(2)} | ${target} | ${ratio} |`;
  });
  process.stdout.write(`PCFG benchmark (Node ${process.version}, ${process.platform}/${process.arch}; one core; ${runs} runs of ${n} samples)\n\n${header}\n${lines.join("\n")}\n`);
}

main();
