// Property-based tests of the interpreter and evaluator against plain TypeScript references on
// random inputs: sorting, histograms, reversal, length, gathers and scatters through select /
// aggregate, and the Boolean algebra of selectors.
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { Interpreter, ParseFailure } from "../../compiler/interpreter/interpreter.js";
import { RaspError } from "../../compiler/language/diagnostics.js";
import { GraphEvaluator, evaluateSOp, evaluateSelector } from "../../compiler/rasp/evaluate.js";
import { isSOp, type SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { run, selectorOf, sopOf } from "./helpers.js";

// One program, built once; each property evaluates its s-ops on many inputs.
const LIBRARY = `
# Weiss's rasplib sort: a position's target is the number of positions that sort before it.
def sort(seq, key) {
    smaller = select(key, key, <) or (select(key, key, ==) and select(indices, indices, <));
    target_pos = selector_width(smaller);
    return aggregate(select(target_pos, indices, ==), seq);
}
def reverse(s) {
    return aggregate(select(indices, length - indices - 1, ==), s);
}
sorted = sort(tokens, tokens);
# Sort the positions by descending key: indices come out in that order.
order_desc = sort(indices, -tokens);
hist = selector_width(select(tokens, tokens, ==));
rr = reverse(reverse(tokens));
rev = reverse(tokens);
n = length;
# Position q reads the value at position tokens[q] (a gather); None when out of range.
gather = aggregate(select(indices, tokens, ==), indices * 10);
# Position q averages the positions k with tokens[k] == q (a scatter); None when there are none.
scatter = aggregate(select(tokens, indices, ==), indices * 10);
# How many earlier positions hold a smaller token.
smaller_before = selector_width(select(tokens, tokens, <) and select(indices, indices, <));
`;
const lib = run(LIBRARY);
const evaluator = (name: string): ((input: readonly Atom[]) => Atom[]) => {
  const sop = sopOf(lib, name);
  const g = new GraphEvaluator(sop);
  return (input) => g.run(input).get(sop.id) as Atom[];
};
const sorted = evaluator("sorted");
const orderDesc = evaluator("order_desc");
const hist = evaluator("hist");
const rr = evaluator("rr");
const rev = evaluator("rev");
const n = evaluator("n");
const gather = evaluator("gather");
const scatter = evaluator("scatter");
const smallerBefore = evaluator("smaller_before");

const ints = fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 20 });
const letters = fc.array(fc.constantFrom("a", "b", "c", "d", "e", "ab", "B"), { minLength: 1, maxLength: 20 });
const anyTokens = fc.oneof(ints, letters, fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -5, max: 5, noNaN: true })), { minLength: 1, maxLength: 12 }));

const byValue = (a: Atom, b: Atom): number => ((a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0);

describe("sort (Weiss's rasplib construction)", () => {
  test.prop([fc.oneof(ints, letters)], { numRuns: 300 })("the output is sorted and a permutation of the input", (xs) => {
    const out = sorted(xs);
    for (let i = 1; i < out.length; i++) expect(byValue(out[i - 1]!, out[i]!)).toBeLessThanOrEqual(0);
    expect([...out].sort(byValue)).toEqual([...xs].sort(byValue));
    expect(out).toEqual([...xs].sort(byValue));
  });

  test.prop([ints], { numRuns: 200 })("sorting positions by a descending key is stable", (xs) => {
    const expected = xs.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, i]) => i);
    expect(orderDesc(xs)).toEqual(expected);
  });
});

