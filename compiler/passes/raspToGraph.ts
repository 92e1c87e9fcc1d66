// Pass 1: from the interpreter's graph to the graph the compiler schedules. It lowers what has no
// block of its own (`length` becomes selector_width of an always-true select, as in Tracr), fuses
// chains of elementwise maps into one lookup (one MLP instead of several), and names every node
// uniquely so residual directions can be named after it.
import { make, topologicalOrder, type Affine, type Encoding, type MapOp, type RaspNode, type SOp, type Selector, type SequenceMapOp } from "../rasp/ops.js";
import type { Atom } from "../rasp/values.js";
import type { SourceRange } from "../language/ast.js";
import { oneHeadSelector, tupleAtom } from "./selectorLiterals.js";

export interface Graph {
  readonly output: SOp;
  /** Every node, children before parents. */
  readonly nodes: readonly RaspNode[];
  /** A unique, readable name per node id. */
  readonly names: ReadonlyMap<number, string>;
  readonly tokens: SOp;
  readonly indices: SOp;
  /** Tuple s-ops made for selects over several s-ops, with the selector they serve (for errors). */
  readonly tuples: ReadonlyMap<number, SourceRange | null>;
}

/** The graph's own tokens and indices nodes (fresh ones where the s-op never reads them): raspToGraph's second argument. */
export function primitivesOf(output: SOp): { tokens: SOp; indices: SOp } {
  const nodes = topologicalOrder(output);
  const tokens = nodes.find((n): n is SOp => n.kind === "tokens") ?? make.tokens();
  const indices = nodes.find((n): n is SOp => n.kind === "indices") ?? make.indices();
  return { tokens, indices };
}

/** Rewrites a graph bottom-up; `rewrite` sees a node whose children are already rewritten. */
function rebuild(root: RaspNode, rewrite: (n: RaspNode, child: (c: RaspNode) => RaspNode) => RaspNode): RaspNode {
  const done = new Map<number, RaspNode>();
  for (const n of topologicalOrder(root)) done.set(n.id, rewrite(n, (c) => done.get(c.id)!));
  return done.get(root.id)!;
}

/** `n` over rewritten children; `n` itself when none changed, so ids (and what is known by id) survive. */
function withChildren(n: RaspNode, child: (c: RaspNode) => RaspNode, encodingOf: (s: SOp) => Encoding | null): RaspNode {
  const s = (x: SOp) => child(x) as SOp;
  const sel = (x: Selector) => child(x) as Selector;
  let out: RaspNode;
  switch (n.kind) {
    case "tokens":
    case "indices":
    case "length":
    case "constant":
      return n;
    case "map":
      if (child(n.input) === n.input) return n;
      out = make.map(n.f, s(n.input), n.label, n.range, n.linear);
      break;
    case "sequenceMap":
      if (n.inputs.every((i) => child(i) === i)) return n;
      out = make.sequenceMap(n.f, n.inputs.map(s), n.label, n.range, n.linear);
      break;
    case "aggregate":
      if (child(n.selector) === n.selector && child(n.sop) === n.sop) return n;
      out = make.aggregate(sel(n.selector), s(n.sop), n.default, n.label, n.range);
      break;
    case "selectorWidth":
      if (child(n.selector) === n.selector) return n;
      out = make.selectorWidth(sel(n.selector), n.label, n.range);
      break;
    case "select":
      if (child(n.keys) === n.keys && child(n.queries) === n.queries) return n;
      return make.reselect(n, s(n.keys), s(n.queries));
    case "selectorAnd":
      if (child(n.left) === n.left && child(n.right) === n.right) return n;
      return make.and(sel(n.left), sel(n.right), n.label, n.range);
    case "selectorOr":
      if (child(n.left) === n.left && child(n.right) === n.right) return n;
      return make.or(sel(n.left), sel(n.right), n.label, n.range);
    case "selectorNot":
      if (child(n.inner) === n.inner) return n;
      return make.not(sel(n.inner), n.label, n.range);
  }
  // A rebuilt s-op keeps the encoding chosen for the original (inferred, in the second pass).
  (out as SOp).encoding = encodingOf(n);
  return out;
}

/** f∘g when both are affine (f of one input): still affine, so the fused map keeps its linear MLP. */
function composeAffine(f: Affine | undefined, g: Affine | undefined): Affine | undefined {
  if (!f || !g) return undefined;
  const a = f.coefficients[0]!;
  return { coefficients: g.coefficients.map((c) => a * c), bias: a * g.bias + f.bias };
}

/** A fused function's stages, newest last: the innermost (of one or more inputs), then unary ones. */
interface Stages {
  readonly head: (...xs: Atom[]) => Atom;
  readonly before: Stages | null;
  readonly last: ((x: Atom) => Atom) | null;
}
const stagesOf = new WeakMap<(...xs: Atom[]) => Atom, Stages>();

