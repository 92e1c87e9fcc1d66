// How big a program's model would be, from the compiler's own value-set pass, before compiling it.
// A lookup-table MLP has one hidden unit per combination of its inputs' values and the compiler
// builds dense matrices, so a sequence map of two s-ops with a thousand values each makes a model of
// gigabytes. Generated programs stay far below that, but a shrinking candidate (an operand swapped
// for another) need not, and one such candidate would end the whole run out of memory.
import { primitivesOf, raspToGraph } from "../../compiler/passes/raspToGraph.js";
import { inferValueSets } from "../../compiler/passes/valueSets.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";

/** Lookup tables larger than this are not compiled by the fuzzer (generated ones stay below 1,000). */
export const MAX_FUZZ_TABLE = 50_000;

/** The largest lookup table the program's maps would need: the product of each map's inputs' value-set sizes. */
export function largestTable(sop: SOp, settings: { vocab: readonly Atom[]; maxLen: number }): number {
  const graph = raspToGraph(sop, primitivesOf(sop));
  const infos = inferValueSets(graph, settings);
  let largest = 0;
  for (const n of graph.nodes) {
    if (n.kind !== "map" && n.kind !== "sequenceMap") continue;
    const inputs = n.kind === "map" ? [n.input] : n.inputs;
    largest = Math.max(largest, inputs.reduce((p, i) => p * (infos.get(i.id)?.values.length ?? 1), 1));
  }
  return largest;
}
