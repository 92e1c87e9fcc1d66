// Exact where Tracr is not: the places where Tracr's compiled models are known to be approximate
// (selector_width past w(w+1) > 100, numerical MLPs with a fixed slope, soft attention over many
// keys, categorical→numerical maps, None) checked on compiled models against the interpreter,
// which is the only oracle here. Long inputs are sorted by length and verified in small batches so
// that short inputs do not pay for the longest one's padding.
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledFile } from "../../compiler/compileFile.js";
import { GraphEvaluator } from "../../compiler/rasp/evaluate.js";
import { atomEquals, type Atom } from "../../compiler/rasp/values.js";
import { initTfjs } from "../../runtime/forward/forward.js";
import { decodeOutputs } from "../../runtime/forward/outputs.js";
import { hookNames, patternOffset } from "../../compiler/model/hooks.js";
import { makeRng, type Rng } from "../../runtime/random.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { createRunner } from "../../runtime/forward/runModel.js";
import { makeTokenizer } from "../../runtime/forward/tokenize.js";
import { describeDeparture, exhaustiveCount, exhaustiveInputs, randomInputs, verifyModel, type VerifyReport } from "../../runtime/verify.js";
import { compileProgram, inline, library, sopOf, type TestProgram } from "../helpers/programs.js";


beforeAll(async () => {
  await initTfjs();
});

function compile(p: TestProgram, vocab: readonly Atom[], maxLen: number): CompiledFile {
  return compileProgram(p, { vocab, maxLen });
}

async function verify(p: TestProgram, vocab: readonly Atom[], maxLen: number, inputs: Iterable<Atom[]>): Promise<VerifyReport> {
  const { model, sop } = compile(p, vocab, maxLen);
  const runner = await createRunner(model);
  try {
    const sorted = [...inputs].sort((a, b) => a.length - b.length);
    return await verifyModel(model, sop, sorted, runner, { batchSize: 64 });
  } finally {
    runner.dispose();
  }
}

function expectAgreement(report: VerifyReport, minCompared = 1): void {
  const shown = report.mismatches.map((m) => `${JSON.stringify(m.input)}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}; ${describeDeparture(m.departure ?? null)}`);
  expect(shown).toEqual([]);
  expect(report.mismatchCount).toBe(0);
  expect(report.total - report.skipped, report.firstSkipReason ?? "").toBeGreaterThanOrEqual(minCompared);
}

const rep = <T>(n: number, x: T): T[] => new Array<T>(n).fill(x);
const random = (vocab: readonly Atom[], maxLen: number, count: number, seed: number): Atom[][] => [...randomInputs(vocab, maxLen, count, makeRng(seed))];

describe("selector_width, length and reverse at long max lengths", () => {
  const vocab = ["a", "b", "c", "d"];
  const programs: { name: string; program: () => TestProgram }[] = [
    { name: "hist.rasp (selector_width)", program: () => library("hist.rasp") },
    // Width 0 only arises when a query can select nothing, which hist's selector never does.
    { name: 'selector_width(select(tokens, "a", ==))', program: () => inline('out = selector_width(select(tokens, "a", ==));\n') },
    { name: "length.rasp", program: () => library("length.rasp") },
    { name: "reverse.rasp", program: () => library("reverse.rasp") },
  ];
  for (const maxLen of [10, 20, 40]) {
    for (const p of programs) {
      it(`${p.name} at max length ${maxLen}`, async () => {
        // Every width 0..maxLen at the longest length, and every length.
        const constructed: Atom[][] = [];
        for (let w = 0; w <= maxLen; w++) constructed.push([...rep(w, "a"), ...rep(maxLen - w, "b")]);
        for (let n = 1; n < maxLen; n++) constructed.push(rep(n, "a"));
        const count = maxLen === 40 ? 200 : 100;
        expectAgreement(await verify(p.program(), vocab, maxLen, [...constructed, ...random(vocab, maxLen, count, maxLen)]), constructed.length + count);
      });
    }
  }
});

