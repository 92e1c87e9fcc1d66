// S-op read-back: how much of the compiled circuit a (fine-tuned) model still runs, s-op by s-op.
//
// A compiled model's residual stream has one named direction per value of each s-op (`count_a:3`),
// or one per numerical s-op, and its plan says from which layer on each s-op is there. Fine-tuning
// keeps the names and the plan (the model file still describes the program) but moves the weights.
// Read-back runs the model on sampled inputs, reads each s-op off the residual stream after the
// embedding and after every layer (blocks.{l}.hook_resid_pre / hook_resid_mid / hook_resid_post,
// through runHooked), and compares it with what the RASP interpreter computes for that s-op on the
// same input: the share of positions × inputs where they agree, per s-op and per layer, counted
// only from the layer the plan writes the s-op on. An unmodified compiled model reads back 100%
// everywhere; a fine-tuned one shows where the program's intermediate values stopped being held.
//
// Reading is the one `exec --trace` uses (runtime/forward/trace.ts, readEntry): a categorical s-op
// is the argmax over its value directions, None when none of them exceeds 0.5 (the compiled
// output's own None threshold); a numerical s-op is its direction's value. A numerical value
// matches when it lies within half the smallest gap between the s-op's compiled values of the
// interpreter's: then rounding to the nearest compiled value, all a downstream reader can do,
// still gives the interpreter's value (the numerical counterpart of the argmax).
//
// Plan entries are paired with the program's s-ops by label (runtime/verify.ts, matchPlan); the
// s-ops the compiler names itself (constants, encoding conversions), which have no s-op of that
// label in the program, are listed as not compared. Positions where the interpreter's value is undefined (a categorical aggregate
// selecting differing values) are left out, and inputs on which the interpreter raises are skipped.
import { ParseFailure, RaspError, UsageError, oneLine } from "../../compiler/language/diagnostics.js";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import type { OverrideValue } from "../../compiler/interpreter/interpreter.js";
import { readSourceFile } from "../../compiler/interpreter/sourceFiles.js";
import { hookNames } from "../../compiler/model/hooks.js";
import type { CompiledModel, PlanEntry } from "../../compiler/model/types.js";
import { GraphEvaluator } from "../../compiler/rasp/evaluate.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import { atomEquals, formatAtom, type Atom } from "../../compiler/rasp/values.js";
import { embeddedResidual, entryWritten, readEntry, type ResidualPoint } from "../forward/trace.js";
import { makeRng } from "../random.js";
import { makeDataset, makeNaturalDataset, type TaskSpec } from "../tasks/data.js";
import { categoricalAggregates, matchPlan } from "../verify.js";
import { runHooked, type CompiledHookedModel } from "./hookedModel.js";

/** One column of the read-back: a residual stream of the forward pass. */
export interface ReadbackStage {
  /** "embed", "L0 attn" (after layer 0's attention), "L0" (after layer 0). */
  readonly name: string;
  /** The hook it is read from. */
  readonly hook: string;
  readonly point: ResidualPoint;
}

export interface ReadbackCell {
  readonly matched: number;
  readonly compared: number;
  /** What was read where it did not match: "interpreter's value→read value" → count. */
  readonly misreads: ReadonlyMap<string, number>;
}

/** A cell while it is being counted. */
interface Counting {
  matched: number;
  compared: number;
  readonly misreads: Map<string, number>;
}

export interface ReadbackRow {
  readonly sop: string;
  readonly entry: PlanEntry;
  /** Numerical s-ops: how far the read value may be from the interpreter's; null for categorical. */
  readonly tolerance: number | null;
  /** One per stage; null where the plan has not written the s-op yet. */
  readonly cells: readonly (ReadbackCell | null)[];
}

