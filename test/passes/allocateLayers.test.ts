// Layer allocation (compiler/passes/allocateLayers.ts) on its own: elementwise s-ops of tokens alone
// or of indices alone fold into the embeddings, every other block goes into the earliest sublayer of
// its kind after all its inputs are written (attention, then MLP, per layer), selector_width takes a
// layer's attention and MLP, and the layer count is the last layer used.
import { describe, expect, it } from "vitest";
import { allocateLayers, blockInputs, type Placement } from "../../compiler/passes/allocateLayers.js";
import { isSOp, topologicalOrder } from "../../compiler/rasp/ops.js";
import { inline, namedSOps } from "../helpers/programs.js";

/** Every s-op of a program (text) by name, and the allocation of the graph of `root`'s s-op. */
function allocate(text: string, root = "out") {
  const named = namedSOps(inline(text));
  const nodes = topologicalOrder(named(root));
  const { placements, layers } = allocateLayers(nodes);
  return { placements, layers, nodes, at: (name: string): Placement => placements.get(named(name).id)! };
}

/** Sublayer index as the pass orders them: embedding -1, layer L's attention 2L, its MLP 2L + 1. */
function sublayer(p: Placement): number {
  switch (p.kind) {
    case "tokenEmbedding":
    case "positionEmbedding":
      return -1;
    case "attention":
      return 2 * p.layer;
    default:
      return 2 * p.layer + 1;
  }
}

describe("allocateLayers", () => {
  it("folds elementwise s-ops of tokens alone, or of indices alone, into the embeddings", () => {
    const a = allocate("t2 = tokens + 1;\nout = t2 * t2;\n");
    expect(a.at("t2")).toEqual({ kind: "tokenEmbedding" });
    expect(a.at("out")).toEqual({ kind: "tokenEmbedding" });
    const b = allocate("i2 = indices * 2;\nout = i2 + 1;\n");
    expect(b.at("out")).toEqual({ kind: "positionEmbedding" });
    expect(b.layers).toBe(0);
  });

  it("puts a function of tokens and indices together in layer 0's MLP", () => {
    const a = allocate("out = tokens + indices;\n");
    expect(a.at("out")).toEqual({ kind: "mlp", layer: 0 });
    expect(a.layers).toBe(1);
  });

  it("places each block in the earliest sublayer of its kind after its inputs", () => {
    const a = allocate(
      [
        "prev = numerical(aggregate(select(indices + 1, indices, ==), tokens, 0));",
        "m = numerical(prev * 2);",
        "again = numerical(aggregate(select(indices + 1, indices, ==), m, 0));",
        "out = numerical(again + 1);",
      ].join("\n") + "\n",
    );
    expect(a.at("prev")).toEqual({ kind: "attention", layer: 0 });
    expect(a.at("m")).toEqual({ kind: "mlp", layer: 0 });
    expect(a.at("again")).toEqual({ kind: "attention", layer: 1 });
    expect(a.at("out")).toEqual({ kind: "mlp", layer: 1 });
    expect(a.layers).toBe(2);
  });

  it("gives selector_width a layer's attention and MLP; what reads it waits for the next layer's MLP", () => {
    const a = allocate("w = selector_width(select(tokens, tokens, ==));\nout = w + 1;\n");
    expect(a.at("w")).toEqual({ kind: "attention+mlp", layer: 0 });
    expect(a.at("out")).toEqual({ kind: "mlp", layer: 1 });
    expect(a.layers).toBe(2);
  });

  it("on the paper's sort program, every block is written after everything it reads", () => {
    const a = allocate(
      [
        "smaller = select(tokens, tokens, <);",
        "target_pos = selector_width(smaller);",
        "sel_new = select(target_pos, indices, ==);",
        "out = aggregate(sel_new, tokens);",
      ].join("\n") + "\n",
    );
    for (const n of a.nodes) {
      if (!isSOp(n)) continue;
      const p = a.placements.get(n.id)!;
      for (const input of blockInputs(n)) expect(sublayer(a.placements.get(input.id)!), `${n.label ?? n.kind} reads ${input.label ?? input.kind}`).toBeLessThan(sublayer(p));
    }
    expect(a.at("out")).toEqual({ kind: "attention", layer: 1 });
    expect(a.layers).toBe(2);
  });
});
