// AST → Grammar, with every check the language promises, each located at the text it is about:
//   errors:   probabilities outside [0, 1]; two probabilities in one alternative; a left side that
//             mixes annotated and bare alternatives; a sum that misses 1 by more than 0.01 (NLTK's
//             bound); undefined nonterminals (with a hint when a quoted terminal was meant);
//             an undefined %start; unproductive nonterminals; an inconsistent grammar (spectral
//             radius of the expected-children matrix >= 1);
//   warnings: a sum within 0.01 of 1 but not 1 (renormalised); unreachable nonterminals; duplicate
//             alternatives; alternatives of probability 0.
// No ambiguity check: ambiguity of a CFG is undecidable, and the tasks read labels off the string.
import type * as A from "./ast.js";
import type { SourceRange } from "../language/ast.js";
import type { Diagnostic } from "../language/diagnostics.js";
import { closestName } from "../common/closestName.js";
import { CONSISTENCY_BOUND, spectralRadius } from "./consistency.js";
import { PROBABILITY_EPSILON, liveRules, quoteTerminal, reachable, type Grammar, type Rule, type Sym } from "./grammar.js";

/** NLTK's PCFG.EPSILON: how far a left side's probabilities may sum from 1. */
export const SUM_TOLERANCE = 0.01;
/** Sums closer to 1 than this are 1 (float rounding of e.g. three [0.1]s and a [0.7]). */
const SUM_EXACT = 1e-9;

export interface ValidationResult {
  /** Null when there is at least one error. */
  readonly grammar: Grammar | null;
  readonly diagnostics: Diagnostic[];
}

interface Entry {
  readonly alt: A.Alternative;
  readonly lhs: A.NonterminalRef;
}

const fmt = (x: number): string => String(Number(x.toPrecision(6)));

