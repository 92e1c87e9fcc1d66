// Exact grammar statistics: the figures the paper gives for fig. 14 (and grammars/README.md
// repeats), and, on random small acyclic grammars, agreement with a brute-force enumeration of
// every derivation (an independent computation: a list of (probability, length) pairs).
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { loadGrammar } from "../../compiler/pcfg/load.js";
import { grammarStats, probabilityShorterThan } from "../../compiler/pcfg/stats.js";
import type { Grammar } from "../../compiler/pcfg/grammar.js";
import { grammarOf } from "./helpers.js";

describe("jain2023-fig14.pcfg", () => {
  const { grammar, warnings } = loadGrammar("grammars/jain2023-fig14.pcfg");
  const s = grammarStats(grammar);

  it("has the paper's shape: start s, 15 more nonterminals, terminals a b c, two 0.5 rules each of 2-3 symbols", () => {
    expect(warnings).toEqual([]);
    expect(grammar.nonterminals[grammar.start]).toBe("s");
    expect([...grammar.nonterminals].sort().join("")).toBe("defghijklmnopqrs");
    expect([...grammar.terminals].sort()).toEqual(["a", "b", "c"]);
    for (const ids of grammar.rulesOf) {
      expect(ids).toHaveLength(2);
      for (const i of ids) {
        expect(grammar.rules[i]!.probability).toBe(0.5);
        expect([2, 3]).toContain(grammar.rules[i]!.rhs.length);
      }
    }
    expect(s.spectralRadius).toBe(0);
    expect(s.acyclic).toBe(true);
  });

  it("has the paper's string lengths: 138 to 432, mean 275.625", () => {
    expect(s.length.min).toBe(138);
    expect(s.length.max).toBe(432);
    expect(s.length.mean).toBeCloseTo(275.625, 10);
    expect(s.length.sd).toBeCloseTo(41.709, 3);
    expect(probabilityShorterThan(s.lengthDistribution!, 250)).toBeCloseTo(0.2364, 4);
    for (const t of s.terminalCounts) expect(t.share).toBeCloseTo(1 / 3, 12);
  });

  it("grammars/README.md states these statistics", () => {
    const readme = fs.readFileSync("grammars/README.md", "utf8");
    const row = readme.split("\n").find((l) => l.includes("jain2023-fig14.pcfg") && l.startsWith("|"))!;
    expect(row).toBeDefined();
    const cells = row.split("|").map((c) => c.trim());
    expect(cells).toEqual(["", "`jain2023-fig14.pcfg`", "16", "3", "32", "0", "138", "432", "275.625", "41.709", "23.64%", ""]);
  });
});

/** Every derivation of a (small, acyclic) grammar as (probability, length) pairs. */
function enumerate(g: Grammar, n: number): [number, number][] {
  const out: [number, number][] = [];
  for (const i of g.rulesOf[n]!) {
    const r = g.rules[i]!;
    let acc: [number, number][] = [[r.probability, 0]];
    for (const s of r.rhs) {
      const parts: [number, number][] = s.kind === "terminal" ? [[1, 1]] : enumerate(g, s.index);
      acc = acc.flatMap(([p, l]) => parts.map(([q, m]) => [p * q, l + m] as [number, number]));
    }
    out.push(...acc);
  }
  return out;
}

/** Layered acyclic grammars: nonterminal k only uses nonterminals > k, so enumeration ends. */
const layered = fc
  .array(
    fc.array(fc.tuple(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }), fc.integer({ min: 1, max: 9 })), { minLength: 1, maxLength: 2 }),
    { minLength: 1, maxLength: 4 },
  )
  .map((nts) =>
    nts
      .map((alts, k) => {
        const weights = alts.reduce((a, [, w]) => a + w, 0);
        const body = alts.map(([syms, w]) => {
          const rhs = syms.map((x) => (x < 3 || k + 1 + (x - 3) >= nts.length ? `'${"abc"[x % 3]}'` : `N${k + 1 + (x - 3)}`));
          return `${rhs.join(" ")} [${w}/${weights}]`;
        });
        return `N${k} -> ${body.join(" | ")}`;
      })
      .join("\n"),
  );

test.prop([layered], { numRuns: 150 })("exact statistics agree with brute-force enumeration on random acyclic grammars", (src) => {
  const g = grammarOf(src);
  const s = grammarStats(g);
  const all = enumerate(g, g.start);
  const mean = all.reduce((a, [p, l]) => a + p * l, 0);
  const second = all.reduce((a, [p, l]) => a + p * l * l, 0);
  expect(s.length.mean).toBeCloseTo(mean, 9);
  expect(s.length.sd).toBeCloseTo(Math.sqrt(Math.max(0, second - mean * mean)), 6);
  expect(s.length.min).toBe(Math.min(...all.filter(([p]) => p > 0).map(([, l]) => l)));
  expect(s.length.max).toBe(Math.max(...all.filter(([p]) => p > 0).map(([, l]) => l)));
  for (let k = 0; k <= s.length.max; k++) {
    const pk = all.filter(([, l]) => l === k).reduce((a, [p]) => a + p, 0);
    expect(s.lengthDistribution![k]).toBeCloseTo(pk, 12);
  }
});

it("recursive grammars: exact mean and sd from the linear systems, unbounded max", () => {
  // S -> S S [q] | 'a' [1-q]: E[L] = (1-q) + 2q E[L], so E[L] = 0.75 / 0.5 = 1.5 for q = 0.25.
  const g = grammarOf("S -> S S [0.25] | 'a' [0.75]\n");
  const s = grammarStats(g);
  expect(s.length.mean).toBeCloseTo(1.5, 12);
  // E[L^2] = 0.75 + 0.25 (2 E[L^2] + 2 E[L]^2) => E[L^2] = (0.75 + 0.5 * 2.25) / 0.5 = 3.75, Var = 1.5.
  expect(s.length.sd).toBeCloseTo(Math.sqrt(1.5), 12);
  expect(s.length.min).toBe(1);
  expect(s.length.max).toBe(Infinity);
  expect(s.lengthDistribution).toBeNull();
  expect(s.acyclic).toBe(false);
  expect(s.spectralRadius).toBeCloseTo(0.5, 12);
});

it("long chains of recursive nonterminals: solved component by component, exactly", () => {
  // N_k -> 'a' N_{k+1} [0.5] | N_k 'b' [0.3] | 'c' [0.2], the last N -> 'c': E = (1 + 0.5 E') / 0.7,
  // whose fixed point is 5; the chain's start converges to it from the end's E = 1.
  const n = 500;
  const src = Array.from({ length: n }, (_, k) => (k < n - 1 ? `N${k} -> 'a' N${k + 1} [0.5] | N${k} 'b' [0.3] | 'c' [0.2]` : `N${k} -> 'c' [1]`)).join("\n");
  const s = grammarStats(grammarOf(src));
  let e = 1;
  for (let k = n - 2; k >= 0; k--) e = (1 + 0.5 * e) / 0.7;
  expect(s.length.mean).toBeCloseTo(e, 9);
  expect(s.length.min).toBe(1);
  expect(s.acyclic).toBe(false);
});
