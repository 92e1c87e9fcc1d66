// What a compiled model holds at every layer for one input: each head's attention pattern, and the
// residual stream both raw and read back as the program's s-ops (the plan says which dimensions
// hold which s-op, from which layer on). `raspc exec --trace` prints it; the fine-tuning lab can
// use it to see which computed values a trained model still holds.
import { planValueDims } from "../../compiler/model/modelFile.js";
import type { CompiledModel, PlanEntry } from "../../compiler/model/types.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { type FloatArray, type ForwardResult } from "./outputs.js";
import { hookNames, hookSpecs, patternOffset, type HookSpec } from "../../compiler/model/hooks.js";

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

/** Numbers nested as deep as the hook has axes. */
export type Nested = number | Nested[];

export interface Trace {
  readonly attention: { readonly layer: number; readonly heads: HeadTrace[] }[];
  readonly stages: StageTrace[];
  /**
   * Every hook of compiler/model/hooks.ts for this sequence, by its TransformerLens name: the
   * documented shape without the batch axis, every `pos` axis cut to the sequence's real positions
   * (BOS included), e.g. blocks.0.attn.hook_pattern as [head][q][k].
   */
  readonly hooks: Record<string, Nested>;
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

/** Where in the forward pass a residual stream is read: after the embedding, or after a layer's attention or MLP. */
export type ResidualPoint = { readonly layer: -1 } | { readonly layer: number; readonly after: "attention" | "mlp" };

/**
 * Whether the plan puts `entry` in the residual stream by `point`: an embedded s-op from the start,
 * one computed by attention from that layer's attention on, one computed by an MLP (or by attention
 * and MLP together, as selector_width) only after that layer's MLP.
 */
export function entryWritten(entry: PlanEntry, point: ResidualPoint): boolean {
  if (entry.kind === "embedding") return true;
  if (point.layer < 0 || entry.layer > point.layer) return false;
  if (entry.layer < point.layer) return true;
  return "after" in point && (point.after === "mlp" || entry.kind === "attention");
}

/**
 * The residual stream right after the embedding: blocks.0.hook_resid_pre, or, in a model without
 * layers, hook_embed + hook_pos_embed (the sum the engines compute, in their precision).
 */
export function embeddedResidual(model: CompiledModel, hooks: ReadonlyMap<string, FloatArray>): FloatArray {
  if (model.layers.length > 0) return hooks.get(hookNames.residPre(0))!;
  const te = hooks.get(hookNames.embed)!;
  const pe = hooks.get(hookNames.posEmbed)!;
  const sum = te instanceof Float32Array ? new Float32Array(te.length) : new Float64Array(te.length);
  for (let i = 0; i < te.length; i++) sum[i] = te[i]! + pe[i]!;
  return sum;
}

/** Sequence b's part of one hook (layout `spec.shape`, `seqLen` padded positions), `n` real positions. */
export function sequenceHook(spec: HookSpec, flat: FloatArray, b: number, seqLen: number, n: number): Nested {
  const full = spec.shape.map((dim) => (dim === "batch" ? 0 : dim === "pos" ? seqLen : dim));
  const strides = full.map((_, i) => full.slice(i + 1).reduce((a, c) => a * c, 1));
  const build = (axis: number, offset: number): Nested => {
    if (axis === full.length) return flat[offset]!;
    const dim = spec.shape[axis]!;
    if (dim === "batch") return build(axis + 1, offset + b * strides[axis]!);
    return Array.from({ length: dim === "pos" ? n : dim }, (_, i) => build(axis + 1, offset + i * strides[axis]!));
  };
  return build(0, 0);
}

/** The trace of sequence `b` of a forward pass run with hooks. */
export function traceSequence(model: CompiledModel, result: ForwardResult, b: number): Trace {
  const hooks = result.hooks;
  if (!hooks) throw new Error("traceSequence needs a forward pass with hooks");
  const d = model.residual.length;
  const n = result.lengths[b]!;
  const rows = (flat: FloatArray, width: number, count: number): number[][] =>
    Array.from({ length: count }, (_, p) => Array.from(flat.subarray((b * result.seqLen + p) * width, (b * result.seqLen + p) * width + width)));
  const stage = (name: string, resid: FloatArray, upTo: (e: PlanEntry) => boolean): StageTrace => {
    const sops: [string, Atom[]][] = model.plan
      .filter(upTo)
      .map((e) => [e.sop, Array.from({ length: n - 1 }, (_, i) => readEntry(e, resid, (b * result.seqLen + i + 1) * d))]);
    return { stage: name, sops, residual: rows(resid, d, n) };
  };
  const stages: StageTrace[] = [stage("embed", embeddedResidual(model, hooks), (e) => entryWritten(e, { layer: -1 }))];
  const attention: Trace["attention"][number][] = [];
  model.layers.forEach((layer, l) => {
    const H = layer.attention.length;
    const heads = layer.attention.map((h, i) => {
      const pattern = hooks.get(hookNames.pattern(l))!;
      const at = patternOffset(H, result.seqLen, b, i);
      const all = Array.from({ length: n }, (_, q) => Array.from(pattern.subarray(at + q * result.seqLen, at + q * result.seqLen + n)));
      return { head: i, label: h.label, pattern: all.slice(1) };
    });
    attention.push({ layer: l, heads });
    stages.push(stage(`layer ${l} attention`, hooks.get(hookNames.residMid(l))!, (e) => entryWritten(e, { layer: l, after: "attention" })));
    stages.push(stage(`layer ${l} MLP`, hooks.get(hookNames.residPost(l))!, (e) => entryWritten(e, { layer: l, after: "mlp" })));
  });
  const hookValues = Object.fromEntries(hookSpecs(model).map((spec) => [spec.name, sequenceHook(spec, hooks.get(spec.name)!, b, result.seqLen, n)]));
  return { attention, stages, hooks: hookValues };
}
