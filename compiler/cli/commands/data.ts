// `raspc data counter|max_identifier [--count N] [--correlated C] [--seed S] [--q Q] [--o-pt O]
//   [--o-ft O] [--length L] [--jsonl FILE]`: draw the fine-tuning lab's task data and show its
// label histograms, so a user can check that a correlated and an uncorrelated set differ only in
// the planted correlation. --jsonl writes the samples, one JSON object per line.
import { UsageError } from "../../language/diagnostics.js";
import { writeFileAtomic } from "../../common/atomicWrite.js";
import { makeRng } from "../../../runtime/random.js";
import { DEFAULT_SPECS, formatHistogram, labelHistogram, makeDataset, specProblem, type TaskName, type TaskSpec } from "../../../runtime/tasks/data.js";
import { parseFraction, parseNonNegativeInt, parsePositiveInt } from "./modelArgs.js";

export interface DataOptions {
  readonly count?: string;
  readonly correlated?: string;
  readonly seed?: string;
  readonly q?: string;
  readonly oPt?: string;
  readonly oFt?: string;
  readonly length?: string;
  readonly jsonl?: string;
}

function parseInteger(text: string, name: string): number {
  const x = Number(text);
  if (text.trim() === "" || !Number.isInteger(x)) throw new UsageError(`${name} must be an integer, got "${text}"`);
  return x;
}

/** The task spec `--o-pt`, `--o-ft`, `--q` and `--length` describe (DEFAULT_SPECS where absent); one line if it cannot be sampled. */
export function taskSpecFromOptions(task: string, opts: Pick<DataOptions, "oPt" | "oFt" | "q" | "length">): TaskSpec {
  if (task !== "counter" && task !== "max_identifier") throw new UsageError(`unknown task "${task}"; the tasks are counter and max_identifier`);
  const base = DEFAULT_SPECS[task as TaskName];
  const operand = (text: string | undefined, fallback: string | number, name: string) =>
    text === undefined ? fallback : task === "counter" ? text : parseInteger(text, name);
  const spec: TaskSpec = {
    task: base.task,
    oPt: operand(opts.oPt, base.oPt, "--o-pt"),
    oFt: operand(opts.oFt, base.oFt, "--o-ft"),
    q: opts.q !== undefined ? parseInteger(opts.q, "--q") : base.q,
    length: opts.length !== undefined ? parsePositiveInt(opts.length, "--length") : base.length,
  };
  const problem = specProblem(spec);
  if (problem) throw new UsageError(problem);
  return spec;
}

export function data(task: string, opts: DataOptions): number {
  const spec = taskSpecFromOptions(task, opts);
  const count = opts.count !== undefined ? parsePositiveInt(opts.count, "--count") : 1000;
  const fraction = opts.correlated !== undefined ? parseFraction(opts.correlated, "--correlated") : 0;
  const seed = opts.seed !== undefined ? parseNonNegativeInt(opts.seed, "--seed") : 0;
  const samples = makeDataset(spec, count, fraction, makeRng(seed));
  const correlated = samples.filter((s) => s.correlated).length;
  const out = [
    `${task}: ${count} samples of ${spec.length} tokens, O_PT = ${JSON.stringify(spec.oPt)}, O_FT = ${JSON.stringify(spec.oFt)}, seed ${seed}`,
    `correlation r(x; O_FT) - r(x; O_PT) = ${spec.q} holds in ${correlated} of ${count} (${((100 * correlated) / count).toFixed(1)}%, asked ${(100 * fraction).toFixed(1)}%)`,
    "",
    formatHistogram(`labels for O_PT (${JSON.stringify(spec.oPt)}), what the compiled model answers:`, labelHistogram(samples, "labelPt")),
    "",
    formatHistogram(`labels for O_FT (${JSON.stringify(spec.oFt)}), what fine-tuning asks for:`, labelHistogram(samples, "labelFt")),
  ];
  if (opts.jsonl !== undefined) {
    writeFileAtomic(opts.jsonl, samples.map((s) => JSON.stringify(s)).join("\n") + "\n");
    out.push("", `wrote ${count} samples to ${opts.jsonl}`);
  }
  process.stdout.write(out.join("\n") + "\n");
  return 0;
}
