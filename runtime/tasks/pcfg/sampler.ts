// Seeded sampling from a checked PCFG. The grammar is flattened into typed arrays once; a string is
// a leftmost derivation driven by an explicit stack, so depth is bounded by memory, not by the call
// stack. One uniform draw per expanded nonterminal picks its rule through cumulative probabilities.
// `sampleTree` makes the same draws in the same order, so for one seed it yields the tree whose
// leaves are exactly the string `sample` returns.
import type { Grammar } from "../../../compiler/pcfg/grammar.js";
import type { Rng } from "../../random.js";

/** A string longer than this is refused rather than allowed to exhaust memory. */
export const MAX_STRING_LENGTH = 50_000_000;

export interface DerivationTree {
  /** A nonterminal's name, or a terminal's text. */
  readonly symbol: string;
  readonly terminal: boolean;
  /** Index into `Grammar.rules` of the rule used (nonterminals only). */
  readonly rule?: number;
  readonly children?: readonly DerivationTree[];
}

/** A growable buffer of terminal indices, reused across samples to avoid allocation. */
export class TokenBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = x;
  }
  clear(): void {
    this.length = 0;
  }
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

export class PcfgSampler {
  readonly grammar: Grammar;
  // Live rules (probability > 0) of nonterminal n: ruleStart[n] .. ruleStart[n + 1] - 1.
  private readonly ruleStart: Int32Array;
  private readonly cumulative: Float64Array;
  private readonly ruleId: Int32Array;
  // Rule k's right side, reversed for pushing: rhs[rhsStart[k] .. rhsStart[k + 1] - 1];
  // a symbol >= 0 is a nonterminal, ~t (< 0) the terminal t.
  private readonly rhsStart: Int32Array;
  private readonly rhs: Int32Array;
  private stack = new Int32Array(256);

  constructor(grammar: Grammar) {
    this.grammar = grammar;
    const n = grammar.nonterminals.length;
    this.ruleStart = new Int32Array(n + 1);
    const cumulative: number[] = [];
    const ruleId: number[] = [];
    const rhsStart: number[] = [0];
    const rhs: number[] = [];
    for (let a = 0; a < n; a++) {
      this.ruleStart[a] = ruleId.length;
      const live = grammar.rulesOf[a]!.filter((i) => grammar.rules[i]!.probability > 0);
      let acc = 0;
      live.forEach((i, k) => {
        const r = grammar.rules[i]!;
        acc += r.probability;
        // The last live rule takes whatever rounding left, so a draw below 1 always finds a rule.
        cumulative.push(k === live.length - 1 ? Infinity : acc);
        ruleId.push(i);
        for (let s = r.rhs.length - 1; s >= 0; s--) {
          const sym = r.rhs[s]!;
          rhs.push(sym.kind === "nonterminal" ? sym.index : ~sym.index);
        }
        rhsStart.push(rhs.length);
      });
    }
    this.ruleStart[n] = ruleId.length;
    this.cumulative = Float64Array.from(cumulative);
    this.ruleId = Int32Array.from(ruleId);
    this.rhsStart = Int32Array.from(rhsStart);
    this.rhs = Int32Array.from(rhs);
  }

  private chooseRule(a: number, rng: Rng): number {
    const u = rng.next();
    let k = this.ruleStart[a]!;
    while (u >= this.cumulative[k]!) k++;
    return k;
  }

  /** Appends one string (terminal indices) to `out`; returns its length. */
  sampleInto(rng: Rng, out: TokenBuffer): number {
    const before = out.length;
    let stack = this.stack;
    let top = 0;
    stack[top++] = this.grammar.start;
    while (top > 0) {
      const sym = stack[--top]!;
      if (sym < 0) {
        out.push(~sym);
        if (out.length - before > MAX_STRING_LENGTH) throw new Error(`a string grew past ${MAX_STRING_LENGTH} terminals`);
        continue;
      }
      const k = this.chooseRule(sym, rng);
      const end = this.rhsStart[k + 1]!;
      const begin = this.rhsStart[k]!;
      if (top + (end - begin) > stack.length) {
        const bigger = new Int32Array(Math.max(stack.length * 2, top + (end - begin)));
        bigger.set(stack);
        this.stack = stack = bigger;
      }
      for (let i = begin; i < end; i++) stack[top++] = this.rhs[i]!;
    }
    return out.length - before;
  }

  /** One string as terminal texts. */
  sample(rng: Rng): string[] {
    const buf = new TokenBuffer();
    this.sampleInto(rng, buf);
    return Array.from(buf.toArray(), (t) => this.grammar.terminals[t]!);
  }

  /** One derivation tree (same draws as `sample`). */
  sampleTree(rng: Rng): DerivationTree {
    interface Node {
      symbol: string;
      terminal: boolean;
      rule?: number;
      children?: Node[];
    }
    const g = this.grammar;
    const root: Node = { symbol: g.nonterminals[g.start]!, terminal: false };
    const todo: [Node, number][] = [[root, g.start]];
    let leaves = 0;
    while (todo.length > 0) {
      const [node, sym] = todo.pop()!;
      const k = this.chooseRule(sym, rng);
      node.rule = this.ruleId[k]!;
      const rule = g.rules[node.rule]!;
      node.children = rule.rhs.map((s) => (s.kind === "terminal" ? { symbol: g.terminals[s.index]!, terminal: true } : { symbol: g.nonterminals[s.index]!, terminal: false }));
      for (let i = rule.rhs.length - 1; i >= 0; i--) {
        const s = rule.rhs[i]!;
        if (s.kind === "nonterminal") todo.push([node.children[i]!, s.index]);
        else if (++leaves > MAX_STRING_LENGTH) throw new Error(`a string grew past ${MAX_STRING_LENGTH} terminals`);
      }
    }
    return root;
  }
}

/** The leaves of a derivation tree, left to right (no recursion). */
export function treeLeaves(tree: DerivationTree): string[] {
  const out: string[] = [];
  const stack: DerivationTree[] = [tree];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t.terminal) out.push(t.symbol);
    else for (let i = (t.children ?? []).length - 1; i >= 0; i--) stack.push(t.children![i]!);
  }
  return out;
}
