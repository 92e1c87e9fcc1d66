// The seeded sampler: random consistent grammars terminate and emit only terminals; every sampled
// string re-parses under its grammar (an Earley recogniser in helpers.ts); rule frequencies match
// the probabilities (chi-square at a fixed seed); fig. 14's sampled lengths match the exact
// statistics; trees and strings agree; deep derivations need no recursion.
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { loadGrammar } from "../../compiler/pcfg/load.js";
import { grammarStats } from "../../compiler/pcfg/stats.js";
import { makeRng } from "../../runtime/random.js";
import { PcfgSampler, treeLeaves, type DerivationTree } from "../../runtime/tasks/pcfg/sampler.js";
import { bracketTree, jsonTree } from "../../compiler/cli/commands/pcfg.js";
import { TOY_PCFG2, earleyAccepts, grammarOf } from "./helpers.js";

/**
 * Random grammars that are consistent by construction: every nonterminal's first alternative is
 * terminals only and takes at least 0.7 of the probability, so each row of the expected-children
 * matrix sums to at most 0.3 * 3 < 1. Recursion, ε alternatives and unreachable parts all occur.
 */
const consistentGrammar = fc
  .array(
    fc.record({
      base: fc.array(fc.constantFrom("'a'", "'b'", "'c'"), { maxLength: 3 }),
      others: fc.array(fc.array(fc.oneof(fc.constantFrom("'a'", "'b'"), fc.integer({ min: 0, max: 4 }).map((i) => `N${i}`)), { maxLength: 3 }), { maxLength: 3 }),
      weight: fc.integer({ min: 7, max: 10 }),
    }),
    { minLength: 1, maxLength: 5 },
  )
  .map((nts) =>
    nts
      .map(({ base, others, weight }, k) => {
        const rhs = (syms: string[]) => syms.map((s) => (s.startsWith("N") && Number(s.slice(1)) >= nts.length ? "'c'" : s)).join(" ");
        const restWeight = others.length > 0 ? (10 - weight) / 10 / others.length : 0;
        const baseP = others.length > 0 ? weight / 10 : 1;
        return `N${k} -> ${[`${rhs(base)} [${baseP}]`, ...others.map((o) => `${rhs(o)} [${restWeight}]`)].join(" | ")}`;
      })
      .join("\n"),
  );

describe("random consistent grammars", () => {
  test.prop([consistentGrammar, fc.integer({ min: 0, max: 1000 })], { numRuns: 200 })("terminate, emit only terminals, and re-parse", (src, seed) => {
    const g = grammarOf(src);
    const sampler = new PcfgSampler(g);
    const rng = makeRng(seed);
    for (let i = 0; i < 5; i++) {
      const s = sampler.sample(rng);
      for (const t of s) expect(g.terminals).toContain(t);
      expect(earleyAccepts(g, s), `${src}\n=> ${s.join(" ")}`).toBe(true);
    }
  });

  test.prop([consistentGrammar, fc.integer({ min: 0, max: 1000 })], { numRuns: 100 })("a tree's leaves are the string drawn with the same seed", (src, seed) => {
    const sampler = new PcfgSampler(grammarOf(src));
    const tree = sampler.sampleTree(makeRng(seed));
    expect(treeLeaves(tree)).toEqual(sampler.sample(makeRng(seed)));
  });
});

it("the Earley check in the test rejects strings outside the language (so it can fail)", () => {
  const g = grammarOf("S -> 'a' S 'b' [0.5] | [0.5]\n");
  expect(earleyAccepts(g, ["a", "a", "b", "b"])).toBe(true);
  expect(earleyAccepts(g, [])).toBe(true);
  expect(earleyAccepts(g, ["a", "b", "b"])).toBe(false);
  expect(earleyAccepts(g, ["b", "a"])).toBe(false);
});

/** Upper 0.1% points of the chi-square distribution, by degrees of freedom. */
const CHI2_999 = [NaN, 10.828, 13.816, 16.266, 18.467, 20.515];

/** Rule counts per nonterminal over sampled trees. */
function ruleCounts(trees: readonly DerivationTree[], rules: number): number[] {
  const counts = new Array<number>(rules).fill(0);
  for (const t of trees) {
    const stack = [t];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n.rule !== undefined) counts[n.rule]!++;
      for (const c of n.children ?? []) stack.push(c);
    }
  }
  return counts;
}

