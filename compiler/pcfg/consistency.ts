// Consistency of a PCFG: with M[A][B] the expected number of B among the children of A, the
// expected string length is finite, and derivations end with probability 1, when the spectral
// radius of M (over the reachable nonterminals) is below 1 (Booth & Thompson 1973; Chi 1999).
// The radius is the largest over M's strongly connected components; each component is
// irreducible, so power iteration on (B + I) converges and the Collatz-Wielandt bounds
// min (Bx)_i/x_i <= rho <= max (Bx)_i/x_i bracket the answer at every step.
import { liveRules, reachable, type Grammar } from "./grammar.js";

/** Sparse rows: expected[A] maps B to M[A][B]; only reachable nonterminals have rows. */
export function expectedChildren(g: Grammar, inScope: readonly boolean[] = reachable(g)): Map<number, number>[] {
  return g.nonterminals.map((_, a) => {
    const row = new Map<number, number>();
    if (!inScope[a]) return row;
    for (const r of liveRules(g, a)) {
      for (const s of r.rhs) if (s.kind === "nonterminal") row.set(s.index, (row.get(s.index) ?? 0) + r.probability);
    }
    return row;
  });
}

/** Strongly connected components (Tarjan's algorithm without recursion), each a list of nodes. */
export function stronglyConnected(rows: readonly Map<number, number>[]): number[][] {
  const n = rows.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number[], number][] = [[root, [...rows[root]!.keys()], 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, succ] = frame;
      if (frame[2] < succ.length) {
        const w = succ[frame[2]++]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push([w, [...rows[w]!.keys()], 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
          if (w === v) break;
        }
        out.push(comp);
      }
    }
  }
  return out;
}

export interface Radius {
  /** The spectral radius of M. */
  readonly radius: number;
  /** The component that attains it (nonterminal indices; empty when the radius is 0). */
  readonly component: readonly number[];
}

const MAX_ITERATIONS = 100_000;
const TOLERANCE = 1e-13;

function componentRadius(rows: readonly Map<number, number>[], comp: readonly number[]): number {
  if (comp.length === 1) return rows[comp[0]!]!.get(comp[0]!) ?? 0;
  const local = new Map(comp.map((v, i) => [v, i]));
  const edges = comp.map((v) => [...rows[v]!].filter(([w]) => local.has(w)).map(([w, p]) => [local.get(w)!, p] as const));
  let x = new Float64Array(comp.length).fill(1);
  let lo = 0;
  let hi = Infinity;
  for (let it = 0; it < MAX_ITERATIONS; it++) {
    const y = new Float64Array(comp.length);
    for (let i = 0; i < comp.length; i++) {
      let s = x[i]!; // the + I
      for (const [j, p] of edges[i]!) s += p * x[j]!;
      y[i] = s;
    }
    lo = Infinity;
    hi = 0;
    let top = 0;
    for (let i = 0; i < comp.length; i++) {
      const ratio = y[i]! / x[i]!;
      lo = Math.min(lo, ratio);
      hi = Math.max(hi, ratio);
      top = Math.max(top, y[i]!);
    }
    if (hi - lo <= TOLERANCE * hi) break;
    for (let i = 0; i < comp.length; i++) y[i] = y[i]! / top;
    x = y;
  }
  return (lo + hi) / 2 - 1;
}

export function spectralRadius(g: Grammar): Radius {
  const rows = expectedChildren(g);
  let best: Radius = { radius: 0, component: [] };
  for (const comp of stronglyConnected(rows)) {
    const r = componentRadius(rows, comp);
    if (r > best.radius) best = { radius: r, component: comp };
  }
  return best;
}

/** Below this the grammar is consistent; the margin keeps float noise from passing a critical one. */
export const CONSISTENCY_BOUND = 1 - 1e-9;
