// Layer allocation against Tracr's: every program in rasp-programs/ compiles to no more layers than
// Tracr's longest-path allocation gives it, and some to fewer. The Tracr count itself is checked
// on Tracr's own allocation tests and on small programs counted by hand.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allocateModulesToLayers, assembledLayerCount, tracrLayerCount, type TracrBlock, type TracrNode } from "../../compiler/yardsticks/tracrLayers.js";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { compileProgram, library, PROGRAMS } from "../helpers/programs.js";

const suggested = JSON.parse(fs.readFileSync(path.join(PROGRAMS, "suggested.json"), "utf8")) as Record<string, { vocab: Atom[]; maxLen: number }>;
const files = fs.readdirSync(PROGRAMS).filter((f) => f.endsWith(".rasp")).sort();

function inline(source: string): SOp {
  return outputSOp(loadProgram("inline.rasp", () => source));
}

describe("rasp-programs/suggested.json", () => {
  it("has the compile settings of every program, and only of programs that exist", () => {
    expect(Object.keys(suggested).sort()).toEqual(files);
  });

  // The README's table is what people read; suggested.json is what code reads.
  it("agrees with the README's Max len column and its {...} vocabularies", () => {
    const readme = fs.readFileSync(path.join(PROGRAMS, "README.md"), "utf8");
    for (const [file, { vocab, maxLen }] of Object.entries(suggested)) {
      const row = readme.split("\n").find((l) => l.startsWith(`| \`${file}\` |`));
      expect(row, file).toBeDefined();
      const cells = row!.split(" | ");
      expect(cells.at(-1)!.trim().startsWith(String(maxLen)), `${file}: max len`).toBe(true);
      const braces = /^`\{(.*)\}`$/.exec(cells.at(-2)!.trim());
      if (braces) expect(braces[1]!.split(","), `${file}: vocab`).toEqual(vocab.map(String));
    }
  });
});

describe("layers: ours against Tracr's longest-path allocation", () => {
  const counts = files.map((file) => {
    const { vocab, maxLen } = suggested[file]!;
    const { model, sop } = compileProgram(library(file), { vocab, maxLen });
    return { file, ours: model.layers.length, tracr: tracrLayerCount(sop) };
  });

  it.each(counts)("$file: $ours layers, Tracr $tracr", ({ ours, tracr }) => {
    expect(ours).toBeLessThanOrEqual(tracr);
  });

  it("is strictly fewer on at least one program", () => {
    expect(counts.filter((c) => c.ours < c.tracr).map((c) => c.file)).not.toEqual([]);
  });

  // These files build the same graph as Tracr's lib.py (no op added for our syntax), so a
  // difference there is the allocation's, not the program's.
  it("is strictly fewer on a program written exactly as lib.py writes it", () => {
    const asLibPy = ["frac_prevs.rasp", "pair_balance.rasp", "reverse.rasp", "shuffle_dyck.rasp", "shuffle_dyck2.rasp"];
    expect(counts.filter((c) => asLibPy.includes(c.file) && c.ours < c.tracr).map((c) => c.file)).not.toEqual([]);
  });
});

