// Pass: where None cannot be compiled. After value-set inference the compiler knows which s-ops can
// be None; two places cannot hold it and are refused at the s-op that lets None in: a selector
// combining selects over different s-ops with 'or' (one head tests them together), and any
// numerical s-op (one direction, where None would read as 0).
import { RaspError } from "../language/diagnostics.js";
import { nodeRange as range, type SOp } from "../rasp/ops.js";
import type { Graph } from "./raspToGraph.js";
import type { SOpInfo } from "./valueSets.js";

/** The tuple selects of the first graph (raspToGraph's `tuples`) test several s-ops in one head. */
export function refuseNoneInTupleSelects(first: Graph, firstInfos: ReadonlyMap<number, SOpInfo>): void {
  for (const [id, where] of first.tuples) {
    const node = first.nodes.find((n) => n.id === id) as SOp & { kind: "sequenceMap" };
    const part = node.inputs.find((i) => firstInfos.get(i.id)!.values.includes(null));
    if (part) {
      throw new RaspError(
        `this selector combines selects over different s-ops with 'or', so one head must test them together, but '${first.names.get(part.id)}' can be None; give its aggregate a default`,
        where ?? range(node),
      );
    }
  }
}

/**
 * A numerical s-op holds its value in one direction, where None would read as 0 and be averaged
 * or compared as 0; the interpreter propagates None instead. Such a program is refused, at the
 * s-op that first lets None in.
 */
export function refuseNumericalNone(graph: Graph, infos: ReadonlyMap<number, SOpInfo>): void {
  for (const n of graph.nodes) {
    const info = infos.get(n.id);
    if (info?.encoding !== "numerical" || !info.values.includes(null)) continue;
    const s = n as SOp;
    const name = graph.names.get(n.id);
    if (s.kind === "aggregate" && s.default === null) {
      throw new RaspError(
        `the numerical aggregate '${name}' has no default, so an empty selection would be None, which a numerical encoding cannot hold; give a default, e.g. aggregate(s, x, 0)`,
        range(s),
      );
    }
    throw new RaspError(
      `'${name}' is numerical but can be None (an input it reads can be None), which a numerical encoding cannot hold; give the aggregate that makes the None a default, or leave '${name}' categorical`,
      range(s),
    );
  }
}

