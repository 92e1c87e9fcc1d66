// Construction: the discretising MLP (a function of one numerical input, made exact on its value set).
import { atomEquals, type Atom } from "../rasp/values.js";
import { BlockError, mergeOut, numericDir, outputWrite, type Entry, type MlpSpec, type NumericalLayout, type OutEntry, type SOpLayout } from "./residual.js";

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
export function discretisingMlp(label: string, input: NumericalLayout, out: SOpLayout, f: (x: Atom) => Atom | undefined, band = 0.25): MlpSpec {
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
    w1.push([numericDir(input), unit, slope], [numericDir(input), unit + 1, slope]);
    b1.push(-slope * t + 0.5, -slope * t - 0.5);
    write(unit, outs[i]!, 1);
    write(unit + 1, outs[i]!, -1);
    write(unit, outs[i - 1]!, -1);
    write(unit + 1, outs[i - 1]!, 1);
    unit += 2;
  }
  return { label, hidden: unit, w1, b1, w2: mergeOut(w2) };
}

