// Weight matrices of a compiled model laid out for the exporters: row-major blocks, with the
// matrices of a layer's heads stacked as the engines stack them (runtime/forward/forward.ts).
import type { AttentionHead, Matrix } from "../model/types.js";

export function columns(m: Matrix): number {
  return m.length > 0 ? m[0]!.length : 0;
}

/** Matrices with the same rows side by side: [rows, Σcols]. */
export function hstack(ms: readonly Matrix[], rows: number): { data: Float64Array; cols: number } {
  const widths = ms.map(columns);
  const cols = widths.reduce((a, b) => a + b, 0);
  const data = new Float64Array(rows * cols);
  let off = 0;
  ms.forEach((m, k) => {
    for (let i = 0; i < rows; i++) for (let j = 0; j < widths[k]!; j++) data[i * cols + off + j] = m[i]![j]!;
    off += widths[k]!;
  });
  return { data, cols };
}

/** Matrices with the same columns on top of each other: [Σrows, cols]. */
export function vstack(ms: readonly Matrix[], cols: number): { data: Float64Array; rows: number } {
  const rows = ms.reduce((a, m) => a + m.length, 0);
  const data = new Float64Array(rows * cols);
  let r = 0;
  for (const m of ms) for (const row of m) data.set(row, cols * r++);
  return { data, rows };
}

/**
 * The widths both exporters stack one layer's heads by: each head's query/key and value width,
 * their sums, and which heads must be computed at all (a head without value dimensions changes
 * nothing, so it is computed only when its pattern is an output).
 */
export function headGeometry(heads: readonly AttentionHead[], internals: boolean) {
  const dHead = heads.map((h) => columns(h.wq));
  const dValue = heads.map((h) => columns(h.wv));
  return {
    dHead,
    dValue,
    sumHead: dHead.reduce((a, b) => a + b, 0),
    sumValue: dValue.reduce((a, b) => a + b, 0),
    needed: heads.map((_, h) => dValue[h]! > 0 || internals),
  };
}