describe("maps of a numerical mean are exact on every k/n", () => {
  const frac = 'frac = numerical(aggregate(select(indices, indices, <=), numerical(indicator(tokens == "a")), 0));\n';
  const programs = [
    "out = frac > 0.5;", // k/n = 1/2 sits on the threshold
    "out = frac == 0.5;",
    "out = round(frac * 10);", // 1/4 and 3/4 round half to even
    "out = numerical(round(frac * 10) - 5);",
    "out = frac < 1/3 or frac > 2/3;",
  ];
  /**
   * a^k b^(maxLen-k) for every k: its prefix of length n holds k/n for every n >= k, so these
   * inputs reach every fraction k/n with n <= maxLen. Their reverses add other orders.
   */
  const allFractions = (maxLen: number): Atom[][] => {
    const out: Atom[][] = [];
    for (let k = 0; k <= maxLen; k++) {
      const x = [...rep(k, "a"), ...rep(maxLen - k, "b")];
      out.push(x, [...x].reverse());
    }
    return out;
  };
  for (const body of programs) {
    it(`${body} on every input over {a, b} up to length 10`, async () => {
      const report = await verify(inline(frac + body + "\n"), ["a", "b"], 10, exhaustiveInputs(["a", "b"], 10));
      expect(report.total).toBe(exhaustiveCount(2, 10));
      expectAgreement(report, report.total);
    });
    it(`${body} on every k/n with n <= 40`, async () => {
      const inputs = allFractions(40);
      expectAgreement(await verify(inline(frac + body + "\n"), ["a", "b", "c"], 40, inputs), inputs.length);
    });
  }
});

describe("categorical → numerical maps carry negative outputs", () => {
  const vocab = [1, 2, 3, 4];
  for (const body of [
    "out = numerical(tokens - 3);",
    "out = numerical(tokens - indices);",
    "out = numerical(aggregate(select(indices, indices, <=), numerical(tokens - 3), 0));",
  ]) {
    it(`${body} on every input up to length 5`, async () => {
      const program = inline(body + "\n");
      const report = await verify(program, vocab, 5, exhaustiveInputs(vocab, 5));
      const sop = sopOf(program);
      expectAgreement(report, exhaustiveCount(4, 5));
      // The interpreter's values really are negative somewhere: the test would be vacuous otherwise.
      expect((new GraphEvaluator(sop).run([1, 1, 1]).get(sop.id) as number[]).some((x) => x < 0)).toBe(true);
    });
  }
});

describe("attention is as sharp in the assembled weights as in the construction", () => {
  it("a mean over every key at max length 40 is the mean", async () => {
    const vocab = [-3, 0, 2, 5];
    const program = inline("v = numerical(tokens + 0);\nall = select(indices, indices, <=) or select(indices, indices, >);\nout = numerical(aggregate(all, v, 0));\n");
    const inputs = [...random(vocab, 40, 150, 7), rep(40, 5), rep(40, -3), [...rep(39, 0), 5]];
    expectAgreement(await verify(program, vocab, 40, inputs), inputs.length);
  });

  it("a head selecting about half of 40 keys puts 1/w on each selected key and nothing elsewhere", () => {
    const vocab = ["a", "b"];
    const { model, sop } = compile(inline('pos = numerical(indices + 0);\nout = numerical(aggregate(select(tokens, tokens, ==), pos, 0));\n'), vocab, 40);
    const layer = model.layers.findIndex((l) => l.attention.some((h) => h.label === "out"));
    expect(layer).toBeGreaterThanOrEqual(0);
    const head = model.layers[layer]!.attention.findIndex((h) => h.label === "out");
    const tok = makeTokenizer(model);
    const rng = makeRng(11);
    const inputs = Array.from({ length: 12 }, () => Array.from({ length: 40 }, () => vocab[rng.int(2)]!));
    const result = referenceForward(model, inputs.map((x) => tok.encode(x, "t")), { hooks: true });
    const pattern = result.hooks!.get(hookNames.pattern(layer))!;
    const seq = result.seqLen;
    const heads = model.layers[layer]!.attention.length;
    let worst = 0;
    inputs.forEach((input, b) => {
      input.forEach((t, q) => {
        const width = input.filter((u) => u === t).length;
        // Model positions are input positions + 1; key 0 is BOS, which must get nothing.
        const row = patternOffset(heads, seq, b, head) + (q + 1) * seq;
        worst = Math.max(worst, pattern[row]!);
        input.forEach((u, k) => {
          worst = Math.max(worst, Math.abs(pattern[row + k + 1]! - (u === t ? 1 / width : 0)));
        });
      });
    });
    expect(worst).toBeLessThan(1e-6);
    const want = inputs.map((x) => new GraphEvaluator(sop).run(x).get(sop.id) as number[]);
    decodeOutputs(model, result).forEach((row, b) => row.forEach((y, i) => expect(Math.abs((y as number) - want[b]![i]!)).toBeLessThan(1e-6)));
  });
});

