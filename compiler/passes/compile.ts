// The compiler driver: a RASP s-op in, a compiled model out, one pass after another (Tracr's
// compiler/compiling.py is the model). Each pass is a file of this folder:
//   raspToGraph        the s-op's graph, with names and primitives
//   valueSets          each s-op's encoding and set of values
//   checkNone          refuse None where a head or a numerical direction cannot hold it
//   insertConversions  identity maps where a block needs the other encoding; graph rebuilt, sets re-inferred
//   allocateLayers     each block's layer
//   craftBlocks        each s-op's craft construction (compiler/craft/)
//   assemble           residual layout and weight matrices: the model file
import { UsageError } from "../language/diagnostics.js";
import { make, topologicalOrder, type SOp } from "../rasp/ops.js";
import { atomEquals, formatAtom, type Atom } from "../rasp/values.js";
import type { CompiledModel } from "../model/types.js";
import { raspToGraph } from "./raspToGraph.js";
import { inferValueSets } from "./valueSets.js";
import { refuseNoneInTupleSelects, refuseNumericalNone } from "./checkNone.js";
import { insertConversions } from "./insertConversions.js";
import { allocateLayers } from "./allocateLayers.js";
import { craftBlocks } from "./craftBlocks.js";
import { assemble } from "./assemble.js";

export interface CompileOptions {
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  /** The BOS token's name (default "BOS"); it must not be in the vocabulary. */
  readonly bos?: string;
  /** Width of a discretising MLP's ramps as a fraction of the gap between neighbouring values (default 0.25). */
  readonly mlpBand?: number;
  /**
   * Attention coldness: a selected key scores this much above an unselected one (default: from the
   * domain, at least 40; see coldnessFor in craftBlocks.ts). A lower value trades exactness margin for trainability:
   * every score, and every perturbation of the query/key weights, is multiplied by it.
   */
  readonly coldness?: number;
}

function validateOptions(opts: CompileOptions): string {
  const bos = opts.bos ?? "BOS";
  if (!Number.isInteger(opts.maxLen) || opts.maxLen < 1) throw new UsageError(`--max-len must be a positive integer, got ${opts.maxLen}`);
  if (opts.maxLen > 512) throw new UsageError(`--max-len ${opts.maxLen} is larger than the supported 512`);
  if (opts.vocab.length === 0) throw new UsageError("--vocab must list at least one token");
  for (let i = 0; i < opts.vocab.length; i++) {
    for (let j = 0; j < i; j++) if (atomEquals(opts.vocab[i]!, opts.vocab[j]!)) throw new UsageError(`--vocab lists ${formatAtom(opts.vocab[i]!)} twice`);
    if (opts.vocab[i] === bos) throw new UsageError(`--vocab contains the BOS token "${bos}"; pick another --bos`);
  }
  if (opts.mlpBand !== undefined && !(opts.mlpBand > 0 && opts.mlpBand <= 0.5)) throw new UsageError(`the MLP band must be in (0, 0.5], got ${opts.mlpBand}`);
  if (opts.coldness !== undefined && !(Number.isFinite(opts.coldness) && opts.coldness > 0)) throw new UsageError(`--coldness must be a positive number, got ${opts.coldness}`);
  return bos;
}

export function compileSOp(sop: SOp, opts: CompileOptions, source: { file: string; text: string; sop: string }): CompiledModel {
  const bos = validateOptions(opts);
  const primitives = findPrimitives(sop);
  const first = raspToGraph(sop, primitives);
  const firstInfos = inferValueSets(first, opts);
  refuseNoneInTupleSelects(first, firstInfos);
  const graph = raspToGraph(insertConversions(first, firstInfos), primitives, firstInfos);
  const infos = inferValueSets(graph, opts, firstInfos);
  refuseNumericalNone(graph, infos);
  const allocation = allocateLayers(graph.nodes);
  const { heads, mlps, scratchDirs } = craftBlocks(graph, infos, allocation, opts);
  return assemble({
    nodes: graph.nodes, names: graph.names, infos, allocation, heads, mlps, scratchDirs,
    output: graph.output, vocab: opts.vocab, maxLen: opts.maxLen, bos, source,
  });
}

/** The program's own tokens and indices nodes (fresh ones if the output never reads them). */
function findPrimitives(sop: SOp): { tokens: SOp; indices: SOp } {
  const nodes = topologicalOrder(sop);
  const tokens = nodes.find((n): n is SOp => n.kind === "tokens") ?? make.tokens();
  const indices = nodes.find((n): n is SOp => n.kind === "indices") ?? make.indices();
  return { tokens, indices };
}
