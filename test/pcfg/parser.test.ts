// The .pcfg language: NLTK's PCFG text loads unchanged (the toy grammars of nltk/grammar.py and the
// forms its docs use), our extensions work, the printer's output reads back to the same grammar,
// and syntax errors are located, several per file.
import { describe, expect, it } from "vitest";
import { parsePcfg } from "../../compiler/pcfg/parse.js";
import { formatGrammar, formatPcfgFile } from "../../compiler/pcfg/format.js";
import { TOY_PCFG1, TOY_PCFG2, check, grammarOf } from "./helpers.js";
import type { Grammar } from "../../compiler/pcfg/grammar.js";

/** Rules as comparable text: `LHS -> sym sym @p`. */
function ruleTexts(g: Grammar): string[] {
  return g.rules.map((r) => `${g.nonterminals[r.lhs]} -> ${r.rhs.map((s) => (s.kind === "terminal" ? `'${g.terminals[s.index]}'` : g.nonterminals[s.index])).join(" ")} @${r.probability}`);
}

describe("NLTK forms", () => {
  it("loads toy_pcfg1 and toy_pcfg2 unchanged", () => {
    const g1 = grammarOf(TOY_PCFG1);
    expect(g1.nonterminals[g1.start]).toBe("S");
    expect(g1.rules).toHaveLength(17);
    expect(g1.terminals).toEqual(["John", "I", "the", "my", "man", "telescope", "ate", "saw", "with", "under"]);
    const g2 = grammarOf(TOY_PCFG2);
    expect(g2.rules).toHaveLength(23);
    expect(g2.rulesOf[g2.nonterminals.indexOf("VP")]!.map((i) => g2.rules[i]!.probability)).toEqual([0.59, 0.4, 0.01]);
  });

  it("reads %start, whole-line comments, backslash line joins, double quotes, ε alternatives", () => {
    const g = grammarOf(`# a comment line
      %start B
      A -> 'x' [1.0]
        # an indented comment
      B -> A "y's" [0.5] \\
           | [0.5]
    `);
    expect(g.nonterminals[g.start]).toBe("B");
    expect(ruleTexts(g)).toEqual(["A -> 'x' @1", "B -> A 'y's' @0.5", "B ->  @0.5"]);
  });

  it("lets the probability stand anywhere in an alternative, as NLTK does", () => {
    expect(ruleTexts(grammarOf("S -> [0.25] 'a' S | 'b' [0.75]\n"))).toEqual(["S -> 'a' S @0.25", "S -> 'b' @0.75"]);
  });

  it("takes NLTK's nonterminal spellings: slashes, carets, dashes, angle brackets, digits, Unicode", () => {
    const g = grammarOf("S -> VP/NP N-bar X^2 Ñ 1 [1]\nVP/NP -> 'a' [1]\nN-bar -> 'b' [1]\nX^2 -> 'c' [1]\nÑ -> 'd' [1]\n1 -> 'e' [1]\n");
    expect(g.nonterminals).toEqual(["S", "VP/NP", "N-bar", "X^2", "Ñ", "1"]);
  });

  it("without %start, the first rule's left side is the start symbol; several lines per left side add up", () => {
    const g = grammarOf("A -> B [0.5]\nB -> 'b' [1]\nA -> 'a' [0.5]\n");
    expect(g.nonterminals[g.start]).toBe("A");
    expect(g.rulesOf[0]).toHaveLength(2);
  });
});

