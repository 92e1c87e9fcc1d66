// How many layers Tracr (google-deepmind/tracr) gives the same program: the yardstick for
// allocateLayers.ts, which promises never to use more and to use fewer on some programs. Tracr is
// not run here; its graph building and allocation are re-enacted on the interpreter's graph (not
// on the graph our compiler rewrites), step for step as its source does them.
//
// What is reproduced, file by file of Tracr's tracr/ package:
//
// - rasp/rasp.py, `Map.__init__(..., simplify=True)`: a Map of a Map is built as one Map of the
//   inner map's input (the functions composed), so `numerical(indicator(tokens == "l"))` is one
//   MLP, as Tracr's `numerical(tokens == "l")` is, and so is `numerical(Map(lambda x: x, b < 0))` in
//   make_shuffle_dyck. Only Map-of-Map is fused; a Map of a SequenceMap, or any other chain, stays
//   as written. The inner Map stays in the graph only if something else reads it.
// - compiler/lib.py, `make_length`: `length` is `SelectorWidth(Select(tokens, tokens, TRUE))`.
// - compiler/lib.py, `make_nary_sequencemap`: Tracr's SequenceMap takes two s-ops, so an
//   elementwise function of m >= 3 s-ops is m - 1 chained SequenceMaps, taking the inputs in
//   order, and a Map (m MLPs deep).
// - compiler/rasp_to_graph.py: the graph holds what the output reaches; its sources are the nodes
//   without children (tokens, indices, constants).
// - compiler/expr_to_craft_graph.py: every Map and SequenceMap is an MLP (categorical,
//   numerical or linear alike: no folding into the embeddings), an Aggregate is an attention head,
//   a SelectorWidth is an attention head followed by an MLP (a two-block residual series), and
//   tokens, indices and constants have no block. No encoding conversion is added: a Tracr program
//   writes its own identity Maps, and our programs write them where Tracr's lib.py does.
// - compiler/craft_graph_to_model.py, `compute_computational_depth` (earlier releases:
//   `_get_longest_path_length_to_node`, the same count) and `_allocate_modules_to_layers`: a
//   node's depth is the longest path from a source counted in s-ops (selectors add nothing); if a depth holds only attention heads and the next only MLPs,
//   the second is folded into the first (one pass, from the shallowest depth up); then a block at
//   depth d goes to sublayer 2(d-1) if it is attention or a selector width, 2(d-1)+1 if an MLP.
// - compiler/assemble.py, `_get_model_config_and_module_names`: the non-empty sublayers, in order,
//   each take the next model sublayer of their kind (attention, MLP, attention, ...), so empty
//   ones are squeezed out; the layer count is that of the last one, plus one.
//
// Where this differs from compiling lib.py with Tracr:
//
// - The count is of the program as our .rasp file writes it, which is not always the graph lib.py
//   builds. Where our syntax needs an extra elementwise op that lib.py folds into a lambda, that
//   op is counted as Tracr would count it written the same way: `select(indices + 1, indices, ==)`
//   makes shift_by 2 layers here, 1 for lib.py; `tokens + min_key * indices / max_seq_len` makes
//   sort 4 here, 3 for lib.py's one SequenceMap (in detect_pattern and sort_freq the extra op sits
//   beside an op of the same depth and changes nothing). The other way round, lib.py's
//   make_nary_sequencemap builds tuples where our nary_sequencemap.rasp needs none (3 layers for
//   lib.py, 2 here). A constant as a select's keys or queries (`select(tokens, "a", ==)`, where
//   lib.py bakes the constant into the predicate) costs nothing either way.
// - Selectors Tracr cannot compile (an `and`/`or` of selects over different s-ops, which Tracr
//   rejects) are counted as if it could: selectors add no depth.
// - A program without any block (`out = tokens`) is 0 layers here; Tracr fails on it.
import { topologicalOrder, type SOp } from "../rasp/ops.js";

/** What a model component of Tracr's graph is; Tracr's SeriesWithResiduals(attention, MLP) is "attention+mlp". */
export type TracrBlock = "attention" | "mlp" | "attention+mlp";

/** A node of Tracr's graph, as far as allocation looks at it. */
export interface TracrNode {
  readonly id: number;
  /** S-ops count toward a path's length; selectors do not. */
  readonly sop: boolean;
  readonly block: TracrBlock | null;
  /** The nodes it reads; a node without inputs is a source (depth 0). */
  readonly inputs: readonly number[];
}

/**
 * Tracr's `_allocate_modules_to_layers`: the sublayer of every block (0, 1, 2, ... are attention,
 * MLP, attention, ...; a selector width's attention half). `nodes` lists inputs before readers.
 */
