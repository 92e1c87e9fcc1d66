// Pass 5 (Tracr's assemble): lay out the residual stream with one named direction per value, and
// turn the placed blocks into the embedding, per-layer head and MLP, and unembedding matrices.
import type { RaspNode, SOp } from "../rasp/ops.js";
import { atomEquals, type Atom } from "../rasp/values.js";
import type { CompiledModel, Layer, Matrix, PlanEntry, AttentionHead, MlpBlock } from "../model/types.js";
import { BOS_DIR, ONE_DIR, dirName, layoutDirs, numericDir, type Direction, type HeadSpec, type MlpSpec, type SOpLayout } from "../craft/residual.js";
import type { Allocation } from "./allocateLayers.js";
import { embeddedValue, type SOpInfo } from "./valueSets.js";

export interface AssemblyInput {
  readonly nodes: readonly RaspNode[];
  readonly names: ReadonlyMap<number, string>;
  readonly infos: ReadonlyMap<number, SOpInfo>;
  readonly allocation: Allocation;
  readonly heads: ReadonlyMap<number, HeadSpec[]>; // layer → heads
  readonly mlps: ReadonlyMap<number, MlpSpec[]>; // layer → MLP parts
  /** Extra residual directions blocks use internally (selector_width's attention weight). */
  readonly scratchDirs: readonly Direction[];
  readonly output: SOp;
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  readonly bos: string;
  readonly source: { readonly file: string; readonly text: string; readonly sop: string };
  readonly onProgress?: (layersDone: number, layers: number) => void;
}

export function layoutOf(n: SOp, names: ReadonlyMap<number, string>, infos: ReadonlyMap<number, SOpInfo>): SOpLayout {
  const info = infos.get(n.id)!;
  return { name: names.get(n.id)!, encoding: info.encoding, values: info.values };
}

