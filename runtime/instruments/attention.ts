// Attention and MLP activation maps of compiled models on one input (`raspc attn`; Jain et al.
// 2023, figs. 9, 40-49): every head's query×key pattern (blocks.{l}.attn.hook_pattern) and every
// MLP's hidden activations after the ReLU (blocks.{l}.mlp.hook_post), read on onnxruntime-node
// through runtime/instruments/hookedModel.ts, for several models side by side. Positions are the
// model's: 0 is BOS, input token i is at i + 1, so axis labels are the tokens with BOS first.
//
// The summaries say where the attention mass goes without a picture: for a query row, its largest
// keys and its mass summed by key token (the compiled Counter's counting head puts 1/(c+1) on BOS
// and on each of the c operand positions at the answer query, so "a 0.75, BOS 0.25" for c = 3).
// They are computed over every key, whatever window a figure is cropped to.
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { hookNames } from "../../compiler/model/hooks.js";
import { headsOf, runHooked, type HeadInfo, type HookedModel } from "./hookedModel.js";

/** Positions [start, end) of a model's sequence (BOS is position 0). */
export interface PositionWindow {
  readonly start: number;
  readonly end: number;
}

export interface HeadPattern {
  /** The model's label. */
  readonly model: string;
  readonly head: HeadInfo;
  /** [query][key] over every position. */
  readonly pattern: readonly (readonly number[])[];
}

export interface MlpActivations {
  readonly model: string;
  readonly layer: number;
  /** What each block of hidden units computes (the compiled MLP's parts). */
  readonly parts: readonly { readonly label: string; readonly start: number; readonly end: number }[];
  /** [unit][position]: the hidden activation after the ReLU. */
  readonly values: readonly (readonly number[])[];
}

export interface AttentionMaps {
  /** The label of each position: BOS, then the input's tokens. */
  readonly positions: readonly string[];
  readonly heads: readonly HeadPattern[];
  readonly mlps: readonly MlpActivations[];
}

export interface MapFilter {
  /** Only these layers (default: all). */
  readonly layers?: ReadonlySet<number>;
  /** Only these heads within a layer (default: all). */
  readonly heads?: ReadonlySet<number>;
}

/** What the filter lets through, refused in one line when it matches no head of a model. */
function selectedHeads(m: HookedModel, filter: MapFilter): HeadInfo[] {
  const all = headsOf(m).flat();
  const picked = all.filter((h) => (!filter.layers || filter.layers.has(h.layer)) && (!filter.heads || filter.heads.has(h.head)));
  if (picked.length === 0) {
    const have = all.map((h) => `layer ${h.layer} head ${h.head}`).join(", ") || "none";
    throw new UsageError(`${m.label}: no head matches the --layer/--head filter; its heads are ${have}`);
  }
  return picked;
}

function rows(data: Float32Array, offset: number, n: number, width: number): number[][] {
  return Array.from({ length: n }, (_, r) => Array.from(data.subarray(offset + r * width, offset + (r + 1) * width)));
}

/**
 * Every selected head's pattern and (with `mlp`) every selected layer's MLP activations of each
 * model on `input`. The models need not share a geometry, only the input's tokens.
 */
export async function attentionMaps(models: readonly HookedModel[], input: readonly Atom[], filter: MapFilter = {}, mlp = false): Promise<AttentionMaps> {
  if (models.length === 0) throw new UsageError("give at least one model");
  const heads: HeadPattern[] = [];
  const mlps: MlpActivations[] = [];
  let positions: string[] = [];
  for (const m of models) {
    const ids = m.encode(input, `the input for ${m.label}`);
    positions = ids.map((id) => m.tokenName(id));
    const T = ids.length;
    const picked = selectedHeads(m, filter);
    const layers = [...new Set(picked.map((h) => h.layer))];
    const mlpLayers = mlp ? m.geometry.layers.map((g, l) => (g.hidden > 0 && (!filter.layers || filter.layers.has(l)) ? l : -1)).filter((l) => l >= 0) : [];
    const run = await runHooked(m, [ids], { hooks: [...layers.map(hookNames.pattern), ...mlpLayers.map(hookNames.mlpPost)] });
    for (const h of picked) {
      const p = run.hooks.get(hookNames.pattern(h.layer))!;
      heads.push({ model: m.label, head: h, pattern: rows(p.data, h.head * T * T, T, T) });
    }
    for (const l of mlpLayers) {
      const post = run.hooks.get(hookNames.mlpPost(l))!;
      const hidden = post.shape[2]!;
      const byPos = rows(post.data, 0, T, hidden);
      const parts = m.model.layers[l]!.mlp!.parts.map((p) => ({ label: p.label, start: p.hiddenStart, end: p.hiddenEnd }));
      mlps.push({ model: m.label, layer: l, parts, values: Array.from({ length: hidden }, (_, u) => byPos.map((row) => row[u]!)) });
    }
  }
  return { positions, heads, mlps };
}

export interface KeyWeight {
  readonly position: number;
  readonly token: string;
  readonly weight: number;
}

/** The `k` keys with the largest weight in a query row, largest first (ties: earlier position first). */
export function topKeys(row: readonly number[], positions: readonly string[], k: number): KeyWeight[] {
  return row
    .map((weight, position) => ({ position, token: positions[position]!, weight }))
    .sort((a, b) => b.weight - a.weight || a.position - b.position)
    .slice(0, k);
}

/** A query row's attention summed by key token, largest first. */
export function massByToken(row: readonly number[], positions: readonly string[]): [string, number][] {
  const mass = new Map<string, number>();
  row.forEach((w, p) => mass.set(positions[p]!, (mass.get(positions[p]!) ?? 0) + w));
  return [...mass].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The attention of a query row on the positions holding `token`. */
export function massOn(row: readonly number[], positions: readonly string[], token: string): number {
  return row.reduce((s, w, p) => (positions[p] === token ? s + w : s), 0);
}

/**
 * `A:B` (either side may be empty) as [A, B) of an axis of `length` entries, checked; `axis` says
 * what the entries are in the error ("positions, BOS = 0", "hidden units").
 */
export function parseWindow(text: string, length: number, flag: string, axis = "positions, BOS = 0"): PositionWindow {
  const m = /^\s*(\d*)\s*:\s*(\d*)\s*$/.exec(text);
  if (!m) throw new UsageError(`${flag} must be START:END (${axis}; END excluded; either may be left out), got ${JSON.stringify(text)}`);
  const start = m[1] === "" ? 0 : Number(m[1]);
  const end = m[2] === "" ? length : Number(m[2]);
  if (start >= end || end > length) throw new UsageError(`${flag} ${text}: needs START < END <= ${length} (${axis}: 0..${length - 1})`);
  return { start, end };
}

/** Rows [r.start, r.end) and columns [c.start, c.end) of a matrix. */
export function crop(m: readonly (readonly number[])[], r: PositionWindow, c: PositionWindow): number[][] {
  return m.slice(r.start, r.end).map((row) => row.slice(c.start, c.end));
}
