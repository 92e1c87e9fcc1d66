// How the REPL shows what a statement made, after Weiss's REPL (tech-srl/RASP, REPL.py):
//
//      s-op: x
//          Example: x(["h","e","l","l","o"]) = [F, F, T, T, F] (bools)
//      selector: s
//          Example:
//                    h e l l o
//                h | 1 0 0 0 0          (rows: queries, columns: keys)
//      console function: f(a, b)
//      value: n = 3
//      list: l = [1, 2, 3]
//
// Evaluating on the running example can fail (a type error that only shows on these tokens); the
// caller supplies `evaluate`, which reports such failures itself and returns undefined.
import { isSOp, isSelector, type SOp, type Selector } from "../../rasp/ops.js";
import type { SelectorMatrix } from "../../rasp/evaluate.js";
import { formatAtom, typeName, type Atom } from "../../rasp/values.js";
import { BuiltinFunction, RaspDict, RaspFunction, formatValue, isAtom, type Value } from "../../interpreter/values.js";

export interface DisplayContext {
  readonly example: readonly Atom[];
  /** Whether s-ops and selectors are shown on the running example (Weiss's `examples on|off`). */
  readonly showExamples: boolean;
  /** The s-op's values, or undefined when evaluation failed (already reported). */
  evaluateSOp(node: SOp): Atom[] | undefined;
  evaluateSelector(node: Selector): SelectorMatrix | undefined;
}

const INDENT = "     ";
const EXAMPLE_INDENT = "         ";

/** The running example as the user would type it. */
export function formatExample(example: readonly Atom[]): string {
  return JSON.stringify(example);
}

/** One cell of a table or grid: an atom on one line, without quotes. */
function cell(a: Atom): string {
  // eslint-disable-next-line no-control-regex -- control characters would break the layout
  return formatAtom(a).replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** Weiss's short form of a value in a sequence: booleans as T/F. */
function shortAtom(a: Atom): string {
  return typeof a === "boolean" ? (a ? "T" : "F") : cell(a);
}

/** Weiss's type tag: "(ints)", "(strings)", ...; ints and floats together are floats. */
function typeTag(values: readonly Atom[]): string {
  const present = values.filter((v) => v !== null);
  const hasNone = present.length < values.length;
  if (present.length === 0) return "(Nones)";
  const kinds = new Set(present.map(typeName));
  let base: string;
  if (kinds.size === 1) base = `${[...kinds][0]}s`;
  else if ([...kinds].every((k) => k === "int" || k === "float")) base = "floats";
  else base = "mixed types";
  return hasNone ? `(${base} and None)` : `(${base})`;
}

/** An s-op's values on one input, as Weiss prints a Sequence: `[1, 2, 3] (ints)`, `[T]*5 (bools)`. */
export function formatSequence(values: readonly Atom[]): string {
  const shown = values.map(shortAtom);
  const body = values.length > 1 && shown.every((s) => s === shown[0]) ? `[${shown[0]}]*${values.length}` : `[${shown.join(", ")}]`;
  return `${body} ${typeTag(values)}`;
}

/** A selector on the example: one row per query position, one column per key position, 1 where selected. */
export function formatSelectorGrid(example: readonly Atom[], matrix: SelectorMatrix, indent: string): string[] {
  const labels = example.map(cell);
  const width = Math.max(1, ...labels.map((l) => l.length));
  const header = `${indent}${" ".repeat(width)}   ${labels.map((l) => l.padStart(width)).join(" ")}`;
  const rows = matrix.map((row, q) => `${indent}${labels[q]!.padStart(width)} | ${[...row].map((x) => String(x).padStart(width)).join(" ")}`);
  return [header.trimEnd(), ...rows];
}

function functionLine(f: RaspFunction): string {
  const where = f.closure.name === "globals" ? "console" : f.closure.name;
  return `${where} function: ${f.name}(${f.def.params.map((p) => p.name).join(", ")})`;
}

/** Does a list or dict hold graph nodes or nested containers (then it is shown one item per line)? */
function isNested(items: readonly Value[]): boolean {
  return items.some((v) => Array.isArray(v) || v instanceof RaspDict || isSOp(v) || isSelector(v));
}

/**
 * Lines showing a value. `name` is the variable it was assigned to (null for an expression
 * statement's result); `prefix` goes before the first line (a dict key).
 */
export function describeValue(name: string | null, v: Value, ctx: DisplayContext, indent = INDENT, prefix = ""): string[] {
  const exampleIndent = indent + EXAMPLE_INDENT.slice(INDENT.length);
  if (isSOp(v)) {
    const label = name ?? v.label;
    const lines = [`${indent}${prefix}s-op: ${label}`];
    if (ctx.showExamples) {
      const values = ctx.evaluateSOp(v);
      if (values) lines.push(`${exampleIndent}Example: ${label}(${formatExample(ctx.example)}) = ${formatSequence(values)}`);
    }
    return lines;
  }
  if (isSelector(v)) {
    const lines = [`${indent}${prefix}selector: ${name ?? v.label}`];
    if (ctx.showExamples) {
      const m = ctx.evaluateSelector(v);
      if (m) lines.push(`${exampleIndent}Example:`, ...formatSelectorGrid(ctx.example, m, exampleIndent + "    "));
    }
    return lines;
  }
  if (v instanceof RaspFunction) return [`${indent}${prefix}${functionLine(v)}`];
  if (v instanceof BuiltinFunction) return [`${indent}${prefix}built-in function: ${v.name}`];
  const named = name === null ? "" : `${name} = `;
  if (Array.isArray(v)) {
    if (!isNested(v)) return [`${indent}${prefix}list: ${named}${formatValue(v)}`];
    const inner = indent + "    ";
    return [`${indent}${prefix}list: ${named}[`, ...v.flatMap((x) => describeValue(null, x, ctx, inner)), `${indent}]`];
  }
  if (v instanceof RaspDict) {
    const items = v.items();
    if (!isNested(items.map(([, x]) => x))) return [`${indent}${prefix}dict: ${named}${formatValue(v)}`];
    const inner = indent + "    ";
    return [`${indent}${prefix}dict: ${named}{`, ...items.flatMap(([k, x]) => describeValue(null, x, ctx, inner, `${formatValue(k)}: `)), `${indent}}`];
  }
  if (isAtom(v)) return [`${indent}${prefix}value: ${named}${formatValue(v)}`];
  return [`${indent}${prefix}${named}${formatValue(v)}`];
}

/** A one-line summary of the names a `load` defined, grouped by kind. */
export function describeNames(entries: readonly [string, Value][]): string {
  const groups: [string, string[]][] = [["functions", []], ["s-ops", []], ["selectors", []], ["values", []]];
  for (const [name, v] of entries) {
    if (v instanceof RaspFunction) groups[0]![1].push(`${name}(${v.def.params.map((p) => p.name).join(", ")})`);
    else if (isSOp(v)) groups[1]![1].push(name);
    else if (isSelector(v)) groups[2]![1].push(name);
    else groups[3]![1].push(name);
  }
  const MAX = 12;
  const parts = groups
    .filter(([, names]) => names.length > 0)
    .map(([kind, names]) => `${kind}: ${names.slice(0, MAX).join(", ")}${names.length > MAX ? `, ... (${names.length - MAX} more)` : ""}`);
  return parts.length > 0 ? parts.join("; ") : "no new names";
}