describe("reference computations", () => {
  test.prop([anyTokens], { numRuns: 300 })("hist counts equal positions, as a plain count does", (xs) => {
    expect(hist(xs)).toEqual(xs.map((x) => xs.filter((y) => y === x).length));
  });

  test.prop([anyTokens], { numRuns: 300 })("reverse(reverse(x)) == x, and reverse(x) is x reversed", (xs) => {
    expect(rr(xs)).toEqual(xs);
    expect(rev(xs)).toEqual([...xs].reverse());
  });

  test.prop([anyTokens], { numRuns: 200 })("length is the input length everywhere", (xs) => {
    expect(n(xs)).toEqual(xs.map(() => xs.length));
  });

  test.prop([fc.array(fc.integer({ min: -2, max: 12 }), { minLength: 1, maxLength: 12 })], { numRuns: 300 })(
    "aggregate(select(indices, target, ==), v) gathers v[target[q]], None out of range",
    (target) => {
      expect(gather(target)).toEqual(target.map((t) => (t >= 0 && t < target.length ? t * 10 : null)));
    },
  );

  test.prop([fc.array(fc.integer({ min: -2, max: 12 }), { minLength: 1, maxLength: 12 })], { numRuns: 300 })(
    "aggregate(select(target, indices, ==), v) averages v over the positions that target q",
    (target) => {
      const expected = target.map((_, q) => {
        const ks = target.flatMap((t, k) => (t === q ? [k * 10] : []));
        return ks.length === 0 ? null : ks.reduce((a, b) => a + b, 0) / ks.length;
      });
      const out = scatter(target);
      expect(out.map((v) => v === null)).toEqual(expected.map((v) => v === null));
      out.forEach((v, i) => {
        if (v !== null) expect(v).toBeCloseTo(expected[i]!, 9);
      });
    },
  );

  test.prop([ints], { numRuns: 200 })("selector_width of a conjunction counts the pairs both parts select", (xs) => {
    expect(smallerBefore(xs)).toEqual(xs.map((x, q) => xs.filter((y, k) => k < q && y < x).length));
  });
});

// ---------------------------------------------------------------------------------- selector algebra

/** S-op expressions for select's keys and queries, each with its TypeScript meaning. */
const SOPS: readonly [string, (xs: readonly number[], i: number) => number][] = [
  ["tokens", (xs, i) => xs[i]!],
  ["indices", (_xs, i) => i],
  ["length - indices", (xs, i) => xs.length - i],
  ["tokens + 1", (xs, i) => xs[i]! + 1],
  ["indices % 2", (_xs, i) => i % 2],
  ["2", () => 2],
];
const COMPARE: Record<string, (k: number, q: number) => boolean> = {
  "==": (k, q) => k === q,
  "!=": (k, q) => k !== q,
  "<": (k, q) => k < q,
  "<=": (k, q) => k <= q,
  ">": (k, q) => k > q,
  ">=": (k, q) => k >= q,
};

interface Sel {
  readonly text: string;
  /** matrix[q][k] */
  readonly ref: (xs: readonly number[]) => boolean[][];
}

const grid = (xs: readonly number[], f: (q: number, k: number) => boolean): boolean[][] => xs.map((_, q) => xs.map((_, k) => f(q, k)));
const zipWith = (a: boolean[][], b: boolean[][], f: (x: boolean, y: boolean) => boolean): boolean[][] => a.map((row, q) => row.map((x, k) => f(x, b[q]![k]!)));

const baseSelector: fc.Arbitrary<Sel> = fc
  .tuple(fc.integer({ min: 0, max: SOPS.length - 1 }), fc.integer({ min: 0, max: SOPS.length - 1 }), fc.constantFrom(...Object.keys(COMPARE)))
  .map(([ki, qi, op]) => {
    const [kText, kf] = SOPS[ki]!;
    const [qText, qf] = SOPS[qi]!;
    return { text: `select(${kText}, ${qText}, ${op})`, ref: (xs) => grid(xs, (q, k) => COMPARE[op]!(kf(xs, k), qf(xs, q))) };
  });

const { selector } = fc.letrec<{ selector: Sel }>((tie) => ({
  selector: fc.oneof(
    { depthSize: "small" },
    baseSelector,
    fc.tuple(tie("selector"), tie("selector")).map(([a, b]): Sel => ({ text: `(${a.text} and ${b.text})`, ref: (xs) => zipWith(a.ref(xs), b.ref(xs), (x, y) => x && y) })),
    fc.tuple(tie("selector"), tie("selector")).map(([a, b]): Sel => ({ text: `(${a.text} or ${b.text})`, ref: (xs) => zipWith(a.ref(xs), b.ref(xs), (x, y) => x || y) })),
    tie("selector").map((a): Sel => ({ text: `(not ${a.text})`, ref: (xs) => a.ref(xs).map((row) => row.map((x) => !x)) })),
  ),
}));

const smallInts = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 7 });
const matrix = (interp: Interpreter, name: string, xs: readonly number[]): number[][] => evaluateSelector(selectorOf(interp, name), xs).map((r) => [...r]);
const asBits = (m: boolean[][]): number[][] => m.map((r) => r.map((b) => (b ? 1 : 0)));