export interface ReadbackResult {
  readonly label: string;
  readonly stages: readonly ReadbackStage[];
  /** The compared s-ops, in plan order. */
  readonly rows: readonly ReadbackRow[];
  /** Plan s-ops with no s-op of that label in the program (constants and conversions the compiler named): not compared. */
  readonly unchecked: readonly string[];
  /** Inputs compared, and inputs skipped because the interpreter raised on them. */
  readonly inputs: number;
  readonly skipped: number;
  readonly firstSkipReason: string | null;
}

/** The read-back's share for one cell, in [0, 1]; null where nothing was compared. */
export function cellShare(c: ReadbackCell | null): number | null {
  return c === null || c.compared === 0 ? null : c.matched / c.compared;
}

/**
 * The program `base` was compiled from, run on the interpreter: the model file's own source text
 * (files it `load`s are read from disk), with `overrides` for the globals the compile set (a
 * sweep's operand, `compile --set`), which the model file does not record. `where` names the
 * model in messages.
 */
export function programOf(base: CompiledModel, where: string, overrides: ReadonlyMap<string, OverrideValue> = new Map()): SOp {
  const { file, text, sop } = base.source;
  const readFile = (f: string) => (f === file ? text : readSourceFile(f));
  try {
    return outputSOp(loadProgram(file, readFile, overrides, true), sop);
  } catch (err) {
    if (err instanceof ParseFailure) throw new UsageError(`${where}: the program it was compiled from does not load: ${oneLine(err.diagnostics[0]!)}`);
    if (err instanceof RaspError) throw new UsageError(`${where}: the program it was compiled from does not run: ${oneLine(err.diagnostic)}`);
    if (err instanceof UsageError) throw new UsageError(`${where}: the program it was compiled from: ${err.message}`);
    throw err;
  }
}

/**
 * Why `base`'s plan cannot be read back from `model`'s residual stream, or null: an empty plan, a
 * plan whose directions are not named after its s-ops, or a base laid out differently.
 */
export function readbackProblem(model: CompiledModel, base: CompiledModel = model): string | null {
  if (base.plan.length === 0) return "its plan is empty: it says no s-op is written anywhere, so there is nothing to read back";
  for (const e of base.plan) {
    for (const dim of e.dims) {
      const name = base.residual[dim];
      if (name === undefined) return `plan entry ${e.sop} names residual dimension ${dim}, past the ${base.residual.length} the model has`;
      if (name !== e.sop && !name.startsWith(`${e.sop}:`)) {
        return `residual direction ${dim} is named ${JSON.stringify(name)}, not after the plan's s-op ${e.sop}: the residual stream is not named by the compiler`;
      }
    }
  }
  if (base !== model) {
    if (base.residual.length !== model.residual.length || base.layers.length !== model.layers.length) {
      return `the base has ${base.layers.length} layers and ${base.residual.length} residual directions, the model ${model.layers.length} and ${model.residual.length}: read-back needs one layout`;
    }
    const i = base.residual.findIndex((n, d) => n !== model.residual[d]);
    if (i >= 0) return `residual direction ${i} is ${JSON.stringify(model.residual[i])} in the model but ${JSON.stringify(base.residual[i])} in the base: read-back needs the same named directions`;
  }
  return null;
}

/** The residual streams read: after the embedding, then after each layer (and its attention, with `sublayers`). */
export function readbackStages(model: CompiledModel, sublayers = false): ReadbackStage[] {
  const stages: ReadbackStage[] = [{ name: "embed", hook: model.layers.length > 0 ? hookNames.residPre(0) : `${hookNames.embed} + ${hookNames.posEmbed}`, point: { layer: -1 } }];
  model.layers.forEach((layer, l) => {
    if (sublayers && layer.attention.length > 0 && layer.mlp) stages.push({ name: `L${l} attn`, hook: hookNames.residMid(l), point: { layer: l, after: "attention" } });
    stages.push({ name: `L${l}`, hook: hookNames.residPost(l), point: { layer: l, after: "mlp" } });
  });
  return stages;
}

