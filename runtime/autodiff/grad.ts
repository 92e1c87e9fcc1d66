// Reverse-mode differentiation over the tape of graph.ts: walks the nodes that lie between the
// tensors asked about and the loss in reverse creation order, applies each op's rule (vjp.ts) and
// sums the contributions a tensor receives from its several uses. The backward nodes are appended
// to the same graph, so one ONNX model holds forward, backward and whatever follows (clip, update).
import { ShapeError, type Graph, type Tensor } from "./graph.js";
import { NON_DIFFERENTIABLE, ruleFor, splitRule } from "./vjp.js";

/** ∂loss/∂t for every t in `wrt` (zeros for a tensor the loss does not depend on). */
export function grad(g: Graph, loss: Tensor, wrt: readonly Tensor[]): Tensor[] {
  if (loss.shape.length !== 0 || loss.dtype !== g.float) throw new ShapeError(`grad: the loss must be a ${g.float} scalar, got ${loss.dtype} [${loss.shape.join(",")}]`);
  const nodes = g.nodes.slice();

  // Tensors that depend on some wrt tensor (forward sweep) ...
  const fromWrt = new Set(wrt.map((t) => t.id));
  for (const n of nodes) {
    if (NON_DIFFERENTIABLE.has(n.op)) continue;
    if (n.inputs.some((t) => fromWrt.has(t.id))) for (const o of n.outputs) fromWrt.add(o.id);
  }
  // ... and tensors the loss depends on (backward sweep): a node matters when both hold.
  const toLoss = new Set([loss.id]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.outputs.some((o) => toLoss.has(o.id))) for (const t of n.inputs) toLoss.add(t.id);
  }

  const parts = new Map<number, Tensor[]>();
  const add = (t: Tensor, d: Tensor) => {
    const list = parts.get(t.id);
    if (list) list.push(d);
    else parts.set(t.id, [d]);
  };
  /** The summed gradient of t (summing once, when it is first read). */
  const total = (t: Tensor): Tensor | null => {
    const list = parts.get(t.id);
    if (!list) return null;
    if (list.length > 1) parts.set(t.id, [g.sum(list)]);
    return parts.get(t.id)![0]!;
  };
  add(loss, g.scalar(1));

  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => toLoss.has(o.id) && fromWrt.has(o.id))) continue;
    const dys = n.outputs.map(total);
    if (dys.every((d) => d === null)) continue;
    let dxs: (Tensor | null)[];
    if (n.op === "Split") dxs = [splitRule(g, n, dys), null];
    else {
      const rule = ruleFor(n.op);
      if (!rule) throw new ShapeError(`grad: no gradient rule for ${n.op}, which lies between the parameters and the loss`);
      dxs = rule(g, n, dys[0]!);
    }
    n.inputs.forEach((t, j) => {
      const d = dxs[j];
      if (d && fromWrt.has(t.id) && t.dtype === g.float) add(t, d);
    });
  }
  return wrt.map((t) => total(t) ?? g.filled(t.shape, 0));
}
