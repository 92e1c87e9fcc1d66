// Every validation error and warning of the .pcfg language, each located at the text it is about,
// several in one file, and the renormalisation the warnings announce.
import { describe, expect, it } from "vitest";
import { check, grammarOf } from "./helpers.js";
import { spectralRadius } from "../../compiler/pcfg/consistency.js";

describe("probability errors", () => {
  it("outside [0, 1], two in one alternative, mixed annotated and bare alternatives", () => {
    const r = check("S -> A [1.5] | B [-0.5]\nA -> 'a' [0.5] [0.5]\nB -> 'b' [1] | 'c'\n");
    expect(r.grammar).toBeNull();
    expect(r.lines).toEqual([
      "g.pcfg:1:8: error: probability 1.5 is outside [0, 1]",
      "g.pcfg:1:18: error: probability -0.5 is outside [0, 1]",
      "g.pcfg:2:16: error: two probabilities in one alternative (the first is [0.5])",
      "g.pcfg:3:16: error: 'B' has alternatives with and without probabilities (e.g. [1] on line 3); give every alternative of 'B' a probability, or none for uniform ones (NLTK would give this one 0)",
    ]);
  });

  it("a sum more than 0.01 from 1 is an error at the left side; closer is a warning, renormalised", () => {
    const bad = check("S -> 'a' [0.5] | 'b' [0.2]\nT -> 'c' [0.7]\nT -> 'd' [0.5]\n%start S\n");
    expect(bad.lines).toEqual([
      "g.pcfg:1:1: error: the probabilities of 'S' sum to 0.7, not 1 (at most 0.01 off is allowed, as in NLTK)",
      "g.pcfg:2:1: error: the probabilities of 'T' sum to 1.2, not 1 (at most 0.01 off is allowed, as in NLTK)",
    ]);
    const near = check("S -> 'a' [0.5] | 'b' [0.495]\n");
    expect(near.lines).toEqual(["g.pcfg:1:1: warning: the probabilities of 'S' sum to 0.995, not 1; they are renormalised"]);
    expect(near.grammar!.rules.map((r) => r.probability)).toEqual([0.5 / 0.995, 0.495 / 0.995]);
    // Float rounding of an exact sum is no warning.
    expect(check("S -> 'a' [0.1] | 'b' [0.2] | 'c' [0.7]\n").lines).toEqual([]);
    expect(check("S -> 'a' [1/3] | 'b' [1/3] | 'c' [1/3]\n").lines).toEqual([]);
  });
});

describe("symbol errors", () => {
  it("undefined nonterminals, with the quoted terminal suggested when one exists, or a near name", () => {
    const r = check("S -> a 'a' NP [0.5] | Nq x [0.5]\nNP -> 'n' [1]\n");
    expect(r.lines).toEqual([
      "g.pcfg:1:6: error: the nonterminal 'a' has no rules (did you mean the terminal 'a'? terminals are quoted)",
      "g.pcfg:1:23: error: the nonterminal 'Nq' has no rules (did you mean 'NP'?)",
      "g.pcfg:1:26: error: the nonterminal 'x' has no rules (if it is a terminal, quote it: 'x')",
    ]);
  });

  it("an undefined %start", () => {
    expect(check("%start Top\nS -> 'a'\n").lines).toEqual(["g.pcfg:1:8: error: the start symbol 'Top' has no rules (if it is a terminal, quote it: 'Top')"]);
  });

  it("unproductive nonterminals are errors; a 0-probability escape does not count", () => {
    const r = check("S -> A [0.5] | 'x' [0.5]\nA -> A 'a' [1.0] | 'b' [0]\n");
    expect(r.lines).toEqual([
      "g.pcfg:1:1: error: the grammar is not consistent: the spectral radius of its expected-children matrix is 1.000000, not below 1 (through 'A'), so the expected string length is infinite and derivations may never end; give the recursive alternatives less probability",
      "g.pcfg:2:1: error: 'A' is unproductive: no derivation from it ever ends in terminals alone",
      "g.pcfg:2:24: warning: this alternative of 'A' has probability 0 and is never chosen",
    ]);
  });

  it("unreachable nonterminals are warnings, saying when only a 0-probability alternative reaches them", () => {
    const r = check("S -> 'a' [1] | B [0]\nB -> 'b'\nC -> 'c'\n");
    expect(r.grammar).not.toBeNull();
    expect(r.lines).toEqual([
      "g.pcfg:1:18: warning: this alternative of 'S' has probability 0 and is never chosen",
      "g.pcfg:2:1: warning: 'B' is never reached from the start symbol 'S' (only through alternatives of probability 0)",
      "g.pcfg:3:1: warning: 'C' is never reached from the start symbol 'S'",
    ]);
  });

  it("duplicate alternatives are warnings", () => {
    const r = check("S -> 'a' [0.5]\nS -> 'a' [0.5]\n");
    expect(r.lines).toEqual(["g.pcfg:2:6: warning: duplicate alternative of 'S' (also on line 1); both are kept, so it is chosen with their summed probability"]);
    expect(r.grammar).not.toBeNull();
  });
});