describe("rule frequencies match the probabilities (chi-square, p = 0.001, fixed seed)", () => {
  for (const [name, src] of [
    ["toy_pcfg2", TOY_PCFG2],
    ["fractions", "S -> A A [1/3] | B [2/3]\nA -> 'x' [0.1] | 'y' [0.2] | 'z' [0.7]\nB -> 'u' [1e-1] | 'v' [9e-1]\n"],
  ] as const) {
    it(name, () => {
      const g = grammarOf(src);
      const sampler = new PcfgSampler(g);
      const rng = makeRng(12345);
      const trees = Array.from({ length: 4000 }, () => sampler.sampleTree(rng));
      const counts = ruleCounts(trees, g.rules.length);
      for (const ids of g.rulesOf) {
        if (ids.length < 2) continue;
        const total = ids.reduce((a, i) => a + counts[i]!, 0);
        if (total < 200) continue;
        const chi2 = ids.reduce((a, i) => {
          const expected = total * g.rules[i]!.probability;
          return a + (counts[i]! - expected) ** 2 / expected;
        }, 0);
        expect(chi2, `${g.nonterminals[g.rules[ids[0]!]!.lhs]}: ${ids.map((i) => counts[i]).join("/")}`).toBeLessThan(CHI2_999[ids.length - 1]!);
      }
    });
  }

  it("the chi-square check catches a biased sampler", () => {
    // Sampling with the probabilities of a different grammar must fail the same test.
    const g = grammarOf("S -> 'a' [0.5] | 'b' [0.5]\n");
    const biased = new PcfgSampler(grammarOf("S -> 'a' [0.55] | 'b' [0.45]\n"));
    const rng = makeRng(12345);
    const trees = Array.from({ length: 4000 }, () => biased.sampleTree(rng));
    const counts = ruleCounts(trees, 2);
    const chi2 = counts.reduce((a, c) => a + (c - 2000) ** 2 / 2000, 0);
    expect(g.rules).toHaveLength(2);
    expect(chi2).toBeGreaterThan(CHI2_999[1]!);
  });
});

describe("fig. 14", () => {
  const { grammar } = loadGrammar("grammars/jain2023-fig14.pcfg");
  const exact = grammarStats(grammar);

  it("sampled lengths match the exact statistics", () => {
    const sampler = new PcfgSampler(grammar);
    const rng = makeRng(2023);
    const n = 20_000;
    const lengths = Array.from({ length: n }, () => sampler.sample(rng).length);
    const mean = lengths.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(lengths.reduce((a, l) => a + (l - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean - exact.length.mean)).toBeLessThan((4 * exact.length.sd) / Math.sqrt(n));
    expect(Math.abs(sd - exact.length.sd)).toBeLessThan(1);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(exact.length.min);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(exact.length.max);
    const short = lengths.filter((l) => l < 250).length / n;
    expect(Math.abs(short - 0.2364)).toBeLessThan(0.012);
  });

  it("every sampled string re-parses under the grammar", () => {
    const sampler = new PcfgSampler(grammar);
    const rng = makeRng(5);
    for (let i = 0; i < 5; i++) expect(earleyAccepts(grammar, sampler.sample(rng))).toBe(true);
    expect(earleyAccepts(grammar, ["a", "b", "c"])).toBe(false);
  });

  it("the same seed gives the same strings", () => {
    const a = new PcfgSampler(grammar);
    const b = new PcfgSampler(grammar);
    const [ra, rb] = [makeRng(9), makeRng(9)];
    for (let i = 0; i < 20; i++) expect(a.sample(ra)).toEqual(b.sample(rb));
    expect(a.sample(makeRng(10))).not.toEqual(a.sample(makeRng(9)));
  });
});

it("deep derivations use no recursion: sampling, trees and their printing", () => {
  // Right-recursive with mean depth 20,000: the call stack would overflow long before.
  const g = grammarOf("S -> 'a' S [0.99995] | 'b' [0.00005]\n");
  const sampler = new PcfgSampler(g);
  const rng = makeRng(1);
  let s = sampler.sample(rng);
  while (s.length < 20_000) s = sampler.sample(rng);
  expect(s[s.length - 1]).toBe("b");
  const tree = sampler.sampleTree(makeRng(3));
  const leaves = treeLeaves(tree);
  expect(leaves.length).toBeGreaterThan(1000);
  expect(bracketTree(tree).startsWith("(S 'a' (S 'a'")).toBe(true);
  const json = jsonTree(tree);
  expect(json.startsWith('["S","a",["S","a",')).toBe(true);
  expect(json.length).toBeGreaterThan(leaves.length * 4);
});