describe("padding positions are never attended", () => {
  const cases: { file: string; vocab: Atom[]; maxLen: number }[] = [
    { file: "frac_prevs.rasp", vocab: ["h", "e", "l", "o"], maxLen: 10 },
    { file: "sort.rasp", vocab: [1, 2, 3, 4], maxLen: 5 },
    { file: "shift_by.rasp", vocab: ["a", "b", "c", "d"], maxLen: 8 },
    { file: "hist.rasp", vocab: ["a", "b", "c", "d"], maxLen: 10 },
  ];
  for (const c of cases) {
    it(`${c.file}: a batch of mixed lengths decodes as each input alone`, async () => {
      const { model } = compile(library(c.file), c.vocab, c.maxLen);
      const tok = makeTokenizer(model);
      const ids = random(c.vocab, c.maxLen, 48, 21).map((x) => tok.encode(x, "t"));
      const runner = await createRunner(model);
      try {
        const batched = await runner.decode(ids);
        // Float32 sums may be ordered differently in a batch: numbers agree to float32 precision.
        const same = (a: Atom, b: Atom): boolean =>
          typeof a === "number" && typeof b === "number" ? Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)) : atomEquals(a, b);
        for (const [b, row] of ids.entries()) {
          const alone = (await runner.decode([row]))[0]!;
          const reference = decodeOutputs(model, referenceForward(model, [row]))[0]!;
          expect(batched[b]!.length).toBe(row.length - 1);
          batched[b]!.forEach((y, i) => {
            expect(same(y, alone[i]!), `input ${b} position ${i}: batched ${y}, alone ${alone[i]}`).toBe(true);
            expect(same(y, reference[i]!), `input ${b} position ${i}: batched ${y}, reference ${reference[i]}`).toBe(true);
          });
        }
        // Every head, every layer: no weight at all on a padded key.
        const r = await runner.forward(ids, { hooks: true });
        model.layers.forEach((layer, l) =>
          layer.attention.forEach((_, h) => {
            const pattern = r.hooks!.get(hookNames.pattern(l))!;
            for (let b = 0; b < r.batch; b++) {
              const at = patternOffset(layer.attention.length, r.seqLen, b, h);
              for (let q = 0; q < r.lengths[b]!; q++) for (let k = r.lengths[b]!; k < r.seqLen; k++) expect(pattern[at + q * r.seqLen + k]).toBe(0);
            }
          }),
        );
      } finally {
        runner.dispose();
      }
    });
  }
});

describe("a RASP None decodes as null, not as the smallest value", () => {
  const cases: { name: string; program: () => TestProgram; vocab: Atom[]; maxLen: number; none: number[] }[] = [
    { name: "shift_by.rasp, letters", program: () => library("shift_by.rasp"), vocab: ["a", "b", "c", "d"], maxLen: 5, none: [0] },
    // With numbers, the smallest value (and the falsy one) is 0, which a careless decoder picks.
    { name: "shift_by.rasp, numbers from 0", program: () => library("shift_by.rasp"), vocab: [0, 1, 2, 3], maxLen: 5, none: [0] },
    { name: "aggregate(select(indices, indices, <), tokens)", program: () => inline("out = aggregate(select(indices, indices, <), tokens);\n"), vocab: ["a", "b", "c"], maxLen: 5, none: [0] },
    { name: "detect_pattern.rasp", program: () => library("detect_pattern.rasp"), vocab: ["a", "b", "c"], maxLen: 6, none: [0, 1] },
  ];
  for (const c of cases) {
    it(`${c.name}: positions ${c.none.join(", ")}`, async () => {
      const { model, sop } = compile(c.program(), c.vocab, c.maxLen);
      const tok = makeTokenizer(model);
      const inputs = [...exhaustiveInputs(c.vocab, c.maxLen)].filter((x) => x.length > Math.max(...c.none));
      const evaluator = new GraphEvaluator(sop, { undefinedOnConflict: true });
      const runner = await createRunner(model);
      try {
        const got = await runner.decode(inputs.map((x) => tok.encode(x, "t")));
        inputs.forEach((input, b) => {
          const want = evaluator.run(input).get(sop.id) as Atom[];
          for (const i of c.none) {
            expect(want[i], `interpreter at position ${i} of ${JSON.stringify(input)}`).toBeNull();
            expect(got[b]![i], `model at position ${i} of ${JSON.stringify(input)}`).toBeNull();
          }
        });
        expectAgreement(await verifyModel(model, sop, inputs, runner), inputs.length);
      } finally {
        runner.dispose();
      }
    });
  }
});

/** A random balanced word of `pairs` pairs over one bracket pair, each shape reachable. */
function dyckWord(rng: Rng, pairs: number, open: string, close: string): string[] {
  const out: string[] = [];
  let depth = 0;
  for (let left = 2 * pairs; left > 0; left--) {
    const canOpen = depth + 1 <= left - 1;
    const doOpen = canOpen && (depth === 0 || rng.int(2) === 0);
    out.push(doOpen ? open : close);
    depth += doOpen ? 1 : -1;
  }
  return out;
}

