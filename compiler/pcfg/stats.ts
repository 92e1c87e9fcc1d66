// Exact statistics of a checked grammar, computed from its rules rather than by sampling:
//   - expected length and its standard deviation, for any consistent grammar: with M the
//     expected-children matrix, the means solve (I - M) m = e and the second moments solve
//     (I - M) s = b, because the children of a node derive independently;
//   - the shortest string (a fixed point over the rules, finite for productive grammars);
//   - for acyclic grammars, the longest string and the whole length distribution (children's
//     length distributions convolve), hence P(length < w) for a task window w;
//   - the expected count of each terminal, by the same linear solve as the length.
import { liveRules, reachable, type Grammar } from "./grammar.js";
import { spectralRadius, stronglyConnected, expectedChildren } from "./consistency.js";

export interface GrammarStats {
  readonly nonterminals: number;
  readonly reachableNonterminals: number;
  readonly terminals: number;
  readonly rules: number;
  readonly spectralRadius: number;
  /** Whether no nonterminal can derive itself (through rules of nonzero probability). */
  readonly acyclic: boolean;
  readonly length: {
    readonly mean: number;
    readonly sd: number;
    readonly min: number;
    /** Infinity for a recursive grammar. */
    readonly max: number;
  };
  /** P(length = k) for k = 0..max, for acyclic grammars with max <= MAX_DISTRIBUTION_LENGTH; else null. */
  readonly lengthDistribution: readonly number[] | null;
  /** Expected occurrences of each terminal per string, and its share of all terminals. */
  readonly terminalCounts: readonly { readonly terminal: string; readonly expected: number; readonly share: number }[];
}

export const MAX_DISTRIBUTION_LENGTH = 100_000;

/**
 * Solves x = b + M x for several right-hand sides b at once, one strongly connected component at
 * a time in children-first order: a component's outside children are already solved, so only
 * components that are really cyclic need Gaussian elimination, and only on their own size. An
 * acyclic grammar costs one pass over its rules.
 */
function solve(rows: readonly Map<number, number>[], idx: readonly number[], rhs: number[][]): number[][] {
  const inScope = new Set(idx);
  const x = rhs.map(() => new Float64Array(rows.length));
  const pos = new Map(idx.map((v, i) => [v, i]));
  // Tarjan emits components children first.
  for (const comp of stronglyConnected(rows)) {
    if (!inScope.has(comp[0]!)) continue;
    const local = new Map(comp.map((v, i) => [v, i]));
    const n = comp.length;
    const a: Float64Array[] = comp.map((v, i) => {
      const row = new Float64Array(n);
      row[i] = 1;
      for (const [w, p] of rows[v]!) {
        const j = local.get(w);
        if (j !== undefined) row[j]! -= p;
      }
      return row;
    });
    const b = rhs.map((r, k) =>
      Float64Array.from(comp, (v) => {
        let acc = r[pos.get(v)!]!;
        for (const [w, p] of rows[v]!) if (!local.has(w)) acc += p * x[k]![w]!;
        return acc;
      }),
    );
    for (let col = 0; col < n; col++) {
      let piv = col;
      for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[piv]![col]!)) piv = r;
      [a[col], a[piv]] = [a[piv]!, a[col]!];
      for (const v of b) [v[col], v[piv]] = [v[piv]!, v[col]!];
      const d = a[col]![col]!;
      for (let r = 0; r < n; r++) {
        if (r === col) continue;
        const f = a[r]![col]! / d;
        if (f === 0) continue;
        const ar = a[r]!;
        const ac = a[col]!;
        for (let k = col; k < n; k++) ar[k]! -= f * ac[k]!;
        for (const v of b) v[r]! -= f * v[col]!;
      }
    }
    comp.forEach((v, i) => b.forEach((bk, k) => (x[k]![v] = bk[i]! / a[i]![i]!)));
  }
  return x.map((xk) => idx.map((v) => xk[v]!));
}

/** Nonterminals ordered so that every one comes after all it can derive (acyclic grammars only). */
function childrenFirst(g: Grammar, inScope: readonly boolean[]): number[] | null {
  const rows = expectedChildren(g, inScope);
  const comps = stronglyConnected(rows);
  // Tarjan emits components in reverse topological order: children before parents.
  const order: number[] = [];
  for (const c of comps) {
    if (c.length > 1 || rows[c[0]!]!.has(c[0]!)) return null;
    if (inScope[c[0]!]) order.push(c[0]!);
  }
  return order;
}

