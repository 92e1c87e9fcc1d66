// The residual stream's conventions and the block specs every construction of this folder (Tracr's
// craft/) produces: each MLP or attention head that computes one s-op is sparse weights between
// named residual directions, one file per construction. Assembly turns names into indices.
//
// Conventions every block follows:
//   - a categorical s-op X with values v has directions `X:v`; None sets none of them;
//   - a numerical s-op X has the single direction `X`;
//   - `one` is 1 at every position; `tokens:BOS` is 1 at the BOS position only;
//   - nothing but `one` and `tokens:BOS` is ever non-zero at the BOS position once a layer ends
//     (assembly gates MLP units off at BOS and cancels what attention writes there), so BOS can act
//     as the "nothing selected" key of every head.
import type { Atom } from "../rasp/values.js";
import { atomEquals, formatAtom } from "../rasp/values.js";

declare const direction: unique symbol;

/**
 * The name of a residual direction, made only by the functions below, which follow the conventions
 * above: ONE_DIR, BOS_DIR, dirName (a categorical value), numericDir (a numerical s-op) and
 * scratchDir. A plain string is not one, so no block can write to a direction assembly never laid
 * out (a categorical s-op's bare name, a numerical one's `X:v`); model files keep plain strings.
 */
export type Direction = string & { readonly [direction]: true };

export type Entry = readonly [Direction, number, number]; // (direction, unit, weight)
export type OutEntry = readonly [number, Direction, number]; // (unit, direction, weight)

export interface MlpSpec {
  readonly label: string;
  readonly hidden: number;
  readonly w1: Entry[];
  readonly b1: number[];
  readonly w2: OutEntry[];
  /** Units whose bias is a constant term: assembly gates them off at BOS like every unit. */
}

export interface HeadSpec {
  readonly label: string;
  readonly dHead: number;
  readonly dValue: number;
  readonly wq: Entry[];
  readonly wk: Entry[];
  readonly wv: Entry[];
  readonly wo: OutEntry[];
  /** What this head writes at the BOS position (BOS attends only to itself): assembly cancels it. */
  readonly bosWrites: readonly (readonly [Direction, number])[];
}

export const BOS_DIR = "tokens:BOS" as Direction;
export const ONE_DIR = "one" as Direction;

/** The direction of value `value` of the categorical s-op `sop`: `sop:value`. */
export function dirName(sop: string, value: Atom): Direction {
  // Full precision for fractions, and quotes on strings that would read as another value (the
  // token "1" beside the number 1, a token named "BOS" beside the BOS direction): two values must
  // never share a direction name.
  let shown: string;
  if (typeof value === "number" && !Number.isInteger(value)) shown = String(value);
  else if (typeof value === "string" && looksLikeOtherAtom(value)) shown = JSON.stringify(value);
  else shown = formatAtom(value);
  return `${sop}:${shown}` as Direction;
}

/** The one direction of a numerical s-op: its name. */
export function numericDir(layout: NumericalLayout): Direction {
  return layout.name as Direction;
}

/** A direction a construction uses inside itself, named after the s-op it computes (`w.attention_to_BOS`). */
export function scratchDir(sop: string, purpose: "attention_to_BOS"): Direction {
  return `${sop}.${purpose}` as Direction;
}

/** The directions a layout owns: one per value for a categorical s-op (None has none), one for a numerical s-op. */
export function layoutDirs(layout: SOpLayout): Direction[] {
  return layout.encoding === "numerical" ? [numericDir(layout)] : valueDirs(layout.name, layout.values).map((d) => d.dir);
}

function looksLikeOtherAtom(s: string): boolean {
  const t = s.trim();
  return t === "" || t !== s || s === "BOS" || s === "None" || s === "True" || s === "False" || s.startsWith('"') || Number.isFinite(Number(s));
}

/** A categorical s-op's value directions (None has none). */
export function valueDirs(sop: string, values: readonly Atom[]): { value: Atom; dir: Direction }[] {
  return values.filter((v) => v !== null).map((v) => ({ value: v, dir: dirName(sop, v) }));
}

/** An s-op as the constructions see it: its name, encoding and values (for a numerical one, the values it can take). */
export type SOpLayout = CategoricalLayout | NumericalLayout;
export interface CategoricalLayout {
  readonly name: string;
  readonly encoding: "categorical";
  readonly values: readonly Atom[];
}
export interface NumericalLayout {
  readonly name: string;
  readonly encoding: "numerical";
  readonly values: readonly Atom[];
}

export function outputWrite(out: SOpLayout, unit: number, value: Atom, scale = 1): OutEntry[] {
  if (value === null) return [];
  if (out.encoding === "numerical") {
    if (typeof value !== "number" && typeof value !== "boolean") throw new Error(`numerical output ${out.name} got ${formatAtom(value)}`);
    const x = Number(value) * scale;
    return x === 0 ? [] : [[unit, numericDir(out), x]];
  }
  const match = out.values.find((v) => v !== null && atomEquals(v, value));
  if (match === undefined) return [];
  return [[unit, dirName(out.name, match), scale]];
}

/** Raised by a block that cannot be built exactly; compile turns it into a diagnostic at the s-op. */
export class BlockError extends Error {}


/** One entry per (unit, direction): the sum of the writes a construction made to it, zeros dropped. */
export function mergeOut(entries: OutEntry[]): OutEntry[] {
  const m = new Map<string, OutEntry>();
  for (const [u, d, w] of entries) {
    const k = `${u}\u0000${d}`;
    const prev = m.get(k);
    m.set(k, [u, d, (prev?.[2] ?? 0) + w]);
  }
  return [...m.values()].filter((e) => e[2] !== 0);
}

