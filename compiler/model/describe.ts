// A compiled model described for people: which block computes which s-op in which layer, and how
// the residual stream is laid out. Used by `raspc inspect` (text, JSON and HTML).
import { formatAtom } from "../rasp/values.js";
import type { CompiledModel, PlanEntry } from "./types.js";

/** Consecutive dims shown as `3-7`, others as `3, 9`. */
export function dimRanges(dims: readonly number[]): string {
  const sorted = [...dims].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

export interface ResidualGroup {
  /** The s-op (from the plan) or the direction's own name (`one`, helper directions). */
  readonly name: string;
  readonly dims: readonly number[];
  /** What each dim stands for within the group: a value, or the direction's name. */
  readonly labels: readonly string[];
  readonly entry: PlanEntry | null;
}

/** The residual stream grouped by s-op, in order of the first dim of each group. */
export function residualGroups(model: CompiledModel): ResidualGroup[] {
  const owner = new Array<number>(model.residual.length).fill(-1);
  model.plan.forEach((e, i) => e.dims.forEach((d) => (owner[d] = i)));
  const groups: ResidualGroup[] = [];
  const done = new Set<number>();
  for (let d = 0; d < model.residual.length; d++) {
    const o = owner[d]!;
    if (o >= 0) {
      if (done.has(o)) continue;
      done.add(o);
      const e = model.plan[o]!;
      const labels = e.dims.map((dim) => {
        const name = model.residual[dim]!;
        return name.startsWith(`${e.sop}:`) ? name.slice(e.sop.length + 1) : e.encoding === "numerical" ? "(value)" : name;
      });
      groups.push({ name: e.sop, dims: e.dims, labels, entry: e });
    } else {
      // Unplanned directions (`one`, `tokens:BOS`, helpers) group by the part before the first colon.
      const name = model.residual[d]!;
      const colon = name.indexOf(":");
      const prefix = colon > 0 ? name.slice(0, colon) : name;
      const last = groups[groups.length - 1];
      if (last && last.entry === null && last.name === prefix && colon > 0) {
        (last.dims as number[]).push(d);
        (last.labels as string[]).push(name.slice(colon + 1));
      } else {
        groups.push({ name: prefix, dims: [d], labels: [colon > 0 ? name.slice(colon + 1) : name], entry: null });
      }
    }
  }
  return groups;
}

export interface BlockRow {
  readonly layer: number;
  readonly block: string;
  readonly computes: string;
  readonly detail: string;
}

/** One row per head, MLP part and embedded s-op, in forward order. */
export function blockRows(model: CompiledModel): BlockRow[] {
  const rows: BlockRow[] = [];
  for (const e of model.plan.filter((p) => p.kind === "embedding")) {
    rows.push({ layer: -1, block: "embedding", computes: e.sop, detail: describeEntry(e) });
  }
  model.layers.forEach((layer, l) => {
    layer.attention.forEach((h, i) => {
      const dHead = h.wq[0]?.length ?? 0;
      const dValue = h.wv[0]?.length ?? 0;
      rows.push({ layer: l, block: `attn head ${i}`, computes: h.label, detail: `d_head ${dHead}, d_value ${dValue}` });
    });
    if (layer.mlp) {
      for (const p of layer.mlp.parts) {
        rows.push({ layer: l, block: "mlp", computes: p.label, detail: `hidden ${p.hiddenStart}..${p.hiddenEnd - 1} (${p.hiddenEnd - p.hiddenStart} unit${p.hiddenEnd - p.hiddenStart === 1 ? "" : "s"})` });
      }
      if (layer.mlp.parts.length === 0) rows.push({ layer: l, block: "mlp", computes: "(unlabelled)", detail: `${layer.mlp.b1.length} units` });
    }
  });
  return rows;
}

export function describeEntry(e: PlanEntry): string {
  if (e.encoding === "numerical") return "numerical";
  const shown = e.values.slice(0, 12).map(formatAtom).join(" ");
  return `categorical, ${e.values.length} value${e.values.length === 1 ? "" : "s"}: ${shown}${e.values.length > 12 ? " ..." : ""}`;
}