function shortest(g: Grammar, inScope: readonly boolean[]): number[] {
  const min = new Array<number>(g.nonterminals.length).fill(Infinity);
  for (let changed = true; changed; ) {
    changed = false;
    for (let n = 0; n < g.nonterminals.length; n++) {
      if (!inScope[n]) continue;
      for (const r of liveRules(g, n)) {
        let len = 0;
        for (const s of r.rhs) len += s.kind === "terminal" ? 1 : min[s.index]!;
        if (len < min[n]!) {
          min[n] = len;
          changed = true;
        }
      }
    }
  }
  return min;
}

function convolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < b.length; j++) out[i + j]! += ai * b[j]!;
  }
  return out;
}

const ONE_TERMINAL = Float64Array.from([0, 1]);

function distributions(g: Grammar, order: readonly number[], max: readonly number[]): Float64Array[] {
  const dist: Float64Array[] = [];
  for (const n of order) {
    const d = new Float64Array(max[n]! + 1);
    for (const r of liveRules(g, n)) {
      let acc: Float64Array = Float64Array.from([1]);
      for (const s of r.rhs) acc = convolve(acc, s.kind === "terminal" ? ONE_TERMINAL : dist[s.index]!);
      for (let k = 0; k < acc.length; k++) d[k]! += r.probability * acc[k]!;
    }
    dist[n] = d;
  }
  return dist;
}

/** Exact statistics; the grammar must have passed validation (so it is consistent and productive). */
export function grammarStats(g: Grammar): GrammarStats {
  const inScope = reachable(g);
  const idx = g.nonterminals.map((_, i) => i).filter((i) => inScope[i]);
  const rows = expectedChildren(g, inScope);
  const { radius } = spectralRadius(g);
  // Right-hand sides: e (terminals per node), one column per terminal, then b (second moments).
  const direct = (n: number, t?: number) =>
    liveRules(g, n).reduce((acc, r) => acc + r.probability * r.rhs.filter((s) => s.kind === "terminal" && (t === undefined || s.index === t)).length, 0);
  const solved = solve(rows, idx, [idx.map((n) => direct(n)), ...g.terminals.map((_, t) => idx.map((n) => direct(n, t)))]);
  const meanOf = new Map(idx.map((n, i) => [n, solved[0]![i]!]));
  const second = idx.map((n) =>
    liveRules(g, n).reduce((acc, r) => {
      const ms = r.rhs.map((s) => (s.kind === "terminal" ? 1 : meanOf.get(s.index)!));
      const sum = ms.reduce((a, b) => a + b, 0);
      const sq = ms.reduce((a, b) => a + b * b, 0);
      const terminalsHere = r.rhs.filter((s) => s.kind === "terminal").length;
      return acc + r.probability * (terminalsHere + sum * sum - sq);
    }, 0),
  );
  const secondOf = solve(rows, idx, [second])[0]!;
  const s0 = idx.indexOf(g.start);
  const mean = solved[0]![s0]!;
  const sd = Math.sqrt(Math.max(0, secondOf[s0]! - mean * mean));
  const min = shortest(g, inScope);
  const order = childrenFirst(g, inScope);
  let maxLen = Infinity;
  let lengthDistribution: number[] | null = null;
  if (order) {
    const max = new Array<number>(g.nonterminals.length).fill(0);
    for (const n of order) max[n] = Math.max(...liveRules(g, n).map((r) => r.rhs.reduce((a, s) => a + (s.kind === "terminal" ? 1 : max[s.index]!), 0)));
    maxLen = max[g.start]!;
    if (maxLen <= MAX_DISTRIBUTION_LENGTH && idx.length * (maxLen + 1) <= 50_000_000) lengthDistribution = Array.from(distributions(g, order, max)[g.start]!);
  }
  const terminalCounts = g.terminals.map((terminal, t) => {
    const expected = solved[1 + t]![s0]!;
    return { terminal, expected, share: mean > 0 ? expected / mean : 0 };
  });
  return {
    nonterminals: g.nonterminals.length,
    reachableNonterminals: idx.length,
    terminals: g.terminals.length,
    rules: g.rules.length,
    spectralRadius: radius,
    acyclic: order !== null,
    length: { mean, sd, min: min[g.start]!, max: maxLen },
    lengthDistribution,
    terminalCounts,
  };
}

/** P(length < w) from an exact distribution. */
export function probabilityShorterThan(dist: readonly number[], w: number): number {
  let p = 0;
  for (let k = 0; k < Math.min(w, dist.length); k++) p += dist[k]!;
  return p;
}
