// Block selection (compiler/passes/craftBlocks.ts) on its own: each placed s-op gets the craft
// construction that computes it in its encodings (lookup table, linear or discretising MLP,
// aggregate head, selector_width's head, MLP and scratch direction), in the layer the allocation
// gave it; the attention coldness follows the domain unless given; an MLP too large for a model
// file, and a discretisation that cannot be exact, are refused at the s-op's source.
import { describe, expect, it } from "vitest";
import { RaspError } from "../../compiler/language/diagnostics.js";
import { craftBlocks, MAX_MLP_WEIGHTS } from "../../compiler/passes/craftBlocks.js";
import type { HeadSpec, MlpSpec } from "../../compiler/craft/residual.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { placedGraph } from "./stages.js";

function blocks(text: string, opts: { vocab: readonly Atom[]; maxLen: number; coldness?: number }) {
  const placed = placedGraph(text, opts);
  const b = craftBlocks(placed.graph, placed.infos, placed.allocation, opts);
  const all = <T extends { label: string }>(m: Map<number, T[]>) => [...m.entries()].flatMap(([layer, xs]) => xs.map((x) => ({ layer, x })));
  const mlp = (label: string): MlpSpec & { layer: number } => {
    const found = all(b.mlps).find((e) => e.x.label === label);
    if (!found) throw new Error(`no MLP for ${label}`);
    return { ...found.x, layer: found.layer };
  };
  const head = (label: string): HeadSpec & { layer: number } => {
    const found = all(b.heads).find((e) => e.x.label === label);
    if (!found) throw new Error(`no head for ${label}`);
    return { ...found.x, layer: found.layer };
  };
  const layerOf = (name: string): number => {
    const p = placed.allocation.placements.get(placed.node(name).id)!;
    return "layer" in p ? p.layer : -1;
  };
  return { ...b, mlp, head, layerOf, labels: { mlps: all(b.mlps).map((e) => e.x.label), heads: all(b.heads).map((e) => e.x.label) } };
}

/** Directions a block reads (its w1, or its wq/wk/wv). */
const reads = (entries: readonly (readonly [string, number, number])[]): string[] => [...new Set(entries.map(([d]) => d))].sort();

const COPY = "x = aggregate(select(indices, indices, ==), tokens);\n";
const MEAN = "x = numerical(aggregate(select(indices, indices, <=), tokens, 0));\n";

