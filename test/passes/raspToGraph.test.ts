// The first pass (compiler/passes/raspToGraph.ts) on its own: `length` is lowered to the width of an
// always-true select, chains of elementwise maps are fused into one map that computes the
// composition (affine chains stay affine; a numerical s-op is never fused away), selects over
// several key/query pairs read one shared tuple s-op, every node gets a unique readable name, and
// what needs no rewriting keeps its identity.
import { describe, expect, it } from "vitest";
import { primitivesOf, raspToGraph, type Graph } from "../../compiler/passes/raspToGraph.js";
import { GraphEvaluator } from "../../compiler/rasp/evaluate.js";
import { topologicalOrder, type Encoding, type RaspNode, type SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { inline, namedSOps } from "../helpers/programs.js";

/** The program's s-ops by name, the graph of `root`, and `again` to rebuild it with inferred encodings. */
function graphOf(text: string, root = "out") {
  const named = namedSOps(inline(text));
  const sop = named(root);
  const primitives = primitivesOf(sop);
  return { sop, named, graph: raspToGraph(sop, primitives), again: (encodings: ReadonlyMap<number, { readonly encoding: Encoding }>) => raspToGraph(sop, primitives, encodings) };
}

const kinds = (g: Graph): string[] => g.nodes.map((n) => n.kind);
const nameOf = (g: Graph, n: RaspNode): string => g.names.get(n.id)!;

/** The graph's output computes what the program's does, on each input. */
function expectSameValues(before: SOp, after: SOp, inputs: Atom[][]): void {
  const a = new GraphEvaluator(before);
  const b = new GraphEvaluator(after);
  for (const x of inputs) expect(b.run(x).get(after.id), JSON.stringify(x)).toEqual(a.run(x).get(before.id));
}

describe("raspToGraph", () => {
  it("lowers length to the width of a select that is true everywhere, reading tokens", () => {
    const { sop, graph } = graphOf("out = length + 0;\n");
    expect(kinds(graph)).not.toContain("length");
    const width = graph.nodes.find((n) => n.kind === "selectorWidth")!;
    expect(width).toBeDefined();
    expect(nameOf(graph, width)).toBe("length");
    const select = graph.nodes.find((n) => n.kind === "select")!;
    expect(select).toMatchObject({ kind: "select", comparison: "true" });
    expect(select.kind === "select" && select.keys).toBe(graph.tokens);
    expectSameValues(sop, graph.output, [["a"], ["a", "b", "c"], ["x", "y"]]);
  });

  it("fuses a chain of maps into one map of the first input, computing the composition", () => {
    const { sop, graph } = graphOf("a = tokens + 1;\nb = a * 3;\nout = b - 2;\n");
    expect(graph.nodes.filter((n) => n.kind === "map")).toHaveLength(1);
    const out = graph.output;
    expect(out.kind === "map" && out.input).toBe(graph.tokens);
    expectSameValues(sop, out, [[1, 2, 3], [0], [5, -1]]);
  });

  it("keeps an affine chain affine: the fused map carries the composed coefficients", () => {
    const { graph } = graphOf("a = tokens + 1;\nb = a * 3;\nout = b - 2;\n");
    const out = graph.output;
    // (x + 1)·3 - 2 = 3x + 1
    expect(out.kind === "map" && out.linear).toEqual({ coefficients: [3], bias: 1 });
  });

  it("never fuses a numerical s-op into the map that reads it, annotated or inferred", () => {
    const text = "m = numerical(aggregate(select(indices, indices, <=), tokens, 0));\na = m + 1;\nout = a * 2;\n";
    const maps = (g: Graph) => g.nodes.filter((n) => n.kind === "map").map((n) => nameOf(g, n));
    // Nothing says `a` is numerical: out = (m + 1)·2 is one map of m.
    const plain = graphOf(text);
    expect(maps(plain.graph)).toEqual(["out"]);
    // An earlier inference that chose numerical for `a` keeps it a map of its own.
    expect(maps(plain.again(new Map([[plain.named("a").id, { encoding: "numerical" }]])))).toEqual(["a", "out"]);
    // So does an annotation.
    expect(maps(graphOf(text.replace("a = m + 1", "a = numerical(m + 1)")).graph)).toEqual(["a", "out"]);
  });

  it("keeps an inner map that something else reads, beside the fused one", () => {
    const { sop, graph } = graphOf("a = tokens + 1;\nb = a * 2;\nout = b + a;\n");
    const names = graph.nodes.filter((n) => n.kind === "map").map((n) => nameOf(graph, n));
    expect(names).toContain("a");
    expectSameValues(sop, graph.output, [[1, 2, 3], [4]]);
  });

  it("fuses a map after a sequence map into the sequence map", () => {
    const { sop, graph } = graphOf("s = tokens + indices;\nout = s * 2;\n");
    expect(kinds(graph).filter((k) => k === "map" || k === "sequenceMap")).toEqual(["sequenceMap"]);
    expectSameValues(sop, graph.output, [[1, 2, 3], [7, 0]]);
  });

  it("makes one tuple s-op per list of key (or query) s-ops, shared by every select that reads it", () => {
    const text = [
      "w1 = selector_width(select(tokens, tokens, ==) or select(indices, indices, <));",
      "w2 = selector_width(select(tokens, tokens, !=) or select(indices, indices, >));",
      "out = w1 + w2;",
    ].join("\n") + "\n";
    const { sop, graph } = graphOf(text);
    const tuples = graph.nodes.filter((n) => graph.tuples.has(n.id));
    expect(tuples.map((t) => nameOf(graph, t))).toEqual(["(tokens, indices)"]);
    // Every select left reads the tuple on both sides: one head per selector_width.
    const selects = graph.nodes.filter((n) => n.kind === "select");
    expect(selects).toHaveLength(2);
    for (const s of selects) if (s.kind === "select") expect([s.keys, s.queries]).toEqual([tuples[0], tuples[0]]);
    expect(graph.tuples.get(tuples[0]!.id)).not.toBeNull(); // the selector's source range, for errors
    expectSameValues(sop, graph.output, [["a", "b", "a"], ["c"], ["b", "b", "a", "c"]]);
  });

  it("names every node uniquely, after its label, the output after the program's name for it", () => {
    const { graph } = graphOf("x = aggregate(select(indices, indices, ==), tokens);\ny = aggregate(select(indices, indices, ==), x);\nout = y == 3;\n");
    const names = [...graph.names.values()];
    expect(new Set(names).size).toBe(names.length);
    expect(nameOf(graph, graph.output)).toBe("out");
    expect(names).toEqual(expect.arrayContaining(["tokens", "indices", "x", "y", "out"]));
    // A constant is named by its value; a second node of the same name gets `#2`.
    const c = graphOf("a = select(indices, 0, ==);\nb = select(indices, 0, ==);\nout = aggregate(a, tokens) == aggregate(b, tokens);\n").graph;
    const shown = [...c.names.values()];
    expect(shown).toContain("const(0)");
    expect(shown.some((n) => /#2$/.test(n))).toBe(true);
  });

  it("lists every node after the nodes it reads, and leaves a graph with nothing to rewrite as it was", () => {
    const { sop, graph } = graphOf("out = aggregate(select(indices, indices, ==), tokens);\n");
    const position = new Map(graph.nodes.map((n, i) => [n.id, i]));
    for (const n of graph.nodes) for (const c of topologicalOrder(n).slice(0, -1)) expect(position.get(c.id)!).toBeLessThan(position.get(n.id)!);
    expect(graph.output).toBe(sop);
  });
});
