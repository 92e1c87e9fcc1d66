// Writing grammars back as `.pcfg` text: the AST as written (one line per production, the
// probabilities' own spelling), or a checked Grammar with its final probabilities (one line per left
// side). Both read back to the same thing; the round-trip tests hold them to that.
import type * as A from "./ast.js";
import { symbolText, type Grammar } from "./grammar.js";

function symbolOf(s: A.SymbolRef): string {
  return s.kind === "nonterminal" ? s.name : `${s.quote}${s.name}${s.quote}`;
}

function alternativeOf(a: A.Alternative): string {
  const parts = [...a.symbols.map(symbolOf), ...a.probabilities.map((p) => `[${p.text}]`)];
  return parts.join(" ");
}

export function formatPcfgFile(f: A.PcfgFile): string {
  const lines: string[] = [];
  if (f.start) lines.push(`%start ${f.start.name.name}`);
  for (const p of f.productions) lines.push(`${p.lhs.name} -> ${p.alternatives.map(alternativeOf).join(" | ")}`.trimEnd());
  return lines.join("\n") + "\n";
}

/** The checked grammar, start symbol first; probabilities printed exactly (shortest round-trip form). */
export function formatGrammar(g: Grammar): string {
  const lines = [`%start ${g.nonterminals[g.start]}`];
  g.rulesOf.forEach((ids, n) => {
    if (ids.length === 0) return;
    const alts = ids.map((i) => {
      const r = g.rules[i]!;
      return [...r.rhs.map((s) => symbolText(g, s)), `[${r.probability}]`].join(" ");
    });
    lines.push(`${g.nonterminals[n]} -> ${alts.join(" | ")}`);
  });
  return lines.join("\n") + "\n";
}
