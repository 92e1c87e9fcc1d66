// Pass: encoding conversions. Blocks need particular encodings of their inputs: selects and
// sequence maps read categorical s-ops, an aggregate reads its value in its own encoding. Where a
// program gives the other one, an identity map converts (an MLP, or nothing at all when it can be
// folded into the embedding). Runs between the first value-set inference and the second graph
// build (compile.ts).
import { make, type RaspNode, type SOp, type Selector, type SequenceMapOp } from "../rasp/ops.js";
import type { Graph } from "./raspToGraph.js";
import type { SOpInfo } from "./valueSets.js";

/**
 * Rebuilt nodes carry the encoding the first inference chose, as if annotated, so the second pass
 * (which fuses maps and infers again) cannot mistake an inferred-numerical s-op for a categorical one.
 *
 * Blocks need particular encodings of their inputs: selects and sequence maps read categorical
 * s-ops, an aggregate reads its value in its own encoding. Where a program gives the other one, an
 * identity map converts (an MLP, or nothing at all when it can be folded into the embedding).
 */
export function insertConversions(graph: Graph, infos: ReadonlyMap<number, SOpInfo>): SOp {
  const converted = new Map<string, SOp>();
  /** `orig` is the node as value-set inference saw it, `now` its rewritten form. */
  const as = (orig: SOp, now: SOp, enc: "categorical" | "numerical"): SOp => {
    if (infos.get(orig.id)!.encoding === enc) return now;
    const key = `${orig.id}:${enc}`;
    let c = converted.get(key);
    if (!c) {
      c = make.map((x) => x, now, `${graph.names.get(orig.id)} as ${enc}`, orig.range);
      c.encoding = enc;
      converted.set(key, c);
    }
    return c;
  };
  const done = new Map<number, RaspNode>();
  const get = <T extends RaspNode>(n: T): T => done.get(n.id) as T;
  for (const n of graph.nodes) {
    let out: RaspNode = n;
    switch (n.kind) {
      case "select": {
        const k = as(n.keys, get(n.keys), "categorical");
        const q = as(n.queries, get(n.queries), "categorical");
        if (k !== n.keys || q !== n.queries) out = make.reselect(n, k, q);
        break;
      }
      case "selectorAnd":
      case "selectorOr": {
        const l = get(n.left);
        const r = get(n.right);
        if (l !== n.left || r !== n.right) out = n.kind === "selectorAnd" ? make.and(l, r, n.label, n.range) : make.or(l, r, n.label, n.range);
        break;
      }
      case "selectorNot": {
        const i = get(n.inner);
        if (i !== n.inner) out = make.not(i, n.label, n.range);
        break;
      }
      case "map": {
        const i = get(n.input);
        if (i !== n.input) out = Object.assign(make.map(n.f, i, n.label, n.range, n.linear), { encoding: infos.get(n.id)!.encoding });
        break;
      }
      case "sequenceMap": {
        const enc = linearNumerical(n, infos) ? "numerical" : "categorical";
        const ins = n.inputs.map((i) => as(i, get(i), enc));
        if (ins.some((x, j) => x !== n.inputs[j])) out = Object.assign(make.sequenceMap(n.f, ins, n.label, n.range, n.linear), { encoding: infos.get(n.id)!.encoding });
        break;
      }
      case "aggregate": {
        const enc = infos.get(n.id)!.encoding;
        const sel = get(n.selector) as Selector;
        const sop = as(n.sop, get(n.sop), enc);
        if (sel !== n.selector || sop !== n.sop) out = Object.assign(make.aggregate(sel, sop, n.default, n.label, n.range), { encoding: enc });
        break;
      }
      case "selectorWidth": {
        const sel = get(n.selector) as Selector;
        if (sel !== n.selector) out = Object.assign(make.selectorWidth(sel, n.label, n.range), { encoding: infos.get(n.id)!.encoding });
        break;
      }
      default:
        break;
    }
    if (out !== n && (out.kind !== "select" && out.kind !== "selectorAnd" && out.kind !== "selectorOr" && out.kind !== "selectorNot")) {
      (out as SOp).label = n.label;
    }
    done.set(n.id, out);
  }
  return done.get(graph.output.id) as SOp;
}

/**
 * Whether a sequence map is best computed by a linear MLP: it is affine on numbers, its output is
 * numerical, at least one input is numerical, and every input holds numbers only (a categorical
 * numeric input is converted to numerical, which is cheaper than discretising the numerical ones).
 */
function linearNumerical(n: SequenceMapOp, infos: ReadonlyMap<number, SOpInfo>): boolean {
  if (!n.linear || infos.get(n.id)!.encoding !== "numerical") return false;
  const ins = n.inputs.map((i) => infos.get(i.id)!);
  return ins.some((i) => i.encoding === "numerical") && ins.every((i) => i.values.every((v) => typeof v === "number" || typeof v === "boolean"));
}

