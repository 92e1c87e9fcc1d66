// Construction: the linear MLP (an affine function of numerical inputs).
import { mergeOut, numericDir, type Direction, type Entry, type MlpSpec, type OutEntry, type SOpLayout } from "./residual.js";

/**
 * An affine function of numerical inputs (Tracr's linear sequence map): each input x_i goes through
 * the unit pair relu(x_i), relu(-x_i), whose difference is x_i again, and the output is
 * bias + Σ c_i x_i. Exact for every real input, so it needs no value set and no discretisation;
 * the hidden width is 2 per input (plus one for a bias), not the product of the value sets.
 */
export function linearMlp(label: string, inputs: readonly SOpLayout[], out: SOpLayout, coefficients: readonly number[], bias: number): MlpSpec {
  const numerical = (l: SOpLayout): Direction => {
    if (l.encoding !== "numerical") throw new Error(`linear MLP ${label} needs numerical inputs and output`);
    return numericDir(l);
  };
  const outDir = numerical(out);
  const inDirs = inputs.map(numerical);
  const w1: Entry[] = [];
  const b1: number[] = [];
  const w2: OutEntry[] = [];
  let unit = 0;
  inDirs.forEach((input, i) => {
    const c = coefficients[i]!;
    if (c === 0) return;
    w1.push([input, unit, 1], [input, unit + 1, -1]);
    b1.push(0, 0);
    w2.push([unit, outDir, c], [unit + 1, outDir, -c]);
    unit += 2;
  });
  if (bias !== 0) {
    b1.push(1); // a constant unit (gated off at BOS by assembly) carries the bias
    w2.push([unit, outDir, bias]);
    unit++;
  }
  return { label, hidden: unit, w1, b1, w2: mergeOut(w2) };
}

