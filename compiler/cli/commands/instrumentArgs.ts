// What the instrument commands (`attn`, `patch`, `diff`) share on the command line: loading models
// under distinct labels, the input they look at (`--input JSON`, or `--sample N` of the model's
// task drawn with `--seed` and `--correlated`), integer lists (`--layer 0,1`), and number
// formatting for their tables.
import { UsageError } from "../../language/diagnostics.js";
import type { Atom } from "../../rasp/values.js";
import { parseInput } from "../inputs.js";
import { loadHookedModel, type HookedModel } from "../../../runtime/instruments/hookedModel.js";
import { requireTask, taskSamples, type FoundTask } from "../../../runtime/instruments/task.js";
import type { Sample } from "../../../runtime/tasks/data.js";
import { parseFraction, parseNonNegativeInt } from "./modelArgs.js";

/** Models by path, each labelled by its run folder or file name; repeated labels get `#2`, `#3`. */
export function loadModels(paths: readonly string[]): HookedModel[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const m = loadHookedModel(p);
    const n = (seen.get(m.label) ?? 0) + 1;
    seen.set(m.label, n);
    return n === 1 ? m : { ...m, label: `${m.label}#${n}` };
  });
}

/** `0,2` → {0, 2}: non-negative integers. */
export function parseIndexList(text: string, flag: string): Set<number> {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.some((s) => !/^\d+$/.test(s))) throw new UsageError(`${flag} must be a comma-separated list of non-negative integers such as 0,1, got ${JSON.stringify(text)}`);
  return new Set(parts.map(Number));
}

export interface SampleOptions {
  readonly seed?: string;
  readonly correlated?: string;
}

/** `count` samples of the task (`--seed`, default 0; `--correlated`, default 0). */
export function drawSamples(task: FoundTask, count: number, opts: SampleOptions): Sample[] {
  const seed = opts.seed !== undefined ? parseNonNegativeInt(opts.seed, "--seed") : 0;
  const fraction = opts.correlated !== undefined ? parseFraction(opts.correlated, "--correlated") : 0;
  return taskSamples(task.spec, count, seed, fraction);
}

export interface OneInput {
  readonly tokens: Atom[];
  /** Where it came from, for the header: `--input`, `sample 3 of counter (seed 0, C = 0)`. */
  readonly where: string;
  readonly sample?: Sample;
}

/**
 * `--sample N` is line N + 1 of `raspc data TASK --count 1000 --seed S --correlated C` (with the
 * task's operands): always the same pool, so sample N does not depend on N.
 */
export const SAMPLE_POOL = 1000;

/** `--input JSON` or `--sample N` (the N-th sample of the task, 0-based), exactly one. */
export function oneInput(opts: SampleOptions & { input?: string; sample?: string }, task: FoundTask | null): OneInput {
  if ((opts.input === undefined) === (opts.sample === undefined)) throw new UsageError("give exactly one of --input JSON (tokens, e.g. '[\"a\",\"b\"]') or --sample N (the N-th sample of the model's task)");
  if (opts.input !== undefined) return { tokens: parseInput(opts.input, "--input"), where: "--input" };
  const found = requireTask(task, "--sample");
  const n = parseNonNegativeInt(opts.sample!, "--sample");
  if (n >= SAMPLE_POOL) throw new UsageError(`--sample must be below ${SAMPLE_POOL}, got ${n}`);
  const sample = drawSamples(found, SAMPLE_POOL, opts)[n]!;
  const seed = opts.seed ?? "0";
  return { tokens: sample.tokens, where: `sample ${n} of ${found.spec.task} (seed ${seed}, C = ${opts.correlated ?? "0"}; task from ${found.from})`, sample };
}

/** A fixed-point number for tables, without "-0.000". */
export function fixed(x: number, digits = 3): string {
  if (Number.isNaN(x)) return "n/a";
  const t = x.toFixed(digits);
  return /^-0\.?0*$/.test(t) ? t.slice(1) : t;
}

/**
 * Rows of cells as an aligned text table. `left` says which columns are text (left-aligned; default
 * only the first); numbers are right-aligned.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], left: readonly number[] = [0], indent = "  "): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) => indent + cells.map((c, i) => (left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