export function allocateModulesToLayers(nodes: readonly TracrNode[]): Map<number, number> {
  const depth = new Map<number, number>();
  for (const n of nodes) {
    let d = 0;
    if (n.inputs.length > 0) {
      d = -Infinity;
      for (const i of n.inputs) {
        const di = depth.get(i);
        if (di === undefined) throw new Error(`node ${n.id} reads node ${i}, which is not listed before it`);
        d = Math.max(d, di);
      }
      if (n.sop) d += 1;
    }
    depth.set(n.id, d);
  }

  const levels = new Map<number, TracrNode[]>();
  const level = (d: number): TracrNode[] => {
    let l = levels.get(d);
    if (!l) levels.set(d, (l = []));
    return l;
  };
  const blockDepth = new Map<number, number>();
  for (const n of nodes) {
    if (!n.block) continue;
    blockDepth.set(n.id, depth.get(n.id)!);
    level(depth.get(n.id)!).push(n);
  }
  const allocation = new Map<number, number>();
  if (blockDepth.size === 0) return allocation;

  // Tracr's own heuristic, kept with its blind spots: a depth of attention heads followed by a
  // depth of MLPs share one layer; mixed depths are never merged.
  const allOf = (l: readonly TracrNode[], b: TracrBlock) => l.every((n) => n.block === b);
  const present = [...levels.keys()];
  const minDepth = Math.min(...present);
  let maxDepth = Math.max(...present);
  for (let d = minDepth; d < maxDepth; d++) {
    if (allOf(level(d), "attention") && allOf(level(d + 1), "mlp")) {
      for (let u = d + 1; u <= maxDepth; u++) {
        for (const n of level(u)) blockDepth.set(n.id, u - 1);
        level(u - 1).push(...level(u));
        levels.set(u, []);
      }
      maxDepth -= 1;
    }
  }

  for (const n of nodes) {
    const d = blockDepth.get(n.id);
    // Tracr starts counting at depth 1 and silently drops anything shallower.
    if (d === undefined || d < 1) continue;
    allocation.set(n.id, 2 * (d - 1) + (n.block === "mlp" ? 1 : 0));
  }
  return allocation;
}

/**
 * Tracr's layer count for an allocation: craft_graph_to_model keeps only non-empty sublayers, and
 * assemble gives each the next model sublayer of its kind.
 */
export function assembledLayerCount(nodes: readonly TracrNode[], allocation: ReadonlyMap<number, number>): number {
  const used = new Set<number>();
  for (const n of nodes) {
    const s = allocation.get(n.id);
    if (s === undefined) continue;
    used.add(s);
    if (n.block === "attention+mlp") used.add(s + 1);
  }
  let at = -1;
  for (const s of [...used].sort((a, b) => a - b)) {
    at += 1;
    if (at % 2 !== s % 2) at += 1;
  }
  return at < 0 ? 0 : Math.floor(at / 2) + 1;
}

/** The graph Tracr would build for the program whose output is `output` (see the module comment). */
export function tracrGraph(output: SOp): TracrNode[] {
  const built: TracrNode[] = [];
  let nextSynthetic = -1;
  const add = (n: Omit<TracrNode, "id">, id: number = nextSynthetic--): number => {
    built.push({ id, ...n });
    return id;
  };
  /** Our node id → the Tracr node that stands for it. */
  const standsFor = new Map<number, number>();
  /** Tracr Map nodes → the node they read, for fusing a Map that reads them. */
  const mapInput = new Map<number, number>();
  let length: number | null = null;

  const map = (input: number, id?: number): number => {
    const inner = mapInput.get(input) ?? input;
    const m = add({ sop: true, block: "mlp", inputs: [inner] }, id);
    mapInput.set(m, inner);
    return m;
  };

  for (const n of topologicalOrder(output)) {
    const get = (c: { id: number }) => standsFor.get(c.id)!;
    let t: number;
    switch (n.kind) {
      case "tokens":
      case "indices":
      case "constant":
        t = add({ sop: true, block: null, inputs: [] }, n.id);
        break;
      case "length":
        if (length === null) {
          const tokens = add({ sop: true, block: null, inputs: [] });
          const all = add({ sop: false, block: null, inputs: [tokens] });
          length = add({ sop: true, block: "attention+mlp", inputs: [all] });
        }
        t = length;
        break;
      case "map":
        t = map(get(n.input), n.id);
        break;
      case "sequenceMap": {
        const ins = n.inputs.map(get);
        if (ins.length === 1) {
          t = map(ins[0]!, n.id);
        } else if (ins.length === 2) {
          t = add({ sop: true, block: "mlp", inputs: ins }, n.id);
        } else {
          let tuple = add({ sop: true, block: "mlp", inputs: [ins[0]!, ins[1]!] });
          for (const i of ins.slice(2)) tuple = add({ sop: true, block: "mlp", inputs: [tuple, i] });
          t = map(tuple, n.id);
        }
        break;
      }
      case "aggregate":
        t = add({ sop: true, block: "attention", inputs: [get(n.selector), get(n.sop)] }, n.id);
        break;
      case "selectorWidth":
        t = add({ sop: true, block: "attention+mlp", inputs: [get(n.selector)] }, n.id);
        break;
      case "select":
        t = add({ sop: false, block: null, inputs: [get(n.keys), get(n.queries)] }, n.id);
        break;
      case "selectorAnd":
      case "selectorOr":
        t = add({ sop: false, block: null, inputs: [get(n.left), get(n.right)] }, n.id);
        break;
      case "selectorNot":
        t = add({ sop: false, block: null, inputs: [get(n.inner)] }, n.id);
        break;
    }
    standsFor.set(n.id, t);
  }

  // Like rasp_to_graph, keep only what the output reaches: a Map fused away no longer counts.
  const byId = new Map(built.map((b) => [b.id, b]));
  const reached = new Set<number>();
  const stack = [standsFor.get(output.id)!];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    stack.push(...byId.get(id)!.inputs);
  }
  return built.filter((b) => reached.has(b.id));
}

/** The number of layers Tracr allocates for the program whose output is `output`. */
export function tracrLayerCount(output: SOp): number {
  const graph = tracrGraph(output);
  return assembledLayerCount(graph, allocateModulesToLayers(graph));
}
