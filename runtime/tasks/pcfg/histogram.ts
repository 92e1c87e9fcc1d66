// Label histograms of task data sets, side by side (the paper's fig. 16), with what an honest
// reading needs beside them: each set's majority-class baseline (the accuracy of always answering
// its most common label) and the total-variation distance between two sets' label distributions.

export type Histogram = ReadonlyMap<string, number>;

export function histogramOf(labels: Iterable<string>): Map<string, number> {
  const h = new Map<string, number>();
  for (const l of labels) h.set(l, (h.get(l) ?? 0) + 1);
  return h;
}

function total(h: Histogram): number {
  let n = 0;
  for (const c of h.values()) n += c;
  return n;
}

/** The most common label and the share of the set it covers (ties: the smaller label). */
export function majorityBaseline(h: Histogram): { label: string; accuracy: number } {
  let best: [string, number] | null = null;
  for (const entry of [...h.entries()].sort((a, b) => compareLabels(a[0], b[0]))) if (!best || entry[1] > best[1]) best = entry;
  const n = total(h);
  return best && n > 0 ? { label: best[0], accuracy: best[1] / n } : { label: "-", accuracy: 0 };
}

/** Total-variation distance: half the L1 distance between the two label distributions. */
export function totalVariation(a: Histogram, b: Histogram): number {
  const [na, nb] = [total(a), total(b)];
  let d = 0;
  for (const l of new Set([...a.keys(), ...b.keys()])) d += Math.abs((a.get(l) ?? 0) / (na || 1) - (b.get(l) ?? 0) / (nb || 1));
  return d / 2;
}

/** Numbers in numeric order, then other labels in text order. */
export function compareLabels(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  const [nx, ny] = [a.trim() !== "" && Number.isFinite(x), b.trim() !== "" && Number.isFinite(y)];
  if (nx && ny) return x - y;
  if (nx !== ny) return nx ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Histograms in columns, one row per label: `label | ####### 12.3% | ####     8.1%`, then each
 * column's majority baseline, then the TV distance of every column from the first.
 */
export function formatSideBySide(title: string, columns: readonly { readonly name: string; readonly histogram: Histogram }[], barWidth = 24): string {
  const labels = [...new Set(columns.flatMap((c) => [...c.histogram.keys()]))].sort(compareLabels);
  const shares = columns.map((c) => {
    const n = total(c.histogram);
    return new Map(labels.map((l) => [l, (c.histogram.get(l) ?? 0) / (n || 1)]));
  });
  const top = Math.max(1e-12, ...shares.flatMap((s) => [...s.values()]));
  const labelWidth = Math.max(5, ...labels.map((l) => l.length));
  const cellWidth = barWidth + 7;
  const cell = (p: number) => `${"#".repeat(Math.round((p / top) * barWidth)).padEnd(barWidth)} ${(100 * p).toFixed(1).padStart(5)}%`;
  const lines = [title, `${"label".padStart(labelWidth)} | ${columns.map((c) => c.name.padEnd(cellWidth)).join(" | ")}`];
  for (const l of labels) lines.push(`${l.padStart(labelWidth)} | ${shares.map((s) => cell(s.get(l)!)).join(" | ")}`);
  const majority = columns.map((c) => majorityBaseline(c.histogram));
  lines.push(`${"".padStart(labelWidth)}   ${majority.map((m) => `majority baseline ${(100 * m.accuracy).toFixed(1)}% (${m.label})`.padEnd(cellWidth)).join("   ")}`);
  lines.push(`${"".padStart(labelWidth)}   ${columns.map((c) => `${c.histogram.size} classes, n = ${total(c.histogram)}`.padEnd(cellWidth)).join("   ")}`);
  for (let i = 1; i < columns.length; i++) {
    lines.push(`total-variation distance, ${columns[i]!.name} vs ${columns[0]!.name}: ${totalVariation(columns[0]!.histogram, columns[i]!.histogram).toFixed(3)}`);
  }
  return lines.join("\n");
}