/** As a number: None reads 0 and booleans 1/0 in a numerical direction, as the compiler writes them. */
function numericValue(a: Atom): number | null {
  if (a === null) return 0;
  if (typeof a === "boolean") return a ? 1 : 0;
  return typeof a === "number" ? a : null;
}

/** Values this close (relative to max(1, |x|)) are one value computed two ways: 2/6 and 1/3. */
const SAME_VALUE = 1e-9;

/** Half the smallest gap between the entry's distinct compiled values (0.5 when it has fewer than two). */
export function numericalTolerance(entry: PlanEntry): number {
  const xs = entry.values.map(numericValue).filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  let gap = Infinity;
  for (let i = 1; i < xs.length; i++) {
    const step = xs[i]! - xs[i - 1]!;
    if (step > SAME_VALUE * Math.max(1, Math.abs(xs[i]!))) gap = Math.min(gap, step);
  }
  return Number.isFinite(gap) ? gap / 2 : 0.5;
}

/** A value read off the residual, for misread lists: numerical ones to three significant digits. */
function shownRead(a: Atom, numerical: boolean): string {
  return numerical && typeof a === "number" ? String(Number(a.toPrecision(3))) : formatAtom(a);
}

/** Compares the entry as read from the residual with the interpreter's `expected` value, into `cell`. */
function compare(cell: Counting, entry: PlanEntry, tolerance: number | null, expected: Atom, resid: Float32Array, base: number): void {
  const got = readEntry(entry, resid, base);
  let ok: boolean;
  if (tolerance === null) ok = atomEquals(got, expected);
  else {
    const want = numericValue(expected);
    // A string cannot sit in a numerical direction (the compiler refuses it); nothing to compare.
    if (want === null) return;
    ok = typeof got === "number" && Math.abs(got - want) <= tolerance;
  }
  cell.compared++;
  if (ok) {
    cell.matched++;
    return;
  }
  const key = `${formatAtom(expected)}→${shownRead(got, tolerance !== null)}`;
  cell.misreads.set(key, (cell.misreads.get(key) ?? 0) + 1);
}