describe("consistency", () => {
  it("rejects a supercritical grammar, printing the radius", () => {
    const r = check("S -> S S [0.6] | 'a' [0.4]\n");
    expect(r.lines).toEqual([
      "g.pcfg:1:1: error: the grammar is not consistent: the spectral radius of its expected-children matrix is 1.200000, not below 1 (through 'S'), so the expected string length is infinite and derivations may never end; give the recursive alternatives less probability",
    ]);
  });

  it("rejects a critical grammar (radius exactly 1, derivations end but the expected length is infinite)", () => {
    expect(check("S -> S S [0.5] | 'a' [0.5]\n").lines[0]).toContain("spectral radius of its expected-children matrix is 1.000000");
    // A two-nonterminal cycle with radius exactly 1: M = [[0, 0.5], [2, 0]].
    expect(check("S -> A 'x' [0.5] | 'y' [0.5]\nA -> S S [1]\n").lines[0]).toContain("is 1.000000, not below 1 (through ");
  });

  it("accepts a subcritical recursive grammar and computes its radius", () => {
    const g = grammarOf("S -> S S [0.4] | 'a' [0.6]\n");
    expect(spectralRadius(g).radius).toBeCloseTo(0.8, 12);
    // NLTK's toy_pcfg1 NP/PP cycle: [[0.25, 0.25], [1, 0]] has radius (0.25 + sqrt(1.0625)) / 2.
    const toy = grammarOf("S -> NP [1]\nNP -> 'a' [0.75] | NP PP [0.25]\nPP -> 'p' NP [1]\n");
    expect(spectralRadius(toy).radius).toBeCloseTo((0.25 + Math.sqrt(1.0625)) / 2, 10);
    expect(spectralRadius(toy).component.length).toBe(2);
  });

  it("an acyclic grammar has radius 0", () => {
    expect(spectralRadius(grammarOf("S -> A A [1]\nA -> 'a' [0.5] | 'b' [0.5]\n")).radius).toBe(0);
  });
});

it("reports many problems of one file in one run, in source order", () => {
  const r = check("S -> A B [0.5] | 'x' [0.5]\nA -> q [1]\nB -> 'b' C [1]\nD -> 'd'\n");
  expect(r.lines.map((l) => l.split(": ").slice(0, 2).join(": "))).toEqual(["g.pcfg:2:6: error", "g.pcfg:3:10: error", "g.pcfg:4:1: warning"]);
  // Probability errors stop the checks that depend on probabilities, but not the others.
  const p = check("S -> A [0.5] | 'x' [0.7]\nA -> q [1]\nB -> 'b' [2]\n");
  expect(p.lines.map((l) => l.split(": ").slice(0, 2).join(": "))).toEqual(["g.pcfg:1:1: error", "g.pcfg:2:6: error", "g.pcfg:3:10: error"]);
});
