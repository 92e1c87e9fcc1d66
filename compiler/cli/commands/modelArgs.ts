// What `compile`, `verify`, `exec` and `inspect` share: parsing the compile options given on the
// command line, loading the program and compiling it, and showing a model's size.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError, showControls } from "../../language/diagnostics.js";
import { CompileOptionError, type CompileOptionField } from "../../options.js";
import { loadRecorded, outputSOp } from "../../interpreter/program.js";
import type { OverrideValue } from "../../interpreter/interpreter.js";
import type { CompiledModel } from "../../model/types.js";
import type { CompiledFile, CompileFileOptions } from "../../compileFile.js";
import { formatCount, modelStats } from "../../model/stats.js";
import type { SOp } from "../../rasp/ops.js";
import { atomEquals, atomFromJson, formatAtom, type Atom } from "../../rasp/values.js";
import { progressBar, type ProgressBar } from "../progress.js";

export interface CompileArgs {
  readonly vocab: string;
  readonly maxLen: string;
  readonly sop: string;
  readonly bos?: string;
  /** `--set NAME=VALUE`, repeatable. */
  readonly set?: readonly string[];
  /** `--coldness C`: the attention coldness instead of the compiler's choice. */
  readonly coldness?: string;
  /** `--max-params N`: the size budget instead of the compiler's default. */
  readonly maxParams?: string;
  /** `--allow-outside`: `load` may read outside the program's folder tree. */
  readonly allowOutside?: boolean;
}

/** `--coldness C`: a positive number, or undefined when not given. */
export function parseColdness(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const c = Number(text);
  if (text.trim() === "" || !Number.isFinite(c) || c <= 0) throw new UsageError(`--coldness must be a positive number, got ${JSON.stringify(text)}`);
  return c;
}

/**
 * `--set operand=b`, `--set o_pt=7`: VALUE is read as JSON when it is a JSON string, number or
 * boolean, and as a bare string otherwise, so a letter needs no quotes.
 */
export function parseOverrides(items: readonly string[] = []): Map<string, OverrideValue> {
  const out = new Map<string, OverrideValue>();
  for (const item of items) {
    const eq = item.indexOf("=");
    const name = eq > 0 ? item.slice(0, eq).trim() : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`--set ${item}: expected NAME=VALUE with NAME a variable of the program`);
    const text = item.slice(eq + 1);
    let value: OverrideValue = text;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "string" || typeof parsed === "number" || typeof parsed === "boolean") value = parsed;
    } catch {
      // Not JSON: a bare word such as b.
    }
    out.set(name, value);
  }
  return out;
}

/** `--vocab '["a","b"]'`: a non-empty JSON array of distinct tokens. */
export function parseVocab(text: string): Atom[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const shown = text.length > 40 ? text.slice(0, 37) + "..." : text;
    throw new UsageError(`--vocab: not valid JSON (got ${JSON.stringify(shown)}); give a JSON array of tokens such as '["a","b"]'`);
  }
  if (!Array.isArray(value)) throw new UsageError(`--vocab: expected a JSON array of tokens such as '["a","b"]', got ${value === null ? "null" : typeof value}`);
  if (value.length === 0) throw new UsageError("--vocab: the vocabulary is empty; list at least one token");
  const vocab = value.map((x, i) => {
    const atom = atomFromJson(x);
    if (typeof x === "number" && atom === undefined) throw new UsageError(`--vocab: token ${i} is not a finite number (JSON numbers past about 1.8e308 overflow)`);
    if (atom === undefined) throw new UsageError(`--vocab: token ${i} is ${Array.isArray(x) ? "an array" : typeof x}; tokens are strings, numbers or booleans`);
    if (atom === null) throw new UsageError(`--vocab: token ${i} is null; None cannot be an input token`);
    return atom;
  });
  // Python's equality: True == 1 and 1.0 == 1, so such tokens would share one embedding row.
  vocab.forEach((t, i) => {
    const j = vocab.findIndex((u) => atomEquals(t, u));
    if (j < i) throw new UsageError(`--vocab: token ${i} (${JSON.stringify(value[i])}) equals token ${j} (${JSON.stringify(value[j])}) as RASP compares values (True == 1, 1.0 == 1); list each token once`);
  });
  return vocab;
}