export function validateGrammar(ast: A.PcfgFile): ValidationResult {
  const diagnostics: Diagnostic[] = [];
  const error = (message: string, range: SourceRange) => diagnostics.push({ severity: "error", message, range });
  const warning = (message: string, range: SourceRange) => diagnostics.push({ severity: "warning", message, range });

  // Symbols: defined nonterminals first, in order of their first rule; terminals in order of use.
  const ntIndex = new Map<string, number>();
  const nonterminals: string[] = [];
  const firstLhs = new Map<string, A.NonterminalRef>();
  const entries = new Map<string, Entry[]>();
  for (const p of ast.productions) {
    if (!ntIndex.has(p.lhs.name)) {
      ntIndex.set(p.lhs.name, nonterminals.length);
      nonterminals.push(p.lhs.name);
      firstLhs.set(p.lhs.name, p.lhs);
      entries.set(p.lhs.name, []);
    }
    for (const alt of p.alternatives) entries.get(p.lhs.name)!.push({ alt, lhs: p.lhs });
  }
  const defined = nonterminals.length;
  const tIndex = new Map<string, number>();
  const terminals: string[] = [];
  for (const p of ast.productions) {
    for (const alt of p.alternatives) {
      for (const s of alt.symbols) {
        if (s.kind === "terminal" && !tIndex.has(s.name)) {
          tIndex.set(s.name, terminals.length);
          terminals.push(s.name);
        }
      }
    }
  }

  // Undefined nonterminals get indices too (with no rules), so that every later check can run.
  const undefinedUse = (ref: A.NonterminalRef, what: string) => {
    // One-letter names are too short for an edit-distance guess to mean anything.
    const near = ref.name.length >= 2 ? closestName(ref.name, nonterminals.slice(0, defined)) : null;
    const hint = tIndex.has(ref.name)
      ? ` (did you mean the terminal ${quoteTerminal(ref.name)}? terminals are quoted)`
      : near !== null
        ? ` (did you mean '${near}'?)`
        : ` (if it is a terminal, quote it: ${quoteTerminal(ref.name)})`;
    error(`${what} '${ref.name}' has no rules${hint}`, ref.range);
  };
  const symOf = (s: A.SymbolRef): Sym => {
    if (s.kind === "terminal") return { kind: "terminal", index: tIndex.get(s.name)! };
    let i = ntIndex.get(s.name);
    if (i === undefined) {
      i = nonterminals.length;
      ntIndex.set(s.name, i);
      nonterminals.push(s.name);
    }
    if (i >= defined) undefinedUse(s, "the nonterminal");
    return { kind: "nonterminal", index: i };
  };

  let start = 0;
  if (ast.start) {
    const i = ntIndex.get(ast.start.name.name);
    if (i === undefined) {
      undefinedUse(ast.start.name, "the start symbol");
      start = -1;
    } else start = i;
  }

  // Rules and their probabilities, one left side at a time.
  const rules: Rule[] = [];
  const rulesOf: number[][] = nonterminals.map(() => []);
  const dependsOnUndefined = new Array<boolean>(defined).fill(false);
  for (const [name, list] of entries) {
    const lhs = ntIndex.get(name)!;
    const lhsRef = firstLhs.get(name)!;
    let bad = false;
    for (const { alt } of list) {
      for (const extra of alt.probabilities.slice(1)) {
        error(`two probabilities in one alternative (the first is [${alt.probabilities[0]!.text}])`, extra.range);
        bad = true;
      }
      for (const p of alt.probabilities) {
        if (!(p.value >= 0 && p.value <= 1)) {
          error(`probability ${p.text} is outside [0, 1]`, p.range);
          bad = true;
        }
      }
    }
    const annotated = list.filter((e) => e.alt.probabilities.length > 0);
    const bare = list.filter((e) => e.alt.probabilities.length === 0);
    if (annotated.length > 0 && bare.length > 0) {
      const example = annotated[0]!.alt.probabilities[0]!;
      error(
        `'${name}' has alternatives with and without probabilities (e.g. [${example.text}] on line ${example.range.startLine}); give every alternative of '${name}' a probability, or none for uniform ones (NLTK would give this one 0)`,
        bare[0]!.alt.range,
      );
      bad = true;
    }
    let probs = list.map((e) => (e.alt.probabilities.length > 0 ? e.alt.probabilities[0]!.value : 1 / list.length));
    if (!bad && annotated.length > 0) {
      const sum = probs.reduce((a, b) => a + b, 0);
      const miss = Math.abs(sum - 1);
      if (miss > SUM_TOLERANCE) {
        error(`the probabilities of '${name}' sum to ${fmt(sum)}, not 1 (at most ${SUM_TOLERANCE} off is allowed, as in NLTK)`, lhsRef.range);
      } else if (miss > SUM_EXACT) {
        warning(`the probabilities of '${name}' sum to ${fmt(sum)}, not 1; they are renormalised`, lhsRef.range);
      }
      if (sum > 0) probs = probs.map((p) => p / sum);
    }
    const seen = new Map<string, A.Alternative>();
    list.forEach(({ alt }, k) => {
      const rhs = alt.symbols.map(symOf);
      if (rhs.some((s) => s.kind === "nonterminal" && s.index >= defined)) dependsOnUndefined[lhs] = true;
      const key = alt.symbols.map((s) => `${s.kind[0]}:${s.name}`).join("\u0000");
      const before = seen.get(key);
      if (before) warning(`duplicate alternative of '${name}' (also on line ${before.range.startLine}); both are kept, so it is chosen with their summed probability`, alt.range);
      else seen.set(key, alt);
      if (alt.probabilities.length > 0 && alt.probabilities[0]!.value === 0) warning(`this alternative of '${name}' has probability 0 and is never chosen`, alt.probabilities[0]!.range);
      rulesOf[lhs]!.push(rules.length);
      rules.push({ lhs, rhs, probability: probs[k]!, range: alt.range });
    });
  }
  while (rulesOf.length < nonterminals.length) rulesOf.push([]);
  // Reachability, productivity and consistency depend on the probabilities: with broken ones they
  // would only echo the errors above.
  if (start < 0 || diagnostics.some((d) => d.severity === "error" && d.message.includes("probabilit"))) {
    return { grammar: null, diagnostics: sortDiagnostics(diagnostics) };
  }
  const grammar: Grammar = { file: ast.file, start, nonterminals, terminals, rules, rulesOf };

  // Productive: can derive a string of terminals (through rules that can be chosen).
  const productive = new Array<boolean>(nonterminals.length).fill(false);
  for (let changed = true; changed; ) {
    changed = false;
    for (let n = 0; n < defined; n++) {
      if (productive[n]) continue;
      if (liveRules(grammar, n).some((r) => r.rhs.every((s) => s.kind === "terminal" || productive[s.index]))) {
        productive[n] = true;
        changed = true;
      }
    }
  }
  for (let n = 0; n < defined; n++) {
    if (!productive[n] && !dependsOnUndefined[n]) {
      error(`'${nonterminals[n]}' is unproductive: no derivation from it ever ends in terminals alone`, firstLhs.get(nonterminals[n]!)!.range);
    }
  }
  const reached = reachable(grammar);
  const everReached = reachableIgnoringProbability(grammar);
  for (let n = 0; n < defined; n++) {
    if (reached[n]) continue;
    const why = everReached[n] ? " (only through alternatives of probability 0)" : "";
    warning(`'${nonterminals[n]}' is never reached from the start symbol '${nonterminals[start]}'${why}`, firstLhs.get(nonterminals[n]!)!.range);
  }
  const { radius, component } = spectralRadius(grammar);
  if (radius >= CONSISTENCY_BOUND) {
    const names = component.map((n) => `'${nonterminals[n]}'`).join(", ");
    const at = ast.start?.range ?? firstLhs.get(nonterminals[start]!)!.range;
    error(
      `the grammar is not consistent: the spectral radius of its expected-children matrix is ${radius.toFixed(6)}, not below 1 (through ${names}), so the expected string length is infinite and derivations may never end; give the recursive alternatives less probability`,
      at,
    );
  }
  const ok = !diagnostics.some((d) => d.severity === "error");
  return { grammar: ok ? grammar : null, diagnostics: sortDiagnostics(diagnostics) };
}

function reachableIgnoringProbability(g: Grammar): boolean[] {
  const seen = new Array<boolean>(g.nonterminals.length).fill(false);
  const stack = [g.start];
  seen[g.start] = true;
  while (stack.length > 0) {
    for (const i of g.rulesOf[stack.pop()!]!) {
      for (const s of g.rules[i]!.rhs) {
        if (s.kind === "nonterminal" && !seen[s.index]) {
          seen[s.index] = true;
          stack.push(s.index);
        }
      }
    }
  }
  return seen;
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => a.range.startOffset - b.range.startOffset);
}

export { PROBABILITY_EPSILON };