export interface ReadbackOptions {
  /** Also read after each layer's attention, where the layer has an MLP too. */
  readonly sublayers?: boolean;
  /** Numerical s-ops: this tolerance instead of half the smallest gap of each s-op's values. */
  readonly tolerance?: number;
  /** Input positions to compare (0 = the first token); default every position. */
  readonly positions?: readonly number[];
  /** Inputs per forward pass (default 256). */
  readonly batchSize?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** One input as the interpreter computed it: the paired s-ops' values, their undefined positions, the model's ids. */
interface Interpreted {
  readonly values: ReadonlyMap<number, Atom[]>;
  readonly undef: ReadonlyMap<number, Uint8Array>;
  readonly ids: number[];
}

type Paired = ReturnType<typeof matchPlan>;

/** Runs the interpreter on `inputs`; those it raises on are counted in `skips` and left out. */
function interpret(m: CompiledHookedModel, evaluator: GraphEvaluator, paired: Paired, inputs: readonly (readonly Atom[])[], skips: { count: number; first: string | null }): Interpreted[] {
  const out: Interpreted[] = [];
  for (const input of inputs) {
    try {
      const all = evaluator.run(input);
      const values = new Map(paired.map(({ node }) => [node.id, all.get(node.id) as Atom[]]));
      const undef = new Map([...evaluator.undefinedAt].map(([id, u]) => [id, u.slice()]));
      out.push({ values, undef, ids: m.encode(input, "input") });
    } catch (err) {
      if (!(err instanceof RaspError)) throw err;
      skips.count++;
      skips.first ??= `${err.message} (on input ${JSON.stringify(input)})`;
    }
  }
  return out;
}

/**
 * Reads `program`'s s-ops, laid out by `base`'s plan and residual names (the model's own unless
 * given), back from `m`'s residual streams on `inputs` (token lists of one length).
 */
export async function readback(m: CompiledHookedModel, program: SOp, inputs: readonly (readonly Atom[])[], opts: ReadbackOptions = {}, base: CompiledModel = m.model): Promise<ReadbackResult> {
  const problem = readbackProblem(m.model, base);
  if (problem) throw new UsageError(`${m.label}: ${problem}`);
  if (inputs.length === 0) throw new UsageError("read-back needs at least one input");
  const length = inputs[0]!.length;
  if (inputs.some((x) => x.length !== length)) throw new UsageError("read-back inputs must all have one length");
  const positions = opts.positions ?? Array.from({ length }, (_, i) => i);
  const outside = positions.find((p) => !Number.isInteger(p) || p < 0 || p >= length);
  if (outside !== undefined) throw new UsageError(`position ${outside} is outside inputs of ${length} tokens (positions 0..${length - 1})`);
  const stages = readbackStages(base, opts.sublayers === true);
  const evaluator = new GraphEvaluator(program, { undefinedOnConflict: true, categoricalAggregates: categoricalAggregates(program) });
  const paired = matchPlan(base, evaluator);
  const pairedSops = new Set(paired.map((p) => p.entry.sop));
  const tolerances = paired.map(({ entry }) => (entry.encoding === "numerical" ? (opts.tolerance ?? numericalTolerance(entry)) : null));
  const counts = paired.map(({ entry }) => stages.map((s): Counting | null => (entryWritten(entry, s.point) ? { matched: 0, compared: 0, misreads: new Map() } : null)));
  const hooks = base.layers.length > 0 ? stages.map((s) => s.hook) : [hookNames.embed, hookNames.posEmbed];
  const d = base.residual.length;
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 256, inputs.length));
  const skips = { count: 0, first: null as string | null };
  let used = 0;
  for (let start = 0; start < inputs.length; start += batchSize) {
    const batch = interpret(m, evaluator, paired, inputs.slice(start, start + batchSize), skips);
    if (batch.length > 0) {
      // One session per batch shape: a short last batch is padded with its first input, not read.
      const ids = batch.map((b) => b.ids);
      while (ids.length < batchSize) ids.push(batch[0]!.ids);
      const flat = new Map([...(await runHooked(m, ids, { hooks })).hooks].map(([name, t]) => [name, t.data]));
      stages.forEach((stage, si) => {
        const resid = stage.point.layer < 0 ? (embeddedResidual(base, flat) as Float32Array) : flat.get(stage.hook)!;
        paired.forEach(({ entry, node }, ri) => {
          const cell = counts[ri]![si] ?? null;
          if (cell === null) return;
          batch.forEach((b, bi) => {
            const vals = b.values.get(node.id)!;
            const undef = b.undef.get(node.id);
            for (const i of positions) if (!undef?.[i]) compare(cell, entry, tolerances[ri]!, vals[i]!, resid, (bi * (length + 1) + i + 1) * d);
          });
        });
      });
      used += batch.length;
    }
    opts.onProgress?.(Math.min(start + batchSize, inputs.length), inputs.length);
  }
  return {
    label: m.label,
    stages,
    rows: paired.map(({ entry }, ri) => ({ sop: entry.sop, entry, tolerance: tolerances[ri]!, cells: counts[ri]! })),
    unchecked: base.plan.filter((e) => !pairedSops.has(e.sop)).map((e) => e.sop),
    inputs: used,
    skipped: skips.count,
    firstSkipReason: skips.first,
  };
}

/** `count` inputs from a lab task's distribution (`correlated`: that share with the planted correlation). */
export function taskInputs(spec: TaskSpec, count: number, seed: number, correlated?: number): Atom[][] {
  const rng = makeRng(seed);
  const samples = correlated === undefined ? makeNaturalDataset(spec, count, rng) : makeDataset(spec, count, correlated, rng);
  return samples.map((s) => s.tokens);
}