describe("allocateModulesToLayers: Tracr's craft_graph_to_model_test", () => {
  type Kind = "INPUT" | "OUTPUT" | "ATTN" | "MLP";
  const blocks: Record<Kind, TracrBlock | null> = { INPUT: null, OUTPUT: null, ATTN: "attention", MLP: "mlp" };
  /** Every node an s-op, as in Tracr's test (ConstantSOp everywhere); `order` lists inputs first. */
  function graph(types: Kind[], edges: [number, number][], order: number[]): TracrNode[] {
    return order.map((id) => ({ id, sop: true, block: blocks[types[id]!], inputs: edges.filter(([, to]) => to === id).map(([from]) => from) }));
  }

  it("allocates the branching graph as Tracr's test expects", () => {
    const types: Kind[] = ["INPUT", "ATTN", "MLP", "ATTN", "MLP", "OUTPUT", "INPUT", "MLP", "MLP", "ATTN", "ATTN"];
    const edges: [number, number][] = [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5], [6, 7], [7, 2], [7, 8], [8, 3], [8, 10], [9, 4], [10, 9]];
    const nodes = graph(types, edges, [0, 6, 1, 7, 2, 8, 3, 10, 9, 4, 5]);
    const allocation = allocateModulesToLayers(nodes);
    const expected = [-1, 0, 3, 4, 7, -1, -1, 1, 3, 6, 4];
    expect(expected.map((_, id) => allocation.get(id) ?? -1)).toEqual(expected);
    // Sublayers 0, 1, 3, 4, 6, 7: four layers.
    expect(assembledLayerCount(nodes, allocation)).toBe(4);
  });

  it("allocates an alternating chain one sublayer each", () => {
    const types: Kind[] = ["INPUT", "ATTN", "MLP", "ATTN", "MLP", "OUTPUT"];
    const nodes = graph(types, [[0, 1], [1, 2], [2, 3], [3, 4], [4, 5]], [0, 1, 2, 3, 4, 5]);
    const allocation = allocateModulesToLayers(nodes);
    const expected = [-1, 0, 1, 2, 3, -1];
    expect(expected.map((_, id) => allocation.get(id) ?? -1)).toEqual(expected);
    expect(assembledLayerCount(nodes, allocation)).toBe(2);
  });

  it("squeezes empty sublayers out as Tracr's assemble does", () => {
    const nodes: TracrNode[] = [
      { id: 0, sop: true, block: null, inputs: [] },
      { id: 1, sop: true, block: "mlp", inputs: [0] },
      { id: 2, sop: true, block: "mlp", inputs: [1] },
    ];
    // Sublayers 1 and 3: the first layer's attention and the second's stay empty.
    expect([...allocateModulesToLayers(nodes).values()]).toEqual([1, 3]);
    expect(assembledLayerCount(nodes, new Map([[1, 3], [2, 5]]))).toBe(2);
  });
});

describe("tracrLayerCount on small programs, counted by hand", () => {
  it.each([
    // One Map: layer 0's MLP.
    ["map of tokens", `out = tokens == "a";`, 1],
    // make_length: a selector width is an attention head and an MLP in one layer.
    ["length", `out = length;`, 1],
    // Selector width (depth 1), then a SequenceMap (depth 2) in the next layer's MLP.
    ["length - indices", `out = length - indices;`, 2],
    // Map of a Map is one Map in Tracr (rasp.Map's simplify): one MLP, then the aggregate.
    ["fused maps", `out = numerical(aggregate(select(indices, indices, <=), numerical(indicator(tokens == "l")), 0));`, 2],
    // A Map of a SequenceMap is not fused: two MLPs, two layers.
    ["map of a sequence map", `out = (tokens + indices) + 1;`, 2],
    // Attention at depth 1 and only an MLP at depth 2: condensed into one layer.
    ["attention then MLP", `out = aggregate(select(indices, indices, ==), tokens) == "a";`, 1],
    // Depth 1 mixes attention and an MLP, so nothing is condensed: depths 1, 2, 3 are layers 1, 2, 3.
    ["mixed depth blocks condensing", `a = aggregate(select(indices, indices, ==), tokens); b = tokens == "a"; out = (a == "b") and b;`, 3],
    // Three inputs: make_nary_sequencemap's two SequenceMaps and a Map, after the condition's Map.
    ["three-input sequence map", `out = tokens if indices == 0 else indices;`, 4],
    // A constant costs nothing: one selector width.
    ["constant query", `out = selector_width(select(tokens, "a", ==));`, 1],
  ])("%s", (_name, source, layers) => {
    expect(tracrLayerCount(inline(source))).toBe(layers);
  });

  it("counts make_reverse as Tracr's lib.py writes it: four layers", () => {
    const reverse = `opp = length - indices; opp1 = opp - 1; out = aggregate(select(indices, opp1, ==), tokens);`;
    expect(tracrLayerCount(inline(reverse))).toBe(4);
  });
});