/**
 * `f(g(...xs))`, None short-circuiting. Kept flat: a chain of 10,000 fused maps is one loop over its
 * stages, where nested closures would be 10,000 nested calls and overflow the stack. The stages are
 * a linked list, listed on the first call, so the intermediate fusions of a long chain cost O(1) each.
 */
function composeStages(g: (...xs: Atom[]) => Atom, f: (x: Atom) => Atom): (...xs: Atom[]) => Atom {
  const stages: Stages = { head: stagesOf.get(g)?.head ?? g, before: stagesOf.get(g) ?? null, last: f };
  let tail: ((x: Atom) => Atom)[] | null = null;
  const run = (...xs: Atom[]): Atom => {
    if (tail === null) {
      tail = [];
      for (let s: Stages | null = stages; s !== null; s = s.before) if (s.last) tail.push(s.last);
      tail.reverse();
    }
    let y = stages.head(...xs);
    for (const stage of tail) {
      if (y === null) return null;
      y = stage(y);
    }
    return y;
  };
  stagesOf.set(run, stages);
  return run;
}

/**
 * `f(g(x))` as one map of x, and `f(g(x, y))` as one sequence map of x and y: the composed lookup
 * table is no larger than the inner one, and it saves an MLP layer. The inner node stays in the
 * graph if anything else reads it.
 */
function fuseMap(n: MapOp, encodingOf: (s: SOp) => Encoding | null): SOp {
  const inner = n.input;
  if (inner.kind === "map" && encodingOf(inner) !== "numerical") {
    const fused = make.map(composeStages(inner.f, n.f), inner.input, n.label, n.range, composeAffine(n.linear, inner.linear));
    fused.encoding = n.encoding;
    return fuseMap(fused, encodingOf);
  }
  if (inner.kind === "sequenceMap" && encodingOf(inner) !== "numerical") {
    const fused: SequenceMapOp = make.sequenceMap(composeStages(inner.f, n.f), inner.inputs, n.label, n.range, composeAffine(n.linear, inner.linear));
    fused.encoding = n.encoding;
    return fused;
  }
  return n;
}

/**
 * `inferred` gives the encodings an earlier value-set inference chose (the compiler's second pass):
 * a numerical s-op is never fused into the map that reads it, annotated or not, because the fused
 * map would read the numerical s-op's inputs as if they were categorical.
 */
export function raspToGraph(output: SOp, primitives: { tokens: SOp; indices: SOp }, inferred?: ReadonlyMap<number, { readonly encoding: Encoding }>): Graph {
  const encodingOf = (s: SOp): Encoding | null => inferred?.get(s.id)?.encoding ?? s.encoding;
  const { tokens, indices } = primitives;
  // One tuple s-op per list of parts, shared by every select that reads it.
  const tupleNodes = new Map<string, SOp>();
  const tuples = new Map<number, SourceRange | null>();
  const tupleOf = (where: SourceRange | null) => (parts: readonly SOp[]): SOp => {
    const key = parts.map((p) => p.id).join(",");
    let t = tupleNodes.get(key);
    if (!t) {
      t = make.sequenceMap((...xs: Atom[]) => tupleAtom(xs), parts, `(${parts.map((p) => p.label).join(", ")})`, where);
      tupleNodes.set(key, t);
      tuples.set(t.id, where);
    }
    return t;
  };
  const root = rebuild(output, (n, child) => {
    if (n.kind === "length") {
      // Tracr's make_length: the number of positions an always-true select picks.
      const all = make.select(tokens, tokens, "true", "all positions", n.range);
      const width = make.selectorWidth(all, "length", n.range);
      width.encoding = n.encoding;
      return width;
    }
    const rebuilt = withChildren(n, child, encodingOf);
    if (rebuilt.kind === "map") return fuseMap(rebuilt, encodingOf);
    if (rebuilt.kind === "aggregate" || rebuilt.kind === "selectorWidth") {
      const sel = oneHeadSelector(rebuilt.selector, tupleOf(rebuilt.selector.range));
      if (sel === rebuilt.selector) return rebuilt;
      const out = rebuilt.kind === "aggregate"
        ? make.aggregate(sel, rebuilt.sop, rebuilt.default, rebuilt.label, rebuilt.range)
        : make.selectorWidth(sel, rebuilt.label, rebuilt.range);
      out.encoding = rebuilt.encoding;
      return out;
    }
    return rebuilt;
  }) as SOp;
  const nodes = topologicalOrder(root);
  const names = new Map<number, string>();
  const used = new Map<string, number>();
  for (const n of nodes) {
    let base = n.kind === "constant" ? `const(${String(n.value)})` : n.label.replace(/[:\s]+/g, (m) => (m.includes(":") ? "_" : " ")).trim() || n.kind;
    if (n === root) base = output.label;
    const count = used.get(base) ?? 0;
    used.set(base, count + 1);
    names.set(n.id, count === 0 ? base : `${base}#${count + 1}`);
  }
  return { output: root, nodes, names, tokens, indices, tuples };
}
