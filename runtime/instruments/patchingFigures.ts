// The figure of `raspc patch`: the mean change of the logit difference when each component is
// patched, as a layer × (head 0, head 1, ..., MLP) heatmap (Chhabra et al. 2024, figs. 6, 11 and
// 28-30), one panel per donor and head part, on one diverging colour scale centred on zero.
import type { Figure } from "../report/figure.js";
import { heatmap } from "../report/charts.js";
import type { FigureText } from "./attentionFigures.js";
import type { Component } from "./patching.js";

export interface EffectPanel {
  /** e.g. "FT-lr1e-4-c1-s0 → pt · pattern". */
  readonly name: string;
  readonly components: readonly Component[];
  /** Per component, its mean ΔLD. */
  readonly effects: ArrayLike<number>;
}

/** Layers down, heads then "MLP" across; a cell no component fills (a layer with fewer heads, no MLP) is empty. */
export function effectGrid(components: readonly Component[], effects: ArrayLike<number>): { rows: string[]; cols: string[]; values: number[][] } {
  const layers = Math.max(0, ...components.map((c) => (c.kind === "head" ? c.head.layer : c.layer) + 1));
  const heads = Math.max(0, ...components.map((c) => (c.kind === "head" ? c.head.head + 1 : 0)));
  const values = Array.from({ length: layers }, () => new Array<number>(heads + 1).fill(Number.NaN));
  components.forEach((c, i) => {
    if (c.kind === "head") values[c.head.layer]![c.head.head] = effects[i]!;
    else values[c.layer]![heads] = effects[i]!;
  });
  return { rows: Array.from({ length: layers }, (_, l) => `layer ${l}`), cols: [...Array.from({ length: heads }, (_, h) => `head ${h}`), "MLP"], values };
}

export function patchFigure(title: string, panels: readonly EffectPanel[], text: FigureText): Figure {
  const grids = panels.map((p) => ({ name: p.name, ...effectGrid(p.components, p.effects) }));
  const first = grids[0]!;
  return {
    ...text,
    title,
    spec: heatmap({
      rows: first.rows,
      cols: first.cols,
      rowLabel: "layer",
      colLabel: "component",
      colorLabel: "mean ΔLD",
      title,
      scheme: "diverging",
      showValues: ".2f",
      facet: { panels: grids.map((g) => ({ name: g.name, values: g.values, rows: g.rows, cols: g.cols })), columns: Math.min(grids.length, 4) },
    }),
  };
}