describe("craftBlocks", () => {
  it("a map of a categorical s-op is a lookup table: one unit per input value it writes, reading the value directions", () => {
    const b = blocks(`${COPY}out = x == "a";\n`, { vocab: ["a", "b", "c"], maxLen: 4 });
    const m = b.mlp("out");
    expect(m.hidden).toBe(3);
    expect(reads(m.w1)).toEqual(["x:a", "x:b", "x:c"]);
    expect(m.layer).toBe(b.layerOf("out"));
  });

  it("a value the function raises on is outside the domain: it gets no unit", () => {
    const b = blocks(`${COPY}out = 6 / x;\n`, { vocab: [0, 2, 3], maxLen: 4 });
    expect(b.mlp("out").hidden).toBe(2);
    expect(reads(b.mlp("out").w1)).toEqual(["x:2", "x:3"]);
  });

  it("an affine map of a numerical s-op is a linear MLP: two units per input and one for the bias", () => {
    const b = blocks(`${MEAN}out = numerical(2 * x + 1);\n`, { vocab: [1, 2, 3], maxLen: 4 });
    const m = b.mlp("out");
    expect(m.hidden).toBe(3);
    expect(m.w1).toEqual([["x", 0, 1], ["x", 1, -1]]);
    expect(m.w2).toEqual(expect.arrayContaining([[0, "out", 2], [1, "out", -2], [2, "out", 1]]));
  });

  it("any other function of a numerical s-op is a discretising MLP, with a step only where the output changes", () => {
    const b = blocks(`${MEAN}out = x > 1.5;\n`, { vocab: [1, 2, 3], maxLen: 4 });
    const m = b.mlp("out");
    // The constant unit and one ramp pair: `> 1.5` changes once over all of x's values.
    expect(m.hidden).toBe(3);
    expect(reads(m.w1)).toEqual(["x"]);
  });

  it("a sequence map of categorical s-ops is a product table; of numerical ones with an affine form, linear", () => {
    const cat = blocks(`${COPY}out = x + indices;\n`, { vocab: [1, 2], maxLen: 3 });
    // x in {1, 2}, indices in {0, 1, 2}: six combinations, each with a value to write.
    expect(cat.mlp("out").hidden).toBe(6);
    const lin = blocks(`${MEAN}y = numerical(aggregate(select(indices, indices, ==), tokens, 0));\nout = numerical(x - y);\n`, { vocab: [1, 2, 3], maxLen: 4 });
    expect(lin.mlp("out").hidden).toBe(4);
    expect(reads(lin.mlp("out").w1)).toEqual(["x", "y"]);
  });

  it("an aggregate is one head in its layer, copying the value directions to the output's", () => {
    const b = blocks("out = aggregate(select(indices, indices + 1, ==), tokens);\n", { vocab: ["a", "b"], maxLen: 4 });
    const h = b.head("out");
    expect(h.layer).toBe(b.layerOf("out"));
    expect(reads(h.wv)).toEqual(["tokens:a", "tokens:b"]);
    expect([...new Set(h.wo.map(([, d]) => d))].sort()).toEqual(["out:a", "out:b"]);
    expect(b.labels.mlps).toEqual([]);
    expect(b.scratchDirs).toEqual([]);
  });

  it("selector_width is a head and an MLP in the same layer, joined by a scratch direction", () => {
    const b = blocks("out = selector_width(select(tokens, tokens, ==));\n", { vocab: ["a", "b"], maxLen: 5 });
    const h = b.head("out");
    const m = b.mlp("out");
    expect(h.layer).toBe(m.layer);
    expect(b.scratchDirs).toEqual(["out.attention_to_BOS"]);
    expect(h.wo.map(([, d]) => d)).toEqual(["out.attention_to_BOS"]);
    expect(reads(m.w1)).toEqual(["out.attention_to_BOS"]);
    // One ramp pair per width 1..maxLen, and the constant unit.
    expect(m.hidden).toBe(1 + 2 * 5);
  });

  it("picks a coldness of at least 40 that grows with the domain, or uses the one given", () => {
    const text = "out = aggregate(select(tokens, tokens, ==), indices);\n";
    const score = (b: ReturnType<typeof blocks>) => Math.max(...b.head("out").wq.map(([, , w]) => w));
    // The largest number in any value set is max(1, indices' maxLen - 1): 2 ln(2 · 1 · 1e8) < 40.
    expect(score(blocks(text, { vocab: ["a", "b"], maxLen: 2 }))).toBe(40);
    expect(score(blocks(text, { vocab: ["a", "b"], maxLen: 20 }))).toBeCloseTo(2 * Math.log(20 * 19 * 1e8), 9);
    // Values up to 1e6 at max length 6: 2 ln(6 · 1e6 · 1e8) ≈ 66.8.
    const big = blocks("out = numerical(aggregate(select(tokens, tokens, ==), numerical(tokens + 0), 0));\n", { vocab: [1, 1_000_000], maxLen: 6 });
    expect(score(big)).toBeCloseTo(2 * Math.log(6 * 1_000_000 * 1e8), 9);
    expect(score(blocks(text, { vocab: ["a", "b"], maxLen: 4, coldness: 7 }))).toBe(7);
  });

  it("refuses an MLP too large for a model file at its s-op, with the numbers", () => {
    // A product table over a mean (~320 values) and length: found by the fuzzer, which crashed the process.
    const text = "v1 = select(tokens,tokens,<);\nv2 = numerical(aggregate(v1, length, 0));\nv3 = v2 - length;\nout = v2 < v3;\n";
    let caught: unknown;
    try {
      blocks(text, { vocab: ["a", "b", "c", "d", "e"], maxLen: 10 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RaspError);
    const err = caught as RaspError;
    expect(err.message).toMatch(new RegExp(`^'out' needs an MLP of [\\d,]+ hidden units .* limit of ${MAX_MLP_WEIGHTS.toLocaleString("en-US")} weights per layer`));
    expect(err.diagnostic.range.startLine).toBe(4);
  });

  it("turns a discretisation that cannot be exact into a located error at the s-op", () => {
    const text = "y = numerical(tokens + 0);\nm = numerical(aggregate(select(indices, indices, <=), y, 0));\nout = m > 0.05;\n";
    let caught: unknown;
    try {
      blocks(text, { vocab: [0, 0.1], maxLen: 6 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RaspError);
    expect((caught as RaspError).message).toMatch(/0\.05 and 0\.05000000000000001 are too close to tell apart/);
    expect((caught as RaspError).diagnostic.range.startLine).toBe(3);
  });
});
