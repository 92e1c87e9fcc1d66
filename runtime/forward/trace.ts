// What a compiled model holds at every layer for one input: each head's attention pattern, and the
// residual stream both raw and read back as the program's s-ops (the plan says which dimensions
// hold which s-op, from which layer on). `raspc exec --trace` prints it; the fine-tuning lab can
// use it to see which computed values a trained model still holds.
import { planValueDims } from "../../compiler/model/modelFile.js";
import type { CompiledModel, PlanEntry } from "../../compiler/model/types.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { type FloatArray, type ForwardResult } from "./outputs.js";
import { hookNames } from "../../compiler/model/hooks.js";

/** A categorical s-op reads as None unless its largest value direction is above this. */
export const PRESENT = 0.5;

export interface HeadTrace {
  readonly head: number;
  readonly label: string;
  /** [query position][key position], BOS (key 0) included; query rows 1..n only. */
  readonly pattern: number[][];
}

export interface StageTrace {
  /** "embed", or the layer after whose attention (mid) or MLP (post) this was read. */
  readonly stage: string;
  /** Every plan s-op computed by this stage, decoded at positions 1..n. */
  readonly sops: [string, Atom[]][];
  /** [position][dimension], BOS row included. */
  readonly residual: number[][];
}

export interface Trace {
  readonly attention: { readonly layer: number; readonly heads: HeadTrace[] }[];
  readonly stages: StageTrace[];
}

/** An s-op's value at one position of a residual stream, read the way the plan lays it out. */
export function readEntry(entry: PlanEntry, resid: FloatArray, base: number): Atom {
  const dims = planValueDims(entry);
  if (entry.encoding === "numerical") return resid[base + dims[0]![1]]!;
  let best: Atom = null;
  let bestValue = PRESENT;
  for (const [value, dim] of dims) {
    const x = resid[base + dim]!;
    if (x > bestValue) {
      best = value;
      bestValue = x;
    }
  }
  return best;
}

/** The trace of sequence `b` of a forward pass run with hooks. */
export function traceSequence(model: CompiledModel, result: ForwardResult, b: number): Trace {
  const hooks = result.hooks;
  if (!hooks) throw new Error("traceSequence needs a forward pass with hooks");
  const d = model.residual.length;
  const n = result.lengths[b]!;
  const rows = (flat: FloatArray, width: number, count: number): number[][] =>
    Array.from({ length: count }, (_, p) => Array.from(flat.subarray((b * result.seqLen + p) * width, (b * result.seqLen + p) * width + width)));
  const stage = (name: string, hook: string, upTo: (e: PlanEntry) => boolean): StageTrace => {
    const resid = hooks.get(hook)!;
    const sops: [string, Atom[]][] = model.plan
      .filter(upTo)
      .map((e) => [e.sop, Array.from({ length: n - 1 }, (_, i) => readEntry(e, resid, (b * result.seqLen + i + 1) * d))]);
    return { stage: name, sops, residual: rows(resid, d, n) };
  };
  const stages: StageTrace[] = [stage("embed", hookNames.embed, (e) => e.kind === "embedding")];
  const attention: Trace["attention"][number][] = [];
  model.layers.forEach((layer, l) => {
    const heads = layer.attention.map((h, i) => {
      const pattern = hooks.get(hookNames.pattern(l, i))!;
      const all = rows(pattern, result.seqLen, n).map((r) => r.slice(0, n));
      return { head: i, label: h.label, pattern: all.slice(1) };
    });
    attention.push({ layer: l, heads });
    const computedBy = (e: PlanEntry, kinds: string[]) => e.kind === "embedding" || e.layer < l || (e.layer === l && kinds.includes(e.kind));
    stages.push(stage(`layer ${l} attention`, hookNames.residMid(l), (e) => computedBy(e, ["attention"])));
    stages.push(stage(`layer ${l} MLP`, hookNames.residPost(l), (e) => computedBy(e, ["attention", "mlp", "attention+mlp"])));
  });
  return { attention, stages };
}
