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

export type Entry = readonly [string, number, number]; // (direction, unit, weight)
export type OutEntry = readonly [number, string, number]; // (unit, direction, weight)

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
  readonly bosWrites: readonly (readonly [string, number])[];
}

export const BOS_DIR = "tokens:BOS";
export const ONE_DIR = "one";

export function dirName(sop: string, value: Atom): string {
  // Full precision for fractions, and quotes on strings that would read as another value (the
  // token "1" beside the number 1, a token named "BOS" beside the BOS direction): two values must
  // never share a direction name.
  let shown: string;
  if (typeof value === "number" && !Number.isInteger(value)) shown = String(value);
  else if (typeof value === "string" && looksLikeOtherAtom(value)) shown = JSON.stringify(value);
  else shown = formatAtom(value);
  return `${sop}:${shown}`;
}

function looksLikeOtherAtom(s: string): boolean {
  const t = s.trim();
  return t === "" || t !== s || s === "BOS" || s === "None" || s === "True" || s === "False" || s.startsWith('"') || Number.isFinite(Number(s));
}

/** A categorical s-op's value directions (None has none). */
export function valueDirs(sop: string, values: readonly Atom[]): { value: Atom; dir: string }[] {
  return values.filter((v) => v !== null).map((v) => ({ value: v, dir: dirName(sop, v) }));
}

export interface SOpLayout {
  readonly name: string;
  readonly encoding: "categorical" | "numerical";
  readonly values: readonly Atom[];
}

export function outputWrite(out: SOpLayout, unit: number, value: Atom, scale = 1): OutEntry[] {
  if (value === null) return [];
  if (out.encoding === "numerical") {
    if (typeof value !== "number" && typeof value !== "boolean") throw new Error(`numerical output ${out.name} got ${formatAtom(value)}`);
    const x = Number(value) * scale;
    return x === 0 ? [] : [[unit, out.name, x]];
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