/** A positive integer option, e.g. `--max-len 10`; `name` is the option as the user typed it. */
export function parsePositiveInt(text: string, name: string): number {
  if (!/^\s*\d+\s*$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A non-negative integer option (a seed). */
export function parseNonNegativeInt(text: string, name: string): number {
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A number in [0, 1], e.g. `--correlated 0.5`. */
export function parseFraction(text: string, name: string): number {
  const x = Number(text);
  if (text.trim() === "" || !Number.isFinite(x) || x < 0 || x > 1) throw new UsageError(`${name} must be a number in [0, 1], got "${text}"`);
  return x;
}

/**
 * Loads a program and picks the s-op without compiling it (verify --model: the interpreter's side
 * of the comparison); sources are recorded for diagnostics.
 */
export function loadSOp(file: string, sopName: string, sources: Map<string, string>, overrides: ReadonlyMap<string, OverrideValue> = new Map(), allowOutside = false): SOp {
  return outputSOp(loadRecorded(file, sources, { overrides, allowOutside }), sopName);
}

/**
 * compileFile as the CLI runs it: a compile that takes over a second shows its layers being built
 * (on a terminal only), and a bad option reads with the CLI's flag names. `seconds` is the
 * compiler's own time, as compileFile measures it.
 */
export async function compileForCli(file: string, options: CompileFileOptions): Promise<CompiledFile> {
  // Imported when a command compiles, so `exec` and `inspect` never load the passes.
  const { compileFileWithSOp } = await import("../../compileFile.js");
  const start = performance.now();
  let bar: ProgressBar | null = null;
  const onProgress = (done: number, total: number): void => {
    bar ??= progressBar("compile: layers", total, 0, Math.max(0, 1000 - (performance.now() - start)));
    bar.update(done);
  };
  try {
    return withFlagNames(() => compileFileWithSOp(file, { ...options, onProgress }));
  } finally {
    (bar as ProgressBar | null)?.finish();
  }
}

/** `1, 2, 0 ×997`: a per-layer list with runs of three or more equal values shortened, so a deep
 * model's summary stays a line. */
export function compactList(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length; ) {
    let j = i;
    while (j < xs.length && xs[j] === xs[i]) j++;
    if (j - i >= 3) out.push(`${xs[i]} ×${j - i}`);
    else for (let k = i; k < j; k++) out.push(String(xs[k]));
    i = j;
  }
  return out.join(", ");
}

/** The flag each compile option field is given by on the command line. */
const FLAGS: Record<CompileOptionField, string> = { vocab: "--vocab", maxLen: "--max-len", bos: "--bos", coldness: "--coldness", mlpBand: "the MLP band", maxParams: "--max-params", onProgress: "the progress callback" };

/** Runs a compile, rewording a bad option's error with the CLI's flag names (`--max-len must ...`). */
export function withFlagNames<T>(compile: () => T): T {
  try {
    return compile();
  } catch (e) {
    if (e instanceof CompileOptionError) throw new UsageError(e.describe((f) => FLAGS[f]));
    throw e;
  }
}

/** Two or three lines: layers, heads, d_model, MLP widths, parameters. */
export function summaryLines(model: CompiledModel, indent = "  "): string[] {
  const s = modelStats(model);
  const perLayer = s.layers > 0 ? ` (per layer: ${compactList(s.headsPerLayer)})` : "";
  return [
    `${indent}layers ${s.layers}, heads ${s.heads}${perLayer}, d_model ${s.dModel}`,
    `${indent}MLP hidden widths: ${s.mlpHidden.length > 0 ? compactList(s.mlpHidden) : "none"}`,
    `${indent}parameters: ${formatCount(s.params)} (embeddings ${formatCount(s.paramsBy.embedding)}, attention ${formatCount(s.paramsBy.attention)}, MLPs ${formatCount(s.paramsBy.mlp)}, unembedding ${formatCount(s.paramsBy.unembedding)})`,
  ];
}

export function formatSeconds(s: number): string {
  return s < 10 ? s.toFixed(2) : s.toFixed(1);
}

/** A short duration with its unit: `4.2 ms`, `1.35 s`. */
export function formatDuration(s: number): string {
  return s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${formatSeconds(s)} s`;
}

/** A list of atoms as a user reads them: `[a, b, None]`. */
export function showAtoms(xs: readonly Atom[]): string {
  return showControls(`[${xs.map(formatAtom).join(", ")}]`);
}

/** Refuses an output path that names an input file (links resolved): `compile x.rasp -o x.rasp`. */
export function refuseOverwrite(output: string, input: string, flag: string): void {
  const real = (p: string): string => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (output !== "" && real(output) === real(input)) throw new UsageError(`${flag} ${output}: that is the input file; writing there would destroy it`);
}

/** Weiss's REPL shows an s-op as its name and its values per position; this lines them up (as `run`). */
export function table(input: readonly Atom[], rows: [string, Atom[]][]): string {
  const shown = (a: Atom) => showControls(formatAtom(a));
  const header: [string, string[]][] = [["position", input.map((_, i) => String(i))], ["tokens", input.map(shown)]];
  const all = [...header, ...rows.map(([name, vals]) => [name, vals.map(shown)] as [string, string[]])];
  const nameWidth = Math.max(...all.map(([n]) => n.length));
  const colWidth = input.map((_, i) => Math.max(...all.map(([, cells]) => cells[i]!.length)));
  return all.map(([name, cells]) => `${name.padEnd(nameWidth)} | ${cells.map((c, i) => c.padStart(colWidth[i]!)).join(" ")}`).join("\n");
}
