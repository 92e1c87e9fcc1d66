// Pass 3: how each s-op is computed and in which layer. Unlike Tracr, which allocates by longest
// path over the whole graph, every block goes as early as its inputs allow (each layer is an
// attention sublayer then an MLP sublayer), and elementwise functions of tokens alone or of indices
// alone cost no layer at all: they are folded into the embeddings.
import type { RaspNode, SOp } from "../rasp/ops.js";
import { selectorLiterals } from "./selectorLiterals.js";

export type Placement =
  | { readonly kind: "tokenEmbedding" }
  | { readonly kind: "positionEmbedding" }
  | { readonly kind: "mlp"; readonly layer: number }
  | { readonly kind: "attention"; readonly layer: number }
  | { readonly kind: "attention+mlp"; readonly layer: number };

/** Sublayer index: the embedding is -1, layer L's attention is 2L, its MLP 2L+1. */
function readyAt(p: Placement): number {
  switch (p.kind) {
    case "tokenEmbedding":
    case "positionEmbedding":
      return -1;
    case "attention":
      return 2 * p.layer;
    case "mlp":
    case "attention+mlp":
      return 2 * p.layer + 1;
  }
}

export interface Allocation {
  readonly placements: ReadonlyMap<number, Placement>;
  readonly layers: number;
}

/** The s-ops an s-op's block reads (for attention: the selector's keys and queries, and the value). */
export function blockInputs(n: SOp): SOp[] {
  switch (n.kind) {
    case "map":
      return [n.input];
    case "sequenceMap":
      return [...n.inputs];
    case "aggregate":
      return [...selectorLiterals(n.selector).flatMap((l) => [l.keys, l.queries]), n.sop];
    case "selectorWidth":
      return selectorLiterals(n.selector).flatMap((l) => [l.keys, l.queries]);
    default:
      return [];
  }
}

export function allocateLayers(nodes: readonly RaspNode[]): Allocation {
  const placements = new Map<number, Placement>();
  /** Which primitive inputs an elementwise s-op depends on, to decide whether it can be embedded. */
  const depends = new Map<number, { tokens: boolean; indices: boolean; computed: boolean }>();
  let last = -1;
  for (const node of nodes) {
    if (node.kind === "select" || node.kind === "selectorAnd" || node.kind === "selectorOr" || node.kind === "selectorNot") continue;
    const n = node as SOp;
    let placement: Placement;
    if (n.kind === "tokens" || n.kind === "constant") {
      depends.set(n.id, { tokens: n.kind === "tokens", indices: false, computed: false });
      placement = { kind: "tokenEmbedding" };
    } else if (n.kind === "indices") {
      depends.set(n.id, { tokens: false, indices: true, computed: false });
      placement = { kind: "positionEmbedding" };
    } else if (n.kind === "length") {
      throw new Error("length must be lowered before allocation");
    } else {
      const inputs = blockInputs(n);
      const dep = { tokens: false, indices: false, computed: n.kind === "aggregate" || n.kind === "selectorWidth" };
      for (const i of inputs) {
        const d = depends.get(i.id)!;
        dep.tokens ||= d.tokens;
        dep.indices ||= d.indices;
        dep.computed ||= d.computed;
      }
      depends.set(n.id, dep);
      const elementwise = n.kind === "map" || n.kind === "sequenceMap";
      if (elementwise && !dep.computed && !(dep.tokens && dep.indices)) {
        placement = dep.indices ? { kind: "positionEmbedding" } : { kind: "tokenEmbedding" };
      } else {
        const ready = Math.max(-1, ...inputs.map((i) => readyAt(placements.get(i.id)!)));
        if (elementwise) {
          // next MLP sublayer strictly after the inputs are written
          const layer = ready < 0 ? 0 : Math.floor(ready / 2) + (ready % 2 === 1 ? 1 : 0);
          placement = { kind: "mlp", layer };
        } else {
          const layer = Math.floor(ready / 2) + 1;
          placement = { kind: n.kind === "selectorWidth" ? "attention+mlp" : "attention", layer };
        }
        last = Math.max(last, readyAt(placement));
      }
    }
    placements.set(n.id, placement);
  }
  return { placements, layers: last < 0 ? 0 : Math.floor(last / 2) + 1 };
}
