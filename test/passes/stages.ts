// The passes before block selection, run on a program's text in the order the driver (compiler/
// passes/compile.ts) runs them, so that craftBlocks and assemble can be tested on their real inputs.
// The None checks are left out: they only refuse, and these tests compile programs they accept.
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { allocateLayers } from "../../compiler/passes/allocateLayers.js";
import { insertConversions } from "../../compiler/passes/insertConversions.js";
import { primitivesOf, raspToGraph } from "../../compiler/passes/raspToGraph.js";
import { inferValueSets } from "../../compiler/passes/valueSets.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";

export function placedGraph(text: string, opts: { vocab: readonly Atom[]; maxLen: number }) {
  const sop = outputSOp(loadProgram("inline.rasp", () => text));
  const primitives = primitivesOf(sop);
  const first = raspToGraph(sop, primitives);
  const firstInfos = inferValueSets(first, opts);
  const graph = raspToGraph(insertConversions(first, firstInfos), primitives, firstInfos);
  const infos = inferValueSets(graph, opts, firstInfos);
  const allocation = allocateLayers(graph.nodes);
  /** The graph's node named `name` (the program's variable name). */
  const node = (name: string): SOp => {
    const n = graph.nodes.find((m) => graph.names.get(m.id) === name);
    if (!n) throw new Error(`no node named ${name}`);
    return n as SOp;
  };
  return { graph, infos, allocation, node };
}
