// Shared helpers of the PCFG tests: grammar text → Grammar or diagnostics, one-line diagnostics,
// and an Earley recogniser written independently of the sampler, to check sampled strings.
import { oneLine, type Diagnostic } from "../../compiler/language/diagnostics.js";
import { parsePcfg } from "../../compiler/pcfg/parse.js";
import { validateGrammar } from "../../compiler/pcfg/validate.js";
import type { Grammar } from "../../compiler/pcfg/grammar.js";

export function check(source: string, file = "g.pcfg"): { grammar: Grammar | null; diagnostics: Diagnostic[]; lines: string[] } {
  const parsed = parsePcfg(file, source);
  if (!parsed.file) return { grammar: null, diagnostics: parsed.diagnostics, lines: parsed.diagnostics.map(oneLine) };
  const v = validateGrammar(parsed.file);
  return { grammar: v.grammar, diagnostics: v.diagnostics, lines: v.diagnostics.map(oneLine) };
}

export function grammarOf(source: string): Grammar {
  const r = check(source);
  if (!r.grammar) throw new Error(`grammar has errors:\n${r.lines.join("\n")}`);
  return r.grammar;
}

/**
 * Earley recogniser over symbol names: does `start` derive `tokens` with rules of nonzero
 * probability? Handles empty right sides (Aycock & Horspool's nullable completion).
 */
export function earleyAccepts(g: Grammar, tokens: readonly string[]): boolean {
  type Item = { rule: number; dot: number; origin: number };
  const rules = g.rules.map((r, i) => ({ i, lhs: r.lhs, rhs: r.rhs, p: r.probability })).filter((r) => r.p > 0);
  const byLhs = new Map<number, typeof rules>();
  for (const r of rules) byLhs.set(r.lhs, [...(byLhs.get(r.lhs) ?? []), r]);
  const nullable = new Set<number>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of rules) {
      if (!nullable.has(r.lhs) && r.rhs.every((s) => s.kind === "nonterminal" && nullable.has(s.index))) {
        nullable.add(r.lhs);
        changed = true;
      }
    }
  }
  const START = -1; // a virtual rule S' -> start
  const rhsOf = (rule: number) => (rule === START ? [{ kind: "nonterminal" as const, index: g.start }] : g.rules[rule]!.rhs);
  const lhsOf = (rule: number) => (rule === START ? -1 : g.rules[rule]!.lhs);
  const sets: Item[][] = Array.from({ length: tokens.length + 1 }, () => []);
  const keys: Set<string>[] = Array.from({ length: tokens.length + 1 }, () => new Set());
  const add = (k: number, it: Item) => {
    const key = `${it.rule}/${it.dot}/${it.origin}`;
    if (!keys[k]!.has(key)) {
      keys[k]!.add(key);
      sets[k]!.push(it);
    }
  };
  add(0, { rule: START, dot: 0, origin: 0 });
  for (let k = 0; k <= tokens.length; k++) {
    for (let x = 0; x < sets[k]!.length; x++) {
      const it = sets[k]![x]!;
      const rhs = rhsOf(it.rule);
      if (it.dot < rhs.length) {
        const s = rhs[it.dot]!;
        if (s.kind === "nonterminal") {
          for (const r of byLhs.get(s.index) ?? []) add(k, { rule: r.i, dot: 0, origin: k });
          if (nullable.has(s.index)) add(k, { ...it, dot: it.dot + 1 });
        } else if (k < tokens.length && g.terminals[s.index] === tokens[k]) add(k + 1, { ...it, dot: it.dot + 1 });
      } else {
        const lhs = lhsOf(it.rule);
        for (const prev of [...sets[it.origin]!]) {
          const prhs = rhsOf(prev.rule);
          const s = prhs[prev.dot];
          if (s && s.kind === "nonterminal" && s.index === lhs) add(k, { ...prev, dot: prev.dot + 1 });
        }
      }
    }
  }
  return sets[tokens.length]!.some((it) => it.rule === START && it.dot === 1 && it.origin === 0);
}

/** NLTK's toy_pcfg1 (nltk/grammar.py), as written there. */
export const TOY_PCFG1 = `
    S -> NP VP [1.0]
    NP -> Det N [0.5] | NP PP [0.25] | 'John' [0.1] | 'I' [0.15]
    Det -> 'the' [0.8] | 'my' [0.2]
    N -> 'man' [0.5] | 'telescope' [0.5]
    VP -> VP PP [0.1] | V NP [0.7] | V [0.2]
    V -> 'ate' [0.35] | 'saw' [0.65]
    PP -> P NP [1.0]
    P -> 'with' [0.61] | 'under' [0.39]
    `;

/** NLTK's toy_pcfg2: one alternative per line, leading-dot probabilities, aligned columns. */
export const TOY_PCFG2 = `
    S    -> NP VP         [1.0]
    VP   -> V NP          [.59]
    VP   -> V             [.40]
    VP   -> VP PP         [.01]
    NP   -> Det N         [.41]
    NP   -> Name          [.28]
    NP   -> NP PP         [.31]
    PP   -> P NP          [1.0]
    V    -> 'saw'         [.21]
    V    -> 'ate'         [.51]
    V    -> 'ran'         [.28]
    N    -> 'boy'         [.11]
    N    -> 'cookie'      [.12]
    N    -> 'table'       [.13]
    N    -> 'telescope'   [.14]
    N    -> 'hill'        [.5]
    Name -> 'Jack'        [.52]
    Name -> 'Bob'         [.48]
    P    -> 'with'        [.61]
    P    -> 'under'       [.39]
    Det  -> 'the'         [.41]
    Det  -> 'a'           [.31]
    Det  -> 'my'          [.28]
    `;

