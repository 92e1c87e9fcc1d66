// Pass: block selection. Every placed s-op becomes the craft construction (compiler/craft/) that
// computes it in its encodings: a linear, discretising or lookup-table MLP for maps and sequence
// maps, an aggregate head, or a selector-width head with its MLP. The attention coldness is chosen
// here, and a layer whose MLPs would not fit in a model file is refused.
import { RaspError } from "../language/diagnostics.js";
import { nodeRange as range, type SOp, type Selector } from "../rasp/ops.js";
import type { Atom } from "../rasp/values.js";
import { BlockError, scratchDir, type Direction, type HeadSpec, type MlpSpec } from "../craft/residual.js";
import { lookupTableMlp } from "../craft/lookupTableMlp.js";
import { linearMlp } from "../craft/linearMlp.js";
import { discretisingMlp } from "../craft/discretisingMlp.js";
import { aggregateHead } from "../craft/aggregateHead.js";
import { selectorWidthHead, selectorWidthMlp } from "../craft/selectorWidth.js";
import type { SelectLiteral } from "../craft/selectorQK.js";
import type { Allocation } from "./allocateLayers.js";
import { layoutOf } from "./assemble.js";
import type { Graph } from "./raspToGraph.js";
import { selectorLiterals } from "./selectorLiterals.js";
import type { SOpInfo } from "./valueSets.js";
import { residualWidth } from "./sizeBudget.js";

export interface BlockOptions {
  readonly maxLen: number;
  readonly mlpBand?: number;
  readonly coldness?: number;
}

/** The blocks of each layer, and the scratch directions they write besides the s-ops'. */
export interface Blocks {
  readonly heads: Map<number, HeadSpec[]>;
  readonly mlps: Map<number, MlpSpec[]>;
  readonly scratchDirs: Direction[];
}

export function craftBlocks(graph: Graph, infos: ReadonlyMap<number, SOpInfo>, allocation: Allocation, opts: BlockOptions): Blocks {
  const coldness = opts.coldness ?? coldnessFor(opts.maxLen, infos);
  const layout = (s: SOp) => layoutOf(s, graph.names, infos);
  const literalsOf = (sel: Selector): SelectLiteral[] =>
    selectorLiterals(sel).map((l) => ({ keys: layout(l.keys), queries: layout(l.queries), table: l.table }));

  const heads = new Map<number, HeadSpec[]>();
  const mlps = new Map<number, MlpSpec[]>();
  const scratchDirs: Direction[] = [];
  const push = <T>(m: Map<number, T[]>, layer: number, x: T) => m.set(layer, [...(m.get(layer) ?? []), x]);
  for (const n of graph.nodes) {
    const p = allocation.placements.get(n.id);
    if (!p || p.kind === "tokenEmbedding" || p.kind === "positionEmbedding") continue;
    const s = n as SOp;
    const out = layout(s);
    switch (s.kind) {
      case "map": {
        const input = layout(s.input);
        const f = (x: Atom) => safe(() => s.f(x));
        if (input.encoding === "numerical" && out.encoding === "numerical" && s.linear) {
          push(mlps, p.layer, linearMlp(out.name, [input], out, s.linear.coefficients, s.linear.bias));
        } else if (input.encoding === "numerical") {
          push(mlps, p.layer, blockAt(s, () => discretisingMlp(out.name, input, out, f, opts.mlpBand)));
        } else {
          push(mlps, p.layer, lookupTableMlp(out.name, [input], out, f));
        }
        break;
      }
      case "sequenceMap": {
        const inputs = s.inputs.map(layout);
        if (s.linear && out.encoding === "numerical" && inputs.every((i) => i.encoding === "numerical")) {
          push(mlps, p.layer, linearMlp(out.name, inputs, out, s.linear.coefficients, s.linear.bias));
        } else {
          push(mlps, p.layer, lookupTableMlp(out.name, inputs, out, (...xs) => safe(() => s.f(...xs))));
        }
        break;
      }
      case "aggregate": {
        push(heads, p.layer, aggregateHead(out.name, literalsOf(s.selector), coldness, layout(s.sop), out, s.default));
        break;
      }
      case "selectorWidth": {
        const tmp = scratchDir(out.name, "attention_to_BOS");
        scratchDirs.push(tmp);
        push(heads, p.layer, selectorWidthHead(out.name, literalsOf(s.selector), coldness, tmp));
        push(mlps, p.layer, selectorWidthMlp(out.name, tmp, opts.maxLen, out));
        break;
      }
      default:
        break;
    }
  }
  refuseHugeMlps(graph, infos, mlps, scratchDirs.length);
  return { heads, mlps, scratchDirs };
}

/** Attention sharp enough that leakage to unselected keys is far below every decoding tolerance. */
function coldnessFor(maxLen: number, infos: ReadonlyMap<number, SOpInfo>): number {
  let maxAbs = 1;
  for (const info of infos.values()) for (const v of info.values) if (typeof v === "number") maxAbs = Math.max(maxAbs, Math.abs(v));
  return Math.max(40, 2 * Math.log(maxLen * maxAbs * 1e8));
}

/**
 * MLP weights are dense d_model × hidden matrices in the model file; past this many numbers a model
 * no longer fits in memory as JSON (a product table of two large value sets gets there quickly).
 */
export const MAX_MLP_WEIGHTS = 30_000_000;

function refuseHugeMlps(graph: Graph, infos: ReadonlyMap<number, SOpInfo>, mlps: ReadonlyMap<number, MlpSpec[]>, scratch: number): void {
  const d = residualWidth(infos, scratch);
  for (const parts of mlps.values()) {
    const hidden = parts.reduce((a, p) => a + p.hidden, 0);
    if (2 * d * hidden <= MAX_MLP_WEIGHTS) continue;
    const largest = parts.reduce((a, b) => (b.hidden > a.hidden ? b : a));
    const node = graph.nodes.find((n) => graph.names.get(n.id) === largest.label);
    throw new RaspError(
      `'${largest.label}' needs an MLP of ${largest.hidden.toLocaleString("en-US")} hidden units (a lookup table over every combination of its inputs' values), which with d_model ${d} is over the compiler's limit of ${MAX_MLP_WEIGHTS.toLocaleString("en-US")} weights per layer; use fewer values (a smaller vocabulary or --max-len), or an affine numerical form`,
      node ? range(node) : range(graph.output),
    );
  }
}

/** Builds a block, reporting a construction that cannot be exact at the s-op's source. */
function blockAt<T>(n: SOp, build: () => T): T {
  try {
    return build();
  } catch (e) {
    if (e instanceof BlockError) throw new RaspError(e.message, range(n));
    throw e;
  }
}

/** A function value where the interpreter would raise is outside the domain: no output. */
function safe(f: () => Atom): Atom | undefined {
  try {
    return f();
  } catch {
    return undefined;
  }
}
