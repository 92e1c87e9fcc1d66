// The block constructions (Tracr's craft/): each MLP or attention head that computes one s-op, as
// sparse weights between named residual directions. Assembly turns names into indices.
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

function outputWrite(out: SOpLayout, unit: number, value: Atom, scale = 1): OutEntry[] {
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

/**
 * A lookup table over categorical inputs (Tracr's categorical MLP, and its product table for maps
 * of several s-ops): one hidden unit per combination of input values, which fires (=1) exactly
 * when all of them are present, and writes f(combination) to the output.
 */
export function lookupTableMlp(label: string, inputs: readonly SOpLayout[], out: SOpLayout, f: (...xs: Atom[]) => Atom | undefined): MlpSpec {
  const domains = inputs.map((i) => valueDirs(i.name, i.values));
  const w1: Entry[] = [];
  const w2: OutEntry[] = [];
  const b1: number[] = [];
  let unit = 0;
  const pick: { value: Atom; dir: string }[] = [];
  const walk = (j: number): void => {
    if (j === domains.length) {
      const y = f(...pick.map((p) => p.value));
      const writes = y === undefined ? [] : outputWrite(out, unit, y);
      if (writes.length === 0) return; // a combination that writes nothing needs no unit
      for (const p of pick) w1.push([p.dir, unit, 1]);
      b1.push(-(domains.length - 1));
      w2.push(...writes);
      unit++;
      return;
    }
    for (const p of domains[j]!) {
      pick[j] = p;
      walk(j + 1);
    }
  };
  walk(0);
  return { label, hidden: unit, w1, b1, w2 };
}

/**
 * An affine function of numerical inputs (Tracr's linear sequence map): each input x_i goes through
 * the unit pair relu(x_i), relu(-x_i), whose difference is x_i again, and the output is
 * bias + Σ c_i x_i. Exact for every real input, so it needs no value set and no discretisation;
 * the hidden width is 2 per input (plus one for a bias), not the product of the value sets.
 */
export function linearMlp(label: string, inputs: readonly SOpLayout[], out: SOpLayout, coefficients: readonly number[], bias: number): MlpSpec {
  if (out.encoding !== "numerical" || inputs.some((i) => i.encoding !== "numerical")) throw new Error(`linear MLP ${label} needs numerical inputs and output`);
  const w1: Entry[] = [];
  const b1: number[] = [];
  const w2: OutEntry[] = [];
  let unit = 0;
  inputs.forEach((input, i) => {
    const c = coefficients[i]!;
    if (c === 0) return;
    w1.push([input.name, unit, 1], [input.name, unit + 1, -1]);
    b1.push(0, 0);
    w2.push([unit, out.name, c], [unit + 1, out.name, -c]);
    unit += 2;
  });
  if (bias !== 0) {
    b1.push(1); // a constant unit (gated off at BOS by assembly) carries the bias
    w2.push([unit, out.name, bias]);
    unit++;
  }
  return { label, hidden: unit, w1, b1, w2: mergeOut(w2) };
}

/** Raised by a block that cannot be built exactly; compile turns it into a diagnostic at the s-op. */
export class BlockError extends Error {}

/**
 * Values closer than this (relative to max(1, |x|)) are one value to a discretising MLP: they are the
 * same number computed along different paths (1/3 - 1/6 and 1/6 differ in the last bit), and a
 * step between them would need an impossibly steep ramp.
 */
const SAME_VALUE = 1e-9;

/**
 * A numerical input read through a discretising MLP (Tracr's numerical MLP, made exact): the input's
 * value set x_0 < ... < x_m is known, so a step unit pair at the midpoint of each gap where f changes
 * tells which side of it the input is. Each step is a two-ReLU ramp whose width is `band` of that
 * gap (0 < band <= 0.5), so any input within (1 - band)/2 of a gap from its true value still
 * decodes exactly.
 */
export function discretisingMlp(label: string, input: SOpLayout, out: SOpLayout, f: (x: Atom) => Atom | undefined, band = 0.25): MlpSpec {
  // Booleans are 0 and 1 here, as to every numerical block; f still sees the value itself.
  const sorted = input.values
    .filter((v): v is number | boolean => typeof v === "number" || typeof v === "boolean")
    .map((v) => ({ x: Number(v), atom: v }))
    .sort((a, b) => a.x - b.x);
  // Merge near-equal values; they must map to the same output.
  const xs: number[] = [];
  const ys: (Atom | undefined)[] = [];
  for (const { x, atom } of sorted) {
    const y = f(atom);
    const last = xs.length - 1;
    if (last >= 0 && x - xs[last]! <= SAME_VALUE * Math.max(1, Math.abs(x))) {
      const prev = ys[last];
      const same = prev === undefined || y === undefined || (prev === null ? y === null : y !== null && atomEquals(prev, y));
      if (!same) throw new BlockError(`${label}: the input values ${xs[last]} and ${x} are too close to tell apart (they are one number computed along different paths of rounding) but map to different outputs; move the comparison away from them`);
      if (prev === undefined) ys[last] = y;
      continue;
    }
    xs.push(x);
    ys.push(y);
  }
  // Inputs outside the domain (the interpreter raises there) may decode to anything: give them a
  // neighbour's output, so they cost no step.
  let known = ys.findIndex((y) => y !== undefined);
  if (known < 0) known = 0;
  const outs: Atom[] = [];
  ys.forEach((y, i) => outs.push(y !== undefined ? y : i < known ? (ys[known] ?? null) : outs[i - 1]!));
  const same = (a: Atom, b: Atom) => (a === null ? b === null : b !== null && atomEquals(a, b));
  const w1: Entry[] = [];
  const b1: number[] = [];
  const w2: OutEntry[] = [];
  const write = (u: number, value: Atom, sign: number) => outputWrite(out, u, value, sign).forEach((e) => w2.push(e));
  // Unit 0 is the constant 1 (gated off at BOS by assembly): it writes f(x_0).
  b1.push(1);
  write(0, outs[0] ?? null, 1);
  let unit = 1;
  // Output = f(x_0) + Σ step_i · (f(x_i) - f(x_{i-1})), with a step only where f changes: a
  // comparison like `frac > 0.5` needs one step, however many values frac takes.
  for (let i = 1; i < xs.length; i++) {
    if (same(outs[i]!, outs[i - 1]!)) continue;
    const gap = xs[i]! - xs[i - 1]!;
    const t = (xs[i]! + xs[i - 1]!) / 2;
    const slope = 1 / (band * gap);
    // step_i(x) = relu(slope (x - t) + 1/2) - relu(slope (x - t) - 1/2): 0 below t - band gap / 2, 1 above t + band gap / 2
    w1.push([input.name, unit, slope], [input.name, unit + 1, slope]);
    b1.push(-slope * t + 0.5, -slope * t - 0.5);
    write(unit, outs[i]!, 1);
    write(unit + 1, outs[i]!, -1);
    write(unit, outs[i - 1]!, -1);
    write(unit + 1, outs[i - 1]!, 1);
    unit += 2;
  }
  return { label, hidden: unit, w1, b1, w2: mergeOut(w2) };
}

function mergeOut(entries: OutEntry[]): OutEntry[] {
  const m = new Map<string, OutEntry>();
  for (const [u, d, w] of entries) {
    const k = `${u}\u0000${d}`;
    const prev = m.get(k);
    m.set(k, [u, d, (prev?.[2] ?? 0) + w]);
  }
  return [...m.values()].filter((e) => e[2] !== 0);
}

/** A literal of a selector: `table(keyValue, queryValue)` over one key s-op and one query s-op. */
export interface SelectLiteral {
  readonly keys: SOpLayout;
  readonly queries: SOpLayout;
  readonly table: (key: Atom, query: Atom) => boolean;
}

/**
 * Query/key weights for a conjunction of literals: each literal adds `coldness` to the score of a
 * key it selects, so a key selected by all m literals scores m·coldness and any other at most
 * (m-1)·coldness. BOS gets `bosScore` from the query's `one` direction.
 */
function selectorQK(literals: readonly SelectLiteral[], coldness: number, bosScore: number): { wq: Entry[]; wk: Entry[]; dHead: number } {
  const wq: Entry[] = [];
  const wk: Entry[] = [];
  let j = 0;
  for (const lit of literals) {
    const kv = valueDirs(lit.keys.name, lit.keys.values);
    const qv = valueDirs(lit.queries.name, lit.queries.values);
    // None has no direction of its own. Where a table selects a None key or query (a negated
    // select: `not select(prev, tokens, ==)` selects where prev is None), None is the affine
    // feature one - tokens:BOS - Σ value directions, which is 1 exactly at a None position and 0
    // at BOS, so BOS keeps its own score.
    const keyNone = lit.keys.values.includes(null) && qv.some((q) => lit.table(null, q.value));
    const queryNone = lit.queries.values.includes(null);
    const columns: { value: Atom; dirs: Entry[] }[] = kv.map((k) => ({ value: k.value, dirs: [[k.dir, 0, 1]] }));
    if (keyNone || (queryNone && lit.keys.values.includes(null) && lit.table(null, null))) {
      columns.push({ value: null, dirs: [[ONE_DIR, 0, 1], [BOS_DIR, 0, -1], ...kv.map((k): Entry => [k.dir, 0, -1])] });
    }
    for (const col of columns) {
      for (const [dir, , w] of col.dirs) wk.push([dir, j, w]);
      for (const q of qv) if (lit.table(col.value, q.value)) wq.push([q.dir, j, coldness]);
      if (queryNone && lit.table(col.value, null)) {
        wq.push([ONE_DIR, j, coldness], [BOS_DIR, j, -coldness], ...qv.map((q): Entry => [q.dir, j, -coldness]));
      }
      j++;
    }
  }
  wk.push([BOS_DIR, j, 1]);
  wq.push([ONE_DIR, j, bosScore]);
  return { wq, wk, dHead: j + 1 };
}

/**
 * Aggregate (Tracr's categorical and numerical attention): attend to the selected keys, or to BOS
 * when none is selected (BOS scores half a literal less than a full match), and copy the value.
 */
export function aggregateHead(label: string, literals: readonly SelectLiteral[], coldness: number, value: SOpLayout, out: SOpLayout, dflt: Atom): HeadSpec {
  const m = literals.length;
  const { wq, wk, dHead } = selectorQK(literals, coldness, (m - 0.5) * coldness);
  const wv: Entry[] = [];
  const wo: OutEntry[] = [];
  let j = 0;
  if (value.encoding === "numerical") {
    wv.push([value.name, j, 1]);
    wo.push([j, out.name, 1]);
    j++;
  } else {
    for (const v of valueDirs(value.name, value.values)) {
      const writes = outputWrite(out, j, v.value);
      if (writes.length === 0) continue;
      wv.push([v.dir, j, 1]);
      wo.push(...writes);
      j++;
    }
  }
  const bosWrites: [string, number][] = [];
  const dfltWrites = outputWrite(out, j, dflt);
  if (dfltWrites.length > 0) {
    wv.push([BOS_DIR, j, 1]);
    wo.push(...dfltWrites);
    for (const [, d, w] of dfltWrites) bosWrites.push([d, w]);
    j++;
  }
  return { label, dHead, dValue: Math.max(1, j), wq, wk, wv, wo, bosWrites };
}

/**
 * selector_width, attention half (Tracr's construction): BOS scores like a selected key, so a query
 * with w selected keys puts 1/(w+1) of its attention on BOS; the head writes that weight to `tmp`.
 */
export function selectorWidthHead(label: string, literals: readonly SelectLiteral[], coldness: number, tmp: string): HeadSpec {
  const { wq, wk, dHead } = selectorQK(literals, coldness, literals.length * coldness);
  return { label, dHead, dValue: 1, wq, wk, wv: [[BOS_DIR, 0, 1]], wo: [[0, tmp, 1]], bosWrites: [[tmp, 1]] };
}

/**
 * selector_width, MLP half: decodes x = 1/(w+1) into w, for every w up to maxLen. Step k fires when
 * w >= k, i.e. x < t_k, the midpoint of 1/k and 1/(k+1); its ramp is a quarter of that gap wide,
 * so the precision follows from the domain (Tracr's fixed constant fails once w(w+1) > 100).
 */
export function selectorWidthMlp(label: string, tmp: string, maxLen: number, out: SOpLayout): MlpSpec {
  const w1: Entry[] = [];
  const b1: number[] = [1]; // unit 0: constant 1
  const w2: OutEntry[] = [];
  let unit = 1;
  const steps: { up: number; down: number }[] = [];
  for (let k = 1; k <= maxLen; k++) {
    const t = (1 / k + 1 / (k + 1)) / 2;
    const gap = 1 / k - 1 / (k + 1);
    const slope = 1 / (0.25 * gap);
    // [x < t]: relu(slope (t - x) + 1/2) - relu(slope (t - x) - 1/2)
    w1.push([tmp, unit, -slope], [tmp, unit + 1, -slope]);
    b1.push(slope * t + 0.5, slope * t - 0.5);
    steps.push({ up: unit, down: unit + 1 });
    unit += 2;
  }
  const add = (entries: OutEntry[]) => entries.forEach((e) => w2.push(e));
  for (let w = 0; w <= maxLen; w++) {
    // bucket_w = [w >= w] - [w >= w+1], with [w >= 0] = the constant unit
    const plus = w === 0 ? [0] : [steps[w - 1]!.up];
    const plusNeg = w === 0 ? [] : [steps[w - 1]!.down];
    const minus = w < maxLen ? [steps[w]!.up] : [];
    const minusNeg = w < maxLen ? [steps[w]!.down] : [];
    plus.forEach((u) => add(outputWrite(out, u, w, 1)));
    plusNeg.forEach((u) => add(outputWrite(out, u, w, -1)));
    minus.forEach((u) => add(outputWrite(out, u, w, -1)));
    minusNeg.forEach((u) => add(outputWrite(out, u, w, 1)));
  }
  return { label, hidden: unit, w1, b1, w2: mergeOut(w2) };
}
