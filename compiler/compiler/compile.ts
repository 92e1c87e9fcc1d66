// The compiler pipeline, pass by pass (the folder reads in this order):
//   raspToGraph → valueSets → (encoding conversions) → allocateLayers → craft blocks → assemble
import { RaspError, UsageError } from "../language/diagnostics.js";
import { make, topologicalOrder, type RaspNode, type SOp, type Selector, type SequenceMapOp } from "../rasp/ops.js";
import { atomEquals, formatAtom, type Atom } from "../rasp/values.js";
import type { CompiledModel } from "../model/types.js";
import { BlockError, aggregateHead, discretisingMlp, linearMlp, lookupTableMlp, selectorWidthHead, selectorWidthMlp, type HeadSpec, type MlpSpec, type SelectLiteral } from "../craft/blocks.js";
import { raspToGraph, type Graph } from "./raspToGraph.js";
import { inferValueSets, type SOpInfo } from "./valueSets.js";
import { allocateLayers } from "./allocateLayers.js";
import { selectorLiterals } from "./selectorLiterals.js";
import { assemble, layoutOf } from "./assemble.js";
import { checkSizeBudget, DEFAULT_MAX_PARAMS, residualWidth } from "./sizeBudget.js";

export interface CompileOptions {
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  /** The BOS token's name (default "BOS"); it must not be in the vocabulary. */
  readonly bos?: string;
  /** Width of a discretising MLP's ramps as a fraction of the gap between neighbouring values (default 0.25). */
  readonly mlpBand?: number;
  /**
   * Attention coldness: a selected key scores this much above an unselected one (default: from the
   * domain, at least 40; see coldnessFor). A lower value trades exactness margin for trainability:
   * every score, and every perturbation of the query/key weights, is multiplied by it.
   */
  readonly coldness?: number;
  /** The most parameters the model may have (default DEFAULT_MAX_PARAMS); checked before any weight is built. */
  readonly maxParams?: number;
  /** Called as assembly builds each layer's weights, for a progress bar on long compiles. */
  readonly onProgress?: (layersDone: number, layers: number) => void;
}

function range(n: RaspNode) {
  return n.range ?? { file: "<builtin>", startOffset: 0, endOffset: 0, startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 };
}

/**
 * Rebuilt nodes carry the encoding the first inference chose, as if annotated, so the second pass
 * (which fuses maps and infers again) cannot mistake an inferred-numerical s-op for a categorical one.
 *
 * Blocks need particular encodings of their inputs: selects and sequence maps read categorical
 * s-ops, an aggregate reads its value in its own encoding. Where a program gives the other one, an
 * identity map converts (an MLP, or nothing at all when it can be folded into the embedding).
 */
function insertConversions(graph: Graph, infos: ReadonlyMap<number, SOpInfo>): SOp {
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

/** Attention sharp enough that leakage to unselected keys is far below every decoding tolerance. */
function coldnessFor(maxLen: number, infos: ReadonlyMap<number, SOpInfo>): number {
  let maxAbs = 1;
  for (const info of infos.values()) for (const v of info.values) if (typeof v === "number") maxAbs = Math.max(maxAbs, Math.abs(v));
  return Math.max(40, 2 * Math.log(maxLen * maxAbs * 1e8));
}

/**
 * Scores scale with the coldness, and query·key products multiply it again by the values' scale, so
 * a huge one overflows float32 (3.4e38) in the engines; a million is already far past any use (the
 * compiler's own choice is 40 to 60).
 */
export const MAX_COLDNESS = 1_000_000;

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
  if (opts.coldness !== undefined && opts.coldness > MAX_COLDNESS) throw new UsageError(`--coldness must be at most 1,000,000 (larger scores overflow float32), got ${opts.coldness}`);
  if (opts.maxParams !== undefined && !(Number.isSafeInteger(opts.maxParams) && opts.maxParams > 0)) throw new UsageError(`--max-params must be a positive integer, got ${opts.maxParams}`);
  return bos;
}

export function compileSOp(sop: SOp, opts: CompileOptions, source: { file: string; text: string; sop: string }): CompiledModel {
  const bos = validateOptions(opts);
  const primitives = findPrimitives(sop);
  const first = raspToGraph(sop, primitives);
  const firstInfos = inferValueSets(first, opts);
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
  const graph = raspToGraph(insertConversions(first, firstInfos), primitives, firstInfos);
  const infos = inferValueSets(graph, opts, firstInfos);
  refuseNumericalNone(graph, infos);
  const allocation = allocateLayers(graph.nodes);
  const coldness = opts.coldness ?? coldnessFor(opts.maxLen, infos);
  const layout = (s: SOp) => layoutOf(s, graph.names, infos);
  const literalsOf = (sel: Selector): SelectLiteral[] =>
    selectorLiterals(sel).map((l) => ({ keys: layout(l.keys), queries: layout(l.queries), table: l.table }));

  const heads = new Map<number, HeadSpec[]>();
  const mlps = new Map<number, MlpSpec[]>();
  const scratchDirs: string[] = [];
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
        const tmp = `${out.name}.attention_to_BOS`;
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

/** The program's own tokens and indices nodes (fresh ones if the output never reads them). */
function findPrimitives(sop: SOp): { tokens: SOp; indices: SOp } {
  const nodes = topologicalOrder(sop);
  const tokens = nodes.find((n): n is SOp => n.kind === "tokens") ?? make.tokens();
  const indices = nodes.find((n): n is SOp => n.kind === "indices") ?? make.indices();
  return { tokens, indices };
}

/**
 * A numerical s-op holds its value in one direction, where None would read as 0 and be averaged
 * or compared as 0; the interpreter propagates None instead. Such a program is refused, at the
 * s-op that first lets None in.
 */
function refuseNumericalNone(graph: Graph, infos: ReadonlyMap<number, SOpInfo>): void {
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
