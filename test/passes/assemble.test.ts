// Assembly (compiler/passes/assemble.ts) on its own: the residual layout (one, tokens:BOS, then a
// direction per value of each s-op, a single one per numerical s-op, the scratch directions last),
// the embeddings (BOS writes only `one` and `tokens:BOS`, PAD nothing), the blocks' sparse weights
// placed at their directions, every MLP unit gated off at BOS whatever the layer's heads wrote
// there plus one unit that cancels those writes, and the unembedding reading the output's values.
import { describe, expect, it } from "vitest";
import { assemble, type AssemblyInput } from "../../compiler/passes/assemble.js";
import { craftBlocks } from "../../compiler/passes/craftBlocks.js";
import { dirName } from "../../compiler/craft/residual.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { placedGraph } from "./stages.js";

function assemblyInput(text: string, vocab: readonly Atom[], maxLen: number): AssemblyInput {
  const { graph, infos, allocation } = placedGraph(text, { vocab, maxLen });
  const { heads, mlps, scratchDirs } = craftBlocks(graph, infos, allocation, { maxLen });
  return { nodes: graph.nodes, names: graph.names, infos, allocation, heads, mlps, scratchDirs, output: graph.output, vocab, maxLen, bos: "BOS", source: { file: "inline.rasp", text, sop: "out" } };
}

const at = (m: CompiledModel) => (name: string): number => {
  const i = m.residual.indexOf(name);
  if (i < 0) throw new Error(`no direction ${name} in ${m.residual.join(", ")}`);
  return i;
};
/** The directions a row sets, with their values. */
const set = (m: CompiledModel, row: readonly number[]): Record<string, number> => Object.fromEntries(row.flatMap((x, i) => (x !== 0 ? [[m.residual[i]!, x]] : [])));

// x: a categorical copy; w: selector_width (a scratch direction); m: a numerical mean; out reads all.
const PROGRAM = [
  "x = aggregate(select(indices, indices + 1, ==), tokens, \"a\");",
  "w = selector_width(select(tokens, tokens, ==));",
  "m = numerical(aggregate(select(indices, indices, <=), numerical(indicator(tokens == \"a\")), 0));",
  "out = (x == \"b\") and (w > 1) and (m > 0.5);",
].join("\n") + "\n";
const VOCAB = ["a", "b"];

// The edges of gating and summing: a numerical default of 5 written at BOS and read by a linear MLP
// in the same layer (the gate must outweigh it), a discretising MLP on negative values (ramps with
// a large positive bias), and a negated select whose query can be None (query weights that meet at
// one direction and column and must add up).
const EDGES = [
  "k = numerical(aggregate(select(indices, indices, <), tokens, 5));",
  "kk = numerical(k + 1);",
  "n = numerical(0 - k);",
  "neg = n > -2.5;",
  "prev = aggregate(select(indices, indices + 1, ==), tokens);",
  "w = selector_width(not select(tokens, prev, ==));",
  "out = (kk > 2) and neg and (w > 1);",
].join("\n") + "\n";
const both = [
  { name: "the main program", input: assemblyInput(PROGRAM, VOCAB, 4) },
  { name: "the edge cases", input: assemblyInput(EDGES, [1, 2, 3], 4) },
].map((c) => ({ ...c, model: assemble(c.input) }));

