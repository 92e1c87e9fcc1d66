// Construction: selector_width, an attention head and the MLP that decodes what it writes (one
// construction in two blocks, as Tracr's craft/chamber/selector_width.py builds it).
import { BOS_DIR, mergeOut, outputWrite, type Direction, type Entry, type HeadSpec, type MlpSpec, type OutEntry, type SOpLayout } from "./residual.js";
import { selectorQK, type SelectLiteral } from "./selectorQK.js";

/**
 * selector_width, attention half (Tracr's construction): BOS scores like a selected key, so a query
 * with w selected keys puts 1/(w+1) of its attention on BOS; the head writes that weight to `tmp`.
 */
export function selectorWidthHead(label: string, literals: readonly SelectLiteral[], coldness: number, tmp: Direction): HeadSpec {
  const { wq, wk, dHead } = selectorQK(literals, coldness, literals.length * coldness);
  return { label, dHead, dValue: 1, wq, wk, wv: [[BOS_DIR, 0, 1]], wo: [[0, tmp, 1]], bosWrites: [[tmp, 1]] };
}

/**
 * selector_width, MLP half: decodes x = 1/(w+1) into w, for every w up to maxLen. Step k fires when
 * w >= k, i.e. x < t_k, the midpoint of 1/k and 1/(k+1); its ramp is a quarter of that gap wide,
 * so the precision follows from the domain (Tracr's fixed constant fails once w(w+1) > 100).
 */
export function selectorWidthMlp(label: string, tmp: Direction, maxLen: number, out: SOpLayout): MlpSpec {
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
