// The checked form of a PCFG, which the statistics, the sampler and the tasks work on: symbols are
// numbered, every rule has its final (renormalised) probability, and the rules of each nonterminal
// are listed together. Only validate.ts builds one, and only from a file without errors.
import type { SourceRange } from "../language/ast.js";

export interface Sym {
  readonly kind: "nonterminal" | "terminal";
  /** Index into `Grammar.nonterminals` or `Grammar.terminals`. */
  readonly index: number;
}

export interface Rule {
  readonly lhs: number;
  readonly rhs: readonly Sym[];
  /** After renormalisation; uniform (1/k) for a left side written without probabilities. */
  readonly probability: number;
  /** The alternative in the source. */
  readonly range: SourceRange;
}

export interface Grammar {
  readonly file: string;
  /** Index of the start nonterminal. */
  readonly start: number;
  /** Nonterminal names, in order of first appearance as a left side. */
  readonly nonterminals: readonly string[];
  /** Terminal texts, in order of first appearance. */
  readonly terminals: readonly string[];
  readonly rules: readonly Rule[];
  /** rulesOf[n]: indices into `rules` of nonterminal n's alternatives, in source order. */
  readonly rulesOf: readonly (readonly number[])[];
}

/** Probabilities this close to 0 count as 0 in checks, so float noise never decides anything. */
export const PROBABILITY_EPSILON = 1e-12;

/** Rules that can actually be chosen. */
export function liveRules(g: Grammar, n: number): Rule[] {
  return g.rulesOf[n]!.map((i) => g.rules[i]!).filter((r) => r.probability > PROBABILITY_EPSILON);
}

/** The nonterminals a derivation from the start can reach, through rules of nonzero probability. */
export function reachable(g: Grammar, from = g.start): boolean[] {
  const seen = new Array<boolean>(g.nonterminals.length).fill(false);
  const stack = [from];
  seen[from] = true;
  while (stack.length > 0) {
    const n = stack.pop()!;
    for (const r of liveRules(g, n)) {
      for (const s of r.rhs) {
        if (s.kind === "nonterminal" && !seen[s.index]) {
          seen[s.index] = true;
          stack.push(s.index);
        }
      }
    }
  }
  return seen;
}

/** How a symbol is written in the language. */
export function symbolText(g: Grammar, s: Sym): string {
  return s.kind === "nonterminal" ? g.nonterminals[s.index]! : quoteTerminal(g.terminals[s.index]!);
}

/** A terminal in quotes that read it back: single quotes unless it contains one. */
export function quoteTerminal(t: string): string {
  return t.includes("'") ? `"${t}"` : `'${t}'`;
}