function zeros(rows: number, cols: number): Matrix {
  return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

function writeValue(row: number[], dims: ReadonlyMap<Direction, number>, layout: SOpLayout, value: Atom): void {
  if (value === null) return;
  if (layout.encoding === "numerical") {
    row[dims.get(numericDir(layout))!]! += Number(value);
    return;
  }
  const match = layout.values.find((v) => v !== null && atomEquals(v, value));
  if (match !== undefined) row[dims.get(dirName(layout.name, match))!] = 1;
}

export function assemble(input: AssemblyInput): CompiledModel {
  const { nodes, names, infos, allocation, vocab, maxLen } = input;
  const sops = nodes.filter((n): n is SOp => infos.has(n.id));
  // ---- residual layout: one named direction per value
  const residual: Direction[] = [ONE_DIR, BOS_DIR];
  const dirsOf = new Map<number, number[]>();
  for (const n of sops) {
    const layout = layoutOf(n, names, infos);
    const ds = layoutDirs(layout);
    dirsOf.set(n.id, ds.map((_, i) => residual.length + i));
    residual.push(...ds);
  }
  residual.push(...input.scratchDirs);
  const dims = new Map<Direction, number>();
  residual.forEach((d, i) => {
    if (dims.has(d)) throw new Error(`residual direction ${d} allocated twice`);
    dims.set(d, i);
  });
  const d = residual.length;
  const dim = (name: Direction): number => {
    const i = dims.get(name);
    if (i === undefined) throw new Error(`unknown residual direction ${name}`);
    return i;
  };

  // ---- embeddings (BOS writes only `one` and `tokens:BOS`; PAD writes nothing)
  const tokenEmbedding = zeros(vocab.length + 2, d);
  const positionEmbedding = zeros(maxLen + 1, d);
  const tokenEmbedded = sops.filter((n) => allocation.placements.get(n.id)?.kind === "tokenEmbedding");
  const positionEmbedded = sops.filter((n) => allocation.placements.get(n.id)?.kind === "positionEmbedding");
  vocab.forEach((tok, i) => {
    const row = tokenEmbedding[i]!;
    row[dim(ONE_DIR)] = 1;
    const memo = new Map<number, Atom>();
    for (const n of tokenEmbedded) writeValue(row, dims, layoutOf(n, names, infos), embeddedValue(n, tok, undefined, memo));
  });
  tokenEmbedding[vocab.length]![dim(ONE_DIR)] = 1;
  tokenEmbedding[vocab.length]![dim(BOS_DIR)] = 1;
  for (let p = 1; p <= maxLen; p++) {
    const memo = new Map<number, Atom>();
    for (const n of positionEmbedded) writeValue(positionEmbedding[p]!, dims, layoutOf(n, names, infos), embeddedValue(n, undefined, p - 1, memo));
  }

  // ---- layers
  const layers: Layer[] = [];
  for (let l = 0; l < allocation.layers; l++) {
    const headSpecs = input.heads.get(l) ?? [];
    const attention: AttentionHead[] = headSpecs.map((h) => {
      const wq = zeros(d, h.dHead);
      const wk = zeros(d, h.dHead);
      const wv = zeros(d, h.dValue);
      const wo = zeros(h.dValue, d);
      for (const [name, j, w] of h.wq) wq[dim(name)]![j]! += w;
      for (const [name, j, w] of h.wk) wk[dim(name)]![j]! += w;
      for (const [name, j, w] of h.wv) wv[dim(name)]![j]! += w;
      for (const [j, name, w] of h.wo) wo[j]![dim(name)]! += w;
      return { label: h.label, wq, wk, wv, wo };
    });
    // What this layer's heads leave at the BOS position, and how large it can be per direction.
    const bosPollution = new Map<number, number>();
    for (const h of headSpecs) for (const [name, w] of h.bosWrites) bosPollution.set(dim(name), (bosPollution.get(dim(name)) ?? 0) + w);
    const parts = input.mlps.get(l) ?? [];
    const hidden = parts.reduce((a, p) => a + p.hidden, 0) + (bosPollution.size > 0 ? 1 : 0);
    let mlp: MlpBlock | null = null;
    if (hidden > 0) {
      const w1 = zeros(d, hidden);
      const b1 = new Array<number>(hidden).fill(0);
      const w2 = zeros(hidden, d);
      const b2 = new Array<number>(d).fill(0);
      const spans: { label: string; hiddenStart: number; hiddenEnd: number }[] = [];
      let offset = 0;
      for (const p of parts) {
        for (const [name, u, w] of p.w1) w1[dim(name)]![offset + u]! += w;
        p.b1.forEach((b, u) => (b1[offset + u] = b));
        for (const [u, name, w] of p.w2) w2[offset + u]![dim(name)]! += w;
        // Gate every unit off at BOS: its pre-activation there must be <= 0 whatever this layer's
        // heads wrote at BOS, so MLPs never write at BOS.
        for (let u = 0; u < p.hidden; u++) {
          let g = 1 + Math.max(0, b1[offset + u]!);
          for (const [row, amount] of bosPollution) g += Math.abs(w1[row]![offset + u]!) * Math.abs(amount);
          w1[dim(BOS_DIR)]![offset + u]! -= g;
        }
        spans.push({ label: p.label, hiddenStart: offset, hiddenEnd: offset + p.hidden });
        offset += p.hidden;
      }
      if (bosPollution.size > 0) {
        // One unit, active only at BOS, cancels what the heads wrote there.
        w1[dim(BOS_DIR)]![offset] = 1;
        for (const [row, amount] of bosPollution) w2[offset]![row] = -amount;
        spans.push({ label: "clear BOS position", hiddenStart: offset, hiddenEnd: offset + 1 });
      }
      mlp = { parts: spans, w1, b1, w2, b2 };
    }
    layers.push({ attention, mlp });
    input.onProgress?.(l + 1, allocation.layers);
  }

  // ---- unembedding: the output s-op's directions
  const outLayout = layoutOf(input.output, names, infos);
  const outDims = dirsOf.get(input.output.id)!;
  const unembedding = zeros(d, outDims.length);
  outDims.forEach((row, c) => (unembedding[row]![c] = 1));
  const plan: PlanEntry[] = sops.map((n) => {
    const p = allocation.placements.get(n.id)!;
    const info = infos.get(n.id)!;
    return {
      sop: names.get(n.id)!,
      kind: p.kind === "tokenEmbedding" || p.kind === "positionEmbedding" ? "embedding" : p.kind,
      layer: "layer" in p ? p.layer : -1,
      encoding: info.encoding,
      values: info.values,
      dims: dirsOf.get(n.id)!,
      source: n.range ? `${n.range.file}:${n.range.startLine}:${n.range.startColumn}` : null,
    };
  });
  return {
    format: "raspc-model",
    version: 1,
    source: input.source,
    vocab: [...vocab],
    bos: input.bos,
    maxLen,
    residual,
    tokenEmbedding,
    positionEmbedding,
    layers,
    unembedding,
    output: {
      sop: outLayout.name,
      encoding: outLayout.encoding,
      values: outLayout.encoding === "numerical" ? [] : outLayout.values.filter((v) => v !== null),
      noneThreshold: 0.5,
    },
    plan,
  };
}