/** Merges two sequences in a random order that keeps each one's own order. */
function interleave(rng: Rng, a: readonly string[], b: readonly string[]): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && rng.int(a.length - i + b.length - j) < a.length - i)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** One bracket changed, two swapped, or the last one dropped: inputs just off balance. */
function nearMiss(rng: Rng, word: readonly string[], vocab: readonly string[]): string[] {
  const w = [...word];
  const i = rng.int(w.length);
  const kind = rng.int(3);
  if (kind === 0) w[i] = vocab[rng.int(vocab.length)]!;
  else if (kind === 1 && w.length > 1) {
    const j = (i + 1) % w.length;
    [w[i], w[j]] = [w[j]!, w[i]!];
  } else if (w.length > 1) w.pop();
  return w;
}

describe("the bracket programs at max length 40", () => {
  const maxLen = 40;
  const brackets = ["a", "b", "c", "(", ")"];
  const dyck1 = (rng: Rng): string[] => {
    const fillers = Array.from({ length: rng.int(11) }, () => "abc"[rng.int(3)]!);
    return interleave(rng, dyckWord(rng, 1 + rng.int(15), "(", ")"), fillers);
  };
  const dyck2 = (rng: Rng): string[] => interleave(rng, dyckWord(rng, rng.int(11), "(", ")"), dyckWord(rng, 1 + rng.int(10), "{", "}"));

  const cases: { file: string; vocab: string[]; balanced: (rng: Rng) => string[]; randomCount: number }[] = [
    { file: "pair_balance.rasp", vocab: brackets, balanced: dyck1, randomCount: 300 },
    { file: "shuffle_dyck.rasp", vocab: brackets, balanced: dyck1, randomCount: 200 },
    { file: "shuffle_dyck2.rasp", vocab: ["(", ")", "{", "}"], balanced: dyck2, randomCount: 150 },
  ];
  for (const c of cases) {
    it(`${c.file}: random inputs, random balanced words and near misses`, async () => {
      const program = library(c.file);
      const rng = makeRng(40);
      const balanced = Array.from({ length: 60 }, () => c.balanced(rng)).filter((w) => w.length <= maxLen);
      const misses = balanced.slice(0, 40).map((w) => nearMiss(rng, w, c.vocab.filter((t) => !"abc".includes(t))));
      const inputs = [...random(c.vocab, maxLen, c.randomCount, 41), ...balanced, ...misses];
      if (c.file !== "pair_balance.rasp") {
        // The generator is right: the interpreter calls every generated word balanced.
        const sop = sopOf(program);
        const ev = new GraphEvaluator(sop);
        for (const w of balanced) expect(ev.run(w).get(sop.id), JSON.stringify(w)).toEqual(rep(w.length, true));
      }
      expect(balanced.length).toBeGreaterThan(40);
      expectAgreement(await verify(program, c.vocab, maxLen, inputs), inputs.length);
    });
  }
});

describe("means of non-integer values keep every double the interpreter can compute", () => {
  // (0.1+0.1+0.1)/6 is 0.05000000000000001, not 0.05: the interpreter computes both at max length
  // 6, and `> 0.05` tells them apart. No model can be exact there, so the compiler must refuse,
  // naming the values, rather than keep one stand-in and be wrong on the other.
  const program = (threshold: number) =>
    inline(`y = numerical(tokens + 0);\nm = numerical(aggregate(select(indices, indices, <=), y, 0));\nout = m > ${threshold};\n`);

  it("refuses a comparison that falls between two roundings of one mean", () => {
    expect(() => compile(program(0.05), [0, 0.1], 6)).toThrow(/0\.05 and 0\.05000000000000001 are too close to tell apart/);
    expect(() => compile(program(0.3), [0.1, 0.2, 0.7], 6)).toThrow(/too close to tell apart .* but map to different outputs/);
  });

  it("compiles and agrees exactly where no rounding straddles the comparison", async () => {
    expectAgreement(await verify(program(0.05), [0, 0.1], 2, exhaustiveInputs([0, 0.1], 2)), 6);
    expectAgreement(await verify(program(0.3), [0.1, 0.2, 0.7], 3, exhaustiveInputs([0.1, 0.2, 0.7], 3)), 39);
    expectAgreement(await verify(program(0.33), [0.1, 0.2, 0.7], 6, exhaustiveInputs([0.1, 0.2, 0.7], 6)), 1092);
  });
});
