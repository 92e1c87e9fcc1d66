// The encoding-conversion pass (compiler/passes/insertConversions.ts): where a block needs the other
// encoding of an input, an identity map converts it; where encodings already agree, the graph is
// left as it was.
import { describe, expect, it } from "vitest";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { insertConversions } from "../../compiler/passes/insertConversions.js";
import { primitivesOf, raspToGraph } from "../../compiler/passes/raspToGraph.js";
import { inferValueSets } from "../../compiler/passes/valueSets.js";
import { topologicalOrder } from "../../compiler/rasp/ops.js";

function convert(text: string) {
  const sop = outputSOp(loadProgram("inline.rasp", () => text));
  const primitives = primitivesOf(sop);
  const graph = raspToGraph(sop, primitives);
  const infos = inferValueSets(graph, { vocab: [1, 2, 3], maxLen: 4 });
  const out = insertConversions(graph, infos);
  return { graph, out, labels: topologicalOrder(out).map((n) => ("label" in n ? String(n.label) : "")) };
}

describe("insertConversions", () => {
  it("converts a numerical s-op that a select reads to categorical", () => {
    const { labels } = convert("x = numerical(aggregate(select(indices, indices, ==), tokens, 0));\nout = aggregate(select(x, x, ==), tokens);\n");
    expect(labels.some((l) => / as categorical$/.test(l))).toBe(true);
  });

  it("converts a categorical value that a numerical aggregate averages to numerical", () => {
    const { labels } = convert("out = numerical(aggregate(select(indices, indices, <=), tokens, 0));\n");
    expect(labels.some((l) => / as numerical$/.test(l))).toBe(true);
  });

  it("leaves a graph whose encodings agree unchanged", () => {
    const { graph, out, labels } = convert("out = aggregate(select(tokens, tokens, ==), indices);\n");
    expect(labels.some((l) => / as (categorical|numerical)$/.test(l))).toBe(false);
    expect(out).toBe(graph.output);
  });
});
