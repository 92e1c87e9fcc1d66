// The compiler driver: a RASP s-op in, a compiled model out, one pass after another (Tracr's
// compiler/compiling.py is the model). Each pass is a file of this folder:
//   raspToGraph        the s-op's graph, with names and primitives
//   valueSets          each s-op's encoding and set of values
//   checkNone          refuse None where a head or a numerical direction cannot hold it
//   insertConversions  identity maps where a block needs the other encoding; graph rebuilt, sets re-inferred
//   allocateLayers     each block's layer
//   craftBlocks        each s-op's craft construction (compiler/craft/)
//   assemble           residual layout and weight matrices: the model file
// The options are checked at the boundary (../options.ts); ../compileFile.ts starts from a file.
import type { SOp } from "../rasp/ops.js";
import type { CompiledModel } from "../model/types.js";
import { checkCompileOptions, type CompileOptions } from "../options.js";
import { primitivesOf, raspToGraph } from "./raspToGraph.js";
import { inferValueSets } from "./valueSets.js";
import { refuseNoneInTupleSelects, refuseNumericalNone } from "./checkNone.js";
import { insertConversions } from "./insertConversions.js";
import { allocateLayers } from "./allocateLayers.js";
import { craftBlocks } from "./craftBlocks.js";
import { assemble } from "./assemble.js";
import { checkSizeBudget, DEFAULT_MAX_PARAMS, residualWidth } from "./sizeBudget.js";

export type { CompileOptions };

export function compileSOp(sop: SOp, opts: CompileOptions, source: { file: string; text: string; sop: string }): CompiledModel {
  const bos = checkCompileOptions(opts);
  const primitives = primitivesOf(sop);
  const first = raspToGraph(sop, primitives);
  const firstInfos = inferValueSets(first, opts);
  refuseNoneInTupleSelects(first, firstInfos);
  const graph = raspToGraph(insertConversions(first, firstInfos), primitives, firstInfos);
  const infos = inferValueSets(graph, opts, firstInfos);
  refuseNumericalNone(graph, infos);
  const allocation = allocateLayers(graph.nodes);
  const { heads, mlps, scratchDirs } = craftBlocks(graph, infos, allocation, opts);
  // The size budget, before assembly allocates any weight matrix (sizeBudget.ts).
  const output = infos.get(graph.output.id)!;
  checkSizeBudget(
    {
      dModel: residualWidth(infos, scratchDirs.length), layers: allocation.layers, vocab: opts.vocab.length, maxLen: opts.maxLen, heads, mlps,
      outputs: output.encoding === "numerical" ? 1 : output.values.filter((v) => v !== null).length,
    },
    opts.maxParams ?? DEFAULT_MAX_PARAMS,
  );
  return assemble({
    nodes: graph.nodes, names: graph.names, infos, allocation, heads, mlps, scratchDirs,
    output: graph.output, vocab: opts.vocab, maxLen: opts.maxLen, bos, source, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
}