/** `count` inputs of `length` tokens drawn uniformly, with replacement, from `vocab`. */
export function uniformInputs(vocab: readonly Atom[], length: number, count: number, seed: number): Atom[][] {
  const rng = makeRng(seed);
  return Array.from({ length: count }, () => Array.from({ length }, () => vocab[rng.int(vocab.length)]!));
}

/** A percentage for tables: one decimal, "100" and "0" exact only when exact. */
export function formatShare(share: number | null): string {
  if (share === null) return "–";
  if (share === 1) return "100";
  if (share === 0) return "0";
  // Never round a miss up to "100.0" or a hit down to "0.0".
  const pct = Math.min(99.9, Math.max(0.1, 100 * share));
  return pct.toFixed(1);
}

/** Where the plan writes an entry, for the table's second column. */
export function writtenAt(entry: PlanEntry): string {
  return entry.layer < 0 ? "embed" : `L${entry.layer} ${entry.kind === "attention+mlp" ? "attn+mlp" : entry.kind === "attention" ? "attn" : "mlp"}`;
}

/** The read-back as a Markdown table: s-ops down in plan order, residual streams across, % matching. */
export function readbackTable(r: ReadbackResult): string {
  const head = ["s-op", "written", ...r.stages.map((s) => s.name)];
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i < 2 ? "---" : "---:")).join(" | ")} |`];
  for (const row of r.rows) {
    const tol = row.tolerance === null ? "" : ` (±${Number(row.tolerance.toPrecision(3))})`;
    lines.push(`| ${row.sop}${tol} | ${writtenAt(row.entry)} | ${row.cells.map((c) => formatShare(cellShare(c))).join(" | ")} |`);
  }
  return lines.join("\n");
}

/** The `top` commonest misreads of a cell, as "1→2 22.4%" (share of the cell's comparisons). */
export function topMisreads(c: ReadbackCell, top = 3): string[] {
  return [...c.misreads]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, top)
    .map(([k, n]) => `${k} ${formatShare(n / c.compared)}%`);
}

/** The read-back's lines after the table: what the last layer reads instead, what was not compared, and why. */
export function readbackNotes(r: ReadbackResult): string[] {
  const notes: string[] = [];
  const last = r.stages.length - 1;
  const misread = r.rows.filter((row) => (row.cells[last]?.misreads.size ?? 0) > 0);
  if (misread.length > 0) {
    notes.push(`commonest misreads after ${r.stages[last]!.name} (interpreter's value→value read, share of positions compared):`);
    for (const row of misread) notes.push(`  ${row.sop}: ${topMisreads(row.cells[last]!).join(", ")}`);
  }
  if (r.unchecked.length > 0) notes.push(`not compared (s-ops the compiler named itself, with no s-op of that label in the program): ${r.unchecked.join(", ")}`);
  if (r.skipped > 0) notes.push(`${r.skipped} input${r.skipped === 1 ? "" : "s"} skipped: the interpreter raised, e.g. ${r.firstSkipReason}`);
  return notes;
}

/** A read-back as JSON: the counts behind every percentage. */
export function readbackJson(r: ReadbackResult): unknown {
  return {
    model: r.label,
    inputs: r.inputs,
    skipped: r.skipped,
    stages: r.stages.map((s) => ({ name: s.name, hook: s.hook })),
    sops: r.rows.map((row) => ({
      sop: row.sop,
      written: writtenAt(row.entry),
      encoding: row.entry.encoding,
      ...(row.tolerance !== null ? { tolerance: row.tolerance } : {}),
      cells: row.cells.map((c) => (c === null ? null : { matched: c.matched, compared: c.compared, share: cellShare(c), misreads: Object.fromEntries([...c.misreads].sort((a, b) => b[1] - a[1])) })),
    })),
    unchecked: r.unchecked,
  };
}
