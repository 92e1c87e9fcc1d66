// Fuzzing benchmark: `npx tsx bench/fuzz-bench.ts [--programs N] [--inputs M] [--seed S] [--max-len L]`.
//
// The throughput of `raspc fuzz`'s loop (runtime/fuzz/run.ts) as the command runs it: N generated
// programs (default 1,000) over ["a","b","c"] at max length L (default 6), each interpreted,
// compiled and run on M random inputs (default 100) on every engine that loads (tfjs, the Float64
// reference, ORT). Prints programs per minute, inputs per second and where the time goes, against
// the target of issue 4: 1,000 programs x 100 inputs in under 10 minutes on a 2-core machine.
// Failures are not shrunk here (shrinking time depends on the bugs there are, not on the loop).
import * as os from "node:os";
import type { CompileFn } from "../runtime/fuzz/check.js";
import { defaultCompile } from "../runtime/fuzz/check.js";
import { availableEngines, type FuzzEngine } from "../runtime/fuzz/engines.js";
import { runFuzz } from "../runtime/fuzz/run.js";
import { numberArg } from "./stats.js";


/** Seconds spent in each stage, summed over the run. */
const spent = new Map<string, number>();
const add = (stage: string, ms: number) => spent.set(stage, (spent.get(stage) ?? 0) + ms / 1000);

const timedCompile: CompileFn = (...args) => {
  const t = performance.now();
  try {
    return defaultCompile(...args);
  } finally {
    add("compile", performance.now() - t);
  }
};

/** The engine with its model loading and its forward passes timed. */
function timed(e: FuzzEngine): FuzzEngine {
  return {
    name: e.name,
    open: async (model) => {
      const t = performance.now();
      const runner = await e.open(model);
      add(`${e.name}: load model`, performance.now() - t);
      return {
        ...runner,
        forward: async (ids, opts) => {
          const t0 = performance.now();
          try {
            return await runner.forward(ids, opts);
          } finally {
            add(`${e.name}: run`, performance.now() - t0);
          }
        },
        decode: async (ids, onProgress) => {
          const t0 = performance.now();
          try {
            return await runner.decode(ids, onProgress);
          } finally {
            add(`${e.name}: run`, performance.now() - t0);
          }
        },
      };
    },
  };
}

async function main(): Promise<void> {
  const programs = numberArg("--programs", 1000);
  const inputs = numberArg("--inputs", 100);
  const seed = numberArg("--seed", 0);
  const maxLen = numberArg("--max-len", 6);
  const vocab = ["a", "b", "c"];
  const { engines, skipped } = await availableEngines(vocab);
  const s = await runFuzz({ programs, inputs, seed, vocab, maxLen, outDir: null, shrink: false, pipeline: { compile: timedCompile, engines: engines.map(timed) } });
  const accounted = [...spent.values()].reduce((a, b) => a + b, 0);
  spent.set("generate, interpret, compare (the rest)", Math.max(0, s.seconds - accounted));

  const perMinute = (s.programs / s.seconds) * 60;
  const out: string[] = [];
  out.push(`fuzz bench: ${programs} programs x ${inputs} inputs, seed ${seed}, vocab ["a","b","c"], max len ${maxLen}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}`);
  out.push(`engines: ${engines.map((e) => e.name).join(", ")}${skipped.length > 0 ? ` (not ${skipped.join("; ")})` : ""}`);
  out.push("");
  out.push("| measure | value |");
  out.push("|---|---|");
  out.push(`| wall time | ${s.seconds.toFixed(1)} s |`);
  out.push(`| programs per minute | ${perMinute.toFixed(0)} |`);
  out.push(`| inputs compared per second (each on ${engines.length} engines) | ${(s.inputsChecked / s.seconds).toFixed(0)} |`);
  out.push(`| engine runs per second (input x engine) | ${((s.inputsChecked * engines.length) / s.seconds).toFixed(0)} |`);
  out.push(`| mean program size | ${(s.statements / s.programs).toFixed(1)} statements |`);
  out.push(`| refused / failing | ${s.refused} / ${s.failures.length} |`);
  const target = inputs === 100 ? `${(1000 / perMinute).toFixed(1)} min (target < 10 min)` : "run with --inputs 100";
  out.push(`| 1,000 programs x 100 inputs at this rate | ${target} |`);
  out.push("");
  out.push("| stage | seconds | share |");
  out.push("|---|---|---|");
  for (const [stage, sec] of [...spent].sort((a, b) => b[1] - a[1])) out.push(`| ${stage} | ${sec.toFixed(1)} | ${((100 * sec) / s.seconds).toFixed(0)}% |`);
  process.stdout.write(out.join("\n") + "\n");
}

await main();
