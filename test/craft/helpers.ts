// Shared by the craft constructions' tests (one test file per construction): blocks evaluated in
// Float64 over named residual directions (no assembly, no engine): an MLP is relu(W1 x + b1) then
// W2, a head is a softmax over every position of a small hand-built residual, BOS included. The
// checks are against the mathematical function each block claims to compute, so a wrong block is
// caught here before assembly or the engines could hide (or cause) the difference.
import { expect } from "vitest";
import { BOS_DIR, ONE_DIR, dirName, type CategoricalLayout, type HeadSpec, type MlpSpec, type NumericalLayout, type SOpLayout } from "../../compiler/craft/residual.js";
import { atomEquals, formatAtom, type Atom } from "../../compiler/rasp/values.js";

/** A residual at one position: direction name → value (absent = 0). */
export type Resid = ReadonlyMap<string, number>;

/** Index errors in a spec would read as NaN or be silently dropped below, so they are refused first. */
export function checkShape(spec: MlpSpec): void {
  if (spec.b1.length !== spec.hidden) throw new Error(`${spec.label}: ${spec.b1.length} biases for ${spec.hidden} units`);
  for (const [, u] of spec.w1) if (!(u >= 0 && u < spec.hidden)) throw new Error(`${spec.label}: w1 names unit ${u}`);
  for (const [u] of spec.w2) if (!(u >= 0 && u < spec.hidden)) throw new Error(`${spec.label}: w2 names unit ${u}`);
}

export function runMlp(spec: MlpSpec, x: Resid): Map<string, number> {
  checkShape(spec);
  const h = spec.b1.slice();
  for (const [dir, unit, w] of spec.w1) h[unit]! += (x.get(dir) ?? 0) * w;
  const y = new Map<string, number>();
  for (const [unit, dir, w] of spec.w2) y.set(dir, (y.get(dir) ?? 0) + Math.max(0, h[unit]!) * w);
  return y;
}

/** Every position's head output (what it adds to the residual); position 0 is BOS. */
export function runHead(head: HeadSpec, xs: readonly Resid[]): Map<string, number>[] {
  const project = (entries: HeadSpec["wq"], x: Resid, width: number): Float64Array => {
    const v = new Float64Array(width);
    for (const [dir, j, w] of entries) {
      if (!(j >= 0 && j < width)) throw new Error(`${head.label}: entry for ${dir} names column ${j} of ${width}`);
      v[j]! += (x.get(dir) ?? 0) * w;
    }
    return v;
  };
  const q = xs.map((x) => project(head.wq, x, head.dHead));
  const k = xs.map((x) => project(head.wk, x, head.dHead));
  const v = xs.map((x) => project(head.wv, x, head.dValue));
  return q.map((qp) => {
    const scores = k.map((kp) => kp.reduce((s, kj, j) => s + kj * qp[j]!, 0));
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const sum = e.reduce((a, b) => a + b, 0);
    const z = new Float64Array(head.dValue);
    e.forEach((ek, kp) => v[kp]!.forEach((vj, j) => (z[j]! += (ek / sum) * vj)));
    const out = new Map<string, number>();
    for (const [j, dir, w] of head.wo) out.set(dir, (out.get(dir) ?? 0) + z[j]! * w);
    return out;
  });
}

export function resid(entries: Record<string, number>): Resid {
  return new Map([[ONE_DIR, 1], ...Object.entries(entries)]);
}
export const BOS: Resid = resid({ [BOS_DIR]: 1 });

export function categorical(name: string, values: readonly Atom[]): CategoricalLayout {
  return { name, encoding: "categorical", values };
}
export function numerical(name: string, values: readonly Atom[] = []): NumericalLayout {
  return { name, encoding: "numerical", values };
}
export function oneHot(layout: SOpLayout, value: Atom): Record<string, number> {
  return value === null ? {} : { [dirName(layout.name, value)]: 1 };
}

/**
 * `y` holds `value` in `out`'s encoding (None: every direction 0) to within `tol`, and writes no
 * direction that does not belong to `out`.
 */
export function expectHolds(y: ReadonlyMap<string, number>, out: SOpLayout, value: Atom | undefined, tol = 1e-9): void {
  const own = out.encoding === "numerical" ? [out.name] : out.values.filter((v) => v !== null).map((v) => dirName(out.name, v));
  for (const [dir, x] of y) if (!own.includes(dir)) expect(Math.abs(x), `stray write to ${dir}`).toBeLessThanOrEqual(tol);
  if (out.encoding === "numerical") {
    const want = value === undefined || value === null ? 0 : Number(value);
    expect(Math.abs((y.get(out.name) ?? 0) - want), `${out.name} = ${y.get(out.name) ?? 0}, expected ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
    return;
  }
  for (const v of out.values) {
    if (v === null) continue;
    const want = value !== undefined && value !== null && atomEquals(v, value) ? 1 : 0;
    const got = y.get(dirName(out.name, v)) ?? 0;
    expect(Math.abs(got - want), `${out.name}:${formatAtom(v)} = ${got}, expected ${want} (value ${value === undefined ? "none" : formatAtom(value)})`).toBeLessThanOrEqual(tol);
  }
}