describe("extensions", () => {
  it("end-of-line comments, exponents, fractions", () => {
    const g = grammarOf("S -> 'a' [1/3] | 'b' [2/3] # why\nT -> 'x' [1e-3] | 'y' [9.99e-1] # keep T\n");
    expect(ruleTexts(g)).toEqual(["S -> 'a' @" + 1 / 3, "S -> 'b' @" + 2 / 3, "T -> 'x' @0.001", "T -> 'y' @0.999"]);
  });

  it("a left side without any probability is uniform", () => {
    const g = grammarOf("S -> 'a' | 'b' | S S\n");
    expect(g.rules.map((r) => r.probability)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it("a '#' inside quotes is a terminal, not a comment", () => {
    expect(grammarOf("S -> '#' [1]\n").terminals).toEqual(["#"]);
  });

  it("`A->B` without spaces is a rule (NLTK would read one nonterminal 'A->B')", () => {
    expect(ruleTexts(grammarOf("A->'a'|B\nB->'b'\n"))).toEqual(["A -> 'a' @0.5", "A -> B @0.5", "B -> 'b' @1"]);
  });
});

describe("round trip", () => {
  const sources = [TOY_PCFG1, TOY_PCFG2, "%start B\nA -> 'x' [1/2] | [.5]\nB -> A \"it's\" [1e0]\n", "S -> 'a' | S 'b' S | \n"];
  it("printing the AST reads back to the same AST", () => {
    for (const src of sources) {
      const a = parsePcfg("g.pcfg", src).file!;
      const printed = formatPcfgFile(a);
      const b = parsePcfg("g.pcfg", printed).file!;
      expect(formatPcfgFile(b)).toBe(printed);
      const strip = (f: typeof a) => JSON.stringify({ start: f.start?.name.name, p: f.productions.map((p) => [p.lhs.name, p.alternatives.map((x) => [x.symbols.map((s) => [s.kind, s.name]), x.probabilities.map((q) => q.value)])]) });
      expect(strip(b)).toBe(strip(a));
    }
  });

  it("printing a checked grammar reads back to the same rules and probabilities", () => {
    for (const src of sources) {
      const g = grammarOf(src);
      const h = grammarOf(formatGrammar(g));
      expect(ruleTexts(h).sort()).toEqual(ruleTexts(g).sort());
      expect(h.nonterminals[h.start]).toBe(g.nonterminals[g.start]);
    }
  });
});

describe("syntax errors", () => {
  it("are located, one per bad line, all in one run", () => {
    const r = check("S -> A [1]\n| 'x'\nA B\n  A -> 'open\nB -> [abc]\n-> 'a'\n%begin S\nC -> 'c' [1] -> D\nD -> [1/0]\n");
    expect(r.lines).toEqual([
      "g.pcfg:2:1: error: a line cannot start with '|'; end the previous line with '\\' to continue a rule on the next line",
      "g.pcfg:3:3: error: expected '->' after 'A', found 'B'",
      "g.pcfg:4:8: error: this terminal's quote is not closed on its line",
      "g.pcfg:5:6: error: expected a probability such as [0.5], [.5], [1e-3] or [1/3], found [abc]",
      "g.pcfg:6:1: error: a rule needs a left side: a nonterminal before '->'",
      "g.pcfg:7:1: error: unknown directive '%begin'; the only directive is %start",
      "g.pcfg:8:14: error: a second '->' on one line: each rule needs a line of its own",
      "g.pcfg:9:6: error: the fraction [1/0] divides by zero",
    ]);
  });

  it("an unclosed bracket, a stray backslash, an unknown character, %start without a name, two %starts, an empty file", () => {
    expect(check("S -> 'a' [0.5\n").lines).toEqual(["g.pcfg:1:10: error: this '[' is not closed on its line"]);
    expect(check("S -> 'a' \\ 'b'\n").lines[0]).toBe("g.pcfg:1:10: error: a '\\' joins lines only at the very end of a line");
    expect(check("S -> 'a' ; 'b'\n").lines[0]).toBe("g.pcfg:1:10: error: unexpected character ';'");
    expect(check("%start\nS -> 'a'\n").lines).toEqual(["g.pcfg:1:1: error: %start needs a nonterminal, found the end of the line"]);
    expect(check("%start S\n%start T\nS -> 'a'\nT -> 'b'\n").lines).toEqual(["g.pcfg:2:1: error: a second %start directive (the first, on line 1, names 'S')"]);
    expect(check("# nothing\n\n").lines).toEqual(["g.pcfg:1:1: error: the grammar has no rules (a rule looks like: S -> NP VP [1.0])"]);
    expect(check("S\n").lines).toEqual(["g.pcfg:1:1: error: expected '->' after 'S'"]);
  });
});