describe("assemble", () => {
  const { input, model } = both[0]!;

  it("lays out one, tokens:BOS, a direction per value (none for None), one per numerical s-op, scratch last", () => {
    expect(model.residual.slice(0, 2)).toEqual(["one", "tokens:BOS"]);
    expect(new Set(model.residual).size).toBe(model.residual.length);
    expect(model.residual).toEqual(expect.arrayContaining(["tokens:a", "tokens:b", "indices:0", "indices:3", "x:a", "x:b", "w:0", "w:4", "m"]));
    expect(model.residual.filter((d) => d.startsWith("m:"))).toEqual([]);
    expect(model.residual.at(-1)).toBe("w.attention_to_BOS");
    // The plan's dims are where each s-op's directions are.
    for (const p of model.plan) {
      const dirs = p.dims.map((i) => model.residual[i]!);
      if (p.encoding === "numerical") expect(dirs).toEqual([p.sop]);
      else expect(dirs).toEqual(p.values.filter((v) => v !== null).map((v) => dirName(p.sop, v)));
    }
  });

  it("embeds a token as one, its value direction and what s-ops of tokens alone make of it; BOS as one and tokens:BOS only; PAD as nothing", () => {
    // indicator(tokens == "a") is folded into the token embedding (allocateLayers), as a number.
    const folded = model.plan.find((p) => p.kind === "embedding" && p.encoding === "numerical")!;
    expect(set(model, model.tokenEmbedding[0]!)).toEqual({ one: 1, "tokens:a": 1, [folded.sop]: 1 });
    expect(set(model, model.tokenEmbedding[1]!)).toEqual({ one: 1, "tokens:b": 1 });
    expect(set(model, model.tokenEmbedding[VOCAB.length]!)).toEqual({ one: 1, "tokens:BOS": 1 });
    expect(set(model, model.tokenEmbedding[VOCAB.length + 1]!)).toEqual({});
    expect(set(model, model.positionEmbedding[0]!)).toEqual({});
    for (let p = 1; p <= 4; p++) expect(set(model, model.positionEmbedding[p]!)["indices:" + (p - 1)]).toBe(1);
  });

  it.each(both)("$name: puts each block's weights at its directions, summing entries that meet", ({ input, model }) => {
    const dim = at(model);
    let met = 0;
    for (const [layer, specs] of input.heads) {
      specs.forEach((spec, h) => {
        const head = model.layers[layer]!.attention[h]!;
        expect(head.label).toBe(spec.label);
        for (const [part, entries] of [["wq", spec.wq], ["wk", spec.wk], ["wv", spec.wv]] as const) {
          const want = new Map<string, number>();
          for (const [name, j, w] of entries) {
            const key = `${dim(name)},${j}`;
            if (want.has(key)) met++;
            want.set(key, (want.get(key) ?? 0) + w);
          }
          const got = new Map<string, number>();
          head[part].forEach((row, i) => row.forEach((w, j) => w !== 0 && got.set(`${i},${j}`, w)));
          expect(got, part).toEqual(new Map([...want].filter(([, w]) => w !== 0)));
        }
        expect(head.wo.length).toBe(spec.dValue);
      });
    }
    if (input === both[1]!.input) expect(met).toBeGreaterThan(0);
  });

  it.each(both)("$name: gates every MLP unit off at BOS, whatever the layer's heads wrote there, and cancels those writes", ({ input, model }) => {
    const dim = at(model);
    for (const [l, layer] of model.layers.entries()) {
      if (!layer.mlp) continue;
      // The residual at BOS after this layer's attention: one, tokens:BOS, and what its heads wrote.
      const x = new Array<number>(model.residual.length).fill(0);
      x[dim("one")] = 1;
      x[dim("tokens:BOS")] = 1;
      for (const spec of input.heads.get(l) ?? []) for (const [name, w] of spec.bosWrites) x[dim(name)]! += w;
      const { w1, b1, w2, parts } = layer.mlp;
      const cleaner = parts.find((p) => p.label === "clear BOS position");
      const pre = b1.map((b, u) => b + x.reduce((a, xi, i) => a + xi * w1[i]![u]!, 0));
      const post = pre.map((v) => Math.max(0, v));
      for (let u = 0; u < b1.length; u++) if (!cleaner || u !== cleaner.hiddenStart) expect(pre[u], `layer ${l} unit ${u}`).toBeLessThan(0);
      // After the MLP, BOS holds one and tokens:BOS again, and nothing else.
      const after = x.map((xi, i) => xi + post.reduce((a, p, u) => a + p * w2[u]![i]!, 0) + layer.mlp!.b2[i]!);
      expect(set(model, after.map((v) => (Math.abs(v) < 1e-12 ? 0 : v)))).toEqual({ one: 1, "tokens:BOS": 1 });
    }
    // These programs' heads do write at BOS (defaults, selector_width's counter), so a cleaner exists.
    expect(model.layers.some((l) => l.mlp?.parts.some((p) => p.label === "clear BOS position"))).toBe(true);
  });

  it("unembeds the output's value directions, in order, one column each", () => {
    expect(model.output).toMatchObject({ sop: "out", encoding: "categorical", values: [false, true] });
    const cols = model.unembedding[0]!.length;
    expect(cols).toBe(2);
    const read = (c: number) => model.residual.filter((_, i) => model.unembedding[i]![c] !== 0);
    expect([read(0), read(1)]).toEqual([["out:False"], ["out:True"]]);
  });

  it("reports each layer as it is built", () => {
    const seen: [number, number][] = [];
    assemble({ ...input, onProgress: (done, total) => seen.push([done, total]) });
    expect(seen).toEqual(Array.from({ length: model.layers.length }, (_, l) => [l + 1, model.layers.length]));
  });

  it("refuses a direction named twice rather than let two values share it", () => {
    expect(() => assemble({ ...input, scratchDirs: [...input.scratchDirs, dirName("x", "a")] })).toThrow("residual direction x:a allocated twice");
  });
});