describe("selector algebra on random selectors and inputs", () => {
  test.prop([selector, smallInts], { numRuns: 200 })("a selector selects what its definition says (key k for query q when op(keys[k], queries[q]))", (s, xs) => {
    const i = run(`s = ${s.text};`);
    expect(matrix(i, "s", xs)).toEqual(asBits(s.ref(xs)));
  });

  test.prop([selector, smallInts], { numRuns: 150 })("not not s ≡ s", (s, xs) => {
    const i = run(`s = ${s.text}; nn = not not s;`);
    expect(matrix(i, "nn", xs)).toEqual(matrix(i, "s", xs));
  });

  test.prop([selector, selector, smallInts], { numRuns: 150 })("De Morgan: not (a and b) ≡ not a or not b", (a, b, xs) => {
    const i = run(`a = ${a.text}; b = ${b.text}; l = not (a and b); r = not a or not b;`);
    expect(matrix(i, "l", xs)).toEqual(matrix(i, "r", xs));
  });

  test.prop([selector, selector, smallInts], { numRuns: 150 })("De Morgan: not (a or b) ≡ not a and not b", (a, b, xs) => {
    const i = run(`a = ${a.text}; b = ${b.text}; l = not (a or b); r = not a and not b;`);
    expect(matrix(i, "l", xs)).toEqual(matrix(i, "r", xs));
  });

  test.prop([selector, smallInts], { numRuns: 150 })("selector_width is the row count, and aggregate of indices is the selected mean", (s, xs) => {
    const i = run(`s = ${s.text}; w = selector_width(s); m = aggregate(s, indices, -1);`);
    const ref = s.ref(xs);
    expect(evaluateSOp(sopOf(i, "w"), xs)).toEqual(ref.map((row) => row.filter(Boolean).length));
    const means = evaluateSOp(sopOf(i, "m"), xs);
    ref.forEach((row, q) => {
      const ks = row.flatMap((b, k) => (b ? [k] : []));
      if (ks.length === 0) expect(means[q]).toBe(-1);
      else expect(means[q]).toBeCloseTo(ks.reduce((x, y) => x + y, 0) / ks.length, 9);
    });
  });
});

// ------------------------------------------------------------------------------- robustness

/** Random well-formed expressions over everything the language has; most are ill-typed, which is the point. */
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("tokens", "indices", "length", "1", "0", "-1", "2.5", '"a"', "None", "True", "xs", "d", "s", "f", "[]"),
    fc.tuple(tie("expr"), fc.constantFrom("+", "-", "*", "/", "%", "^", "==", "!=", "<", ">=", "and", "or", "in"), tie("expr")).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom("not ", "-", "round(", "indicator(", "selector_width(", "f(", "numerical(", "categorical(", "len("), tie("expr")).map(([op, a]) => (op.endsWith("(") ? `${op}${a})` : `(${op}${a})`)),
    fc.tuple(tie("expr"), tie("expr"), tie("expr")).map(([a, c, b]) => `(${a} if ${c} else ${b})`),
    fc.tuple(tie("expr"), tie("expr"), fc.constantFrom("==", "<", ">=", "!=")).map(([k, q, op]) => `select(${k}, ${q}, ${op})`),
    fc.tuple(tie("expr"), tie("expr")).map(([sel, v]) => `aggregate(${sel}, ${v})`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, i]) => `${a}[${i}]`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, i]) => `${a}(${i})`),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `[${a}, ${b}]`),
    tie("expr").map((a) => `[v * 2 for v in ${a}]`),
    tie("expr").map((a) => `range(${a})`),
  ),
}));

const PRELUDE = "xs = [1, 2, 3]; d = {1: 2}; s = select(indices, indices, <=); def f(a) { return a; }";

describe("the interpreter fails only with diagnostics", () => {
  test.prop([fc.array(expr, { minLength: 1, maxLength: 6 }), fc.oneof(ints, letters)], { numRuns: 400 })(
    "running random statements and evaluating their s-ops throws nothing but RaspError or ParseFailure",
    (exprs, input) => {
      const interp = new Interpreter();
      interp.runSource("prelude.rasp", PRELUDE);
      // One statement at a time, so that an ill-typed statement does not keep the later ones from running.
      exprs.forEach((e, k) => {
        try {
          interp.runSource("fuzz.rasp", `v${k} = ${e};`);
        } catch (err) {
          if (!(err instanceof RaspError || err instanceof ParseFailure)) throw err;
        }
      });
      for (const [, v] of interp.globals.ownEntries()) {
        if (!isSOp(v)) continue;
        try {
          evaluateSOp(v as SOp, input);
        } catch (err) {
          if (!(err instanceof RaspError)) throw err;
        }
      }
    },
  );
});
