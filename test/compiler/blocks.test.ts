// The craft blocks of compiler/craft/blocks.ts, one construction at a time, evaluated in Float64
// over named residual directions (no assembly, no engine): an MLP is relu(W1 x + b1) then W2, a
// head is a softmax over every position of a small hand-built residual, BOS included. The checks
// are against the mathematical function each block claims to compute, so a wrong block is caught
// here before assembly or the engines could hide (or cause) the difference.
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import {
  BOS_DIR,
  BlockError,
  ONE_DIR,
  aggregateHead,
  dirName,
  discretisingMlp,
  linearMlp,
  lookupTableMlp,
  selectorWidthHead,
  selectorWidthMlp,
  type HeadSpec,
  type MlpSpec,
  type SOpLayout,
  type SelectLiteral,
} from "../../compiler/craft/blocks.js";
import { atomEquals, formatAtom, type Atom } from "../../compiler/rasp/values.js";

/** A residual at one position: direction name → value (absent = 0). */
type Resid = ReadonlyMap<string, number>;

/** Index errors in a spec would read as NaN or be silently dropped below, so they are refused first. */
function checkShape(spec: MlpSpec): void {
  if (spec.b1.length !== spec.hidden) throw new Error(`${spec.label}: ${spec.b1.length} biases for ${spec.hidden} units`);
  for (const [, u] of spec.w1) if (!(u >= 0 && u < spec.hidden)) throw new Error(`${spec.label}: w1 names unit ${u}`);
  for (const [u] of spec.w2) if (!(u >= 0 && u < spec.hidden)) throw new Error(`${spec.label}: w2 names unit ${u}`);
}

function runMlp(spec: MlpSpec, x: Resid): Map<string, number> {
  checkShape(spec);
  const h = spec.b1.slice();
  for (const [dir, unit, w] of spec.w1) h[unit]! += (x.get(dir) ?? 0) * w;
  const y = new Map<string, number>();
  for (const [unit, dir, w] of spec.w2) y.set(dir, (y.get(dir) ?? 0) + Math.max(0, h[unit]!) * w);
  return y;
}

/** Every position's head output (what it adds to the residual); position 0 is BOS. */
function runHead(head: HeadSpec, xs: readonly Resid[]): Map<string, number>[] {
  const project = (entries: HeadSpec["wq"], x: Resid, width: number): Float64Array => {
    const v = new Float64Array(width);
    for (const [dir, j, w] of entries) {
      if (!(j >= 0 && j < width)) throw new Error(`${head.label}: entry for ${dir} names column ${j} of ${width}`);
      v[j]! += (x.get(dir) ?? 0) * w;
    }
    return v;
  };
  const q = xs.map((x) => project(head.wq, x, head.dHead));
  const k = xs.map((x) => project(head.wk, x, head.dHead));
  const v = xs.map((x) => project(head.wv, x, head.dValue));
  return q.map((qp) => {
    const scores = k.map((kp) => kp.reduce((s, kj, j) => s + kj * qp[j]!, 0));
    const max = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - max));
    const sum = e.reduce((a, b) => a + b, 0);
    const z = new Float64Array(head.dValue);
    e.forEach((ek, kp) => v[kp]!.forEach((vj, j) => (z[j]! += (ek / sum) * vj)));
    const out = new Map<string, number>();
    for (const [j, dir, w] of head.wo) out.set(dir, (out.get(dir) ?? 0) + z[j]! * w);
    return out;
  });
}

function resid(entries: Record<string, number>): Resid {
  return new Map([[ONE_DIR, 1], ...Object.entries(entries)]);
}
const BOS: Resid = resid({ [BOS_DIR]: 1 });

function categorical(name: string, values: readonly Atom[]): SOpLayout {
  return { name, encoding: "categorical", values };
}
function numerical(name: string, values: readonly Atom[] = []): SOpLayout {
  return { name, encoding: "numerical", values };
}
function oneHot(layout: SOpLayout, value: Atom): Record<string, number> {
  return value === null ? {} : { [dirName(layout.name, value)]: 1 };
}

/**
 * `y` holds `value` in `out`'s encoding (None: every direction 0) to within `tol`, and writes no
 * direction that does not belong to `out`.
 */
function expectHolds(y: ReadonlyMap<string, number>, out: SOpLayout, value: Atom | undefined, tol = 1e-9): void {
  const own = out.encoding === "numerical" ? [out.name] : out.values.filter((v) => v !== null).map((v) => dirName(out.name, v));
  for (const [dir, x] of y) if (!own.includes(dir)) expect(Math.abs(x), `stray write to ${dir}`).toBeLessThanOrEqual(tol);
  if (out.encoding === "numerical") {
    const want = value === undefined || value === null ? 0 : Number(value);
    expect(Math.abs((y.get(out.name) ?? 0) - want), `${out.name} = ${y.get(out.name) ?? 0}, expected ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));
    return;
  }
  for (const v of out.values) {
    if (v === null) continue;
    const want = value !== undefined && value !== null && atomEquals(v, value) ? 1 : 0;
    const got = y.get(dirName(out.name, v)) ?? 0;
    expect(Math.abs(got - want), `${out.name}:${formatAtom(v)} = ${got}, expected ${want} (value ${value === undefined ? "none" : formatAtom(value)})`).toBeLessThanOrEqual(tol);
  }
}

describe("lookupTableMlp", () => {
  it("maps every value of one categorical input, and None to nothing", () => {
    const input = categorical("tokens", ["a", "b", "c", true]);
    const out = categorical("out", ["x", "y"]);
    const f = (t: Atom): Atom | undefined => (t === "a" ? "x" : t === "b" ? "y" : t === "c" ? null : undefined);
    const spec = lookupTableMlp("out", [input], out, f);
    for (const t of input.values) expectHolds(runMlp(spec, resid(oneHot(input, t))), out, f(t));
    expectHolds(runMlp(spec, resid({})), out, null);
  });

  it("writes numerical outputs, negative ones included", () => {
    const input = categorical("tokens", [1, 2, 3, 4]);
    const out = numerical("out");
    const spec = lookupTableMlp("out", [input], out, (t) => (t as number) - 3);
    for (const t of [1, 2, 3, 4]) expectHolds(runMlp(spec, resid(oneHot(input, t))), out, t - 3, 0);
  });

  // Random tables over one to three inputs: each unit must fire for its combination only, so
  // every combination, and every combination with one input None, is checked.
  const tables = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 })
    .chain((sizes) => {
      const combos = sizes.reduce((a, b) => a * b, 1);
      return fc.record({
        sizes: fc.constant(sizes),
        table: fc.array(fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }), { minLength: combos, maxLength: combos }),
        numericalOut: fc.boolean(),
      });
    });
  test.prop([tables], { seed: 1101, numRuns: 60 })("several inputs: every combination of values, categorical or numerical out", ({ sizes, table, numericalOut }) => {
    const inputs = sizes.map((n, i) => categorical(`in${i}`, Array.from({ length: n }, (_, v) => v * 10 + i)));
    const index = (xs: Atom[]): number => xs.reduce<number>((acc, x, i) => acc * sizes[i]! + Math.floor((x as number) / 10), 0);
    const f = (...xs: Atom[]): Atom | undefined => table[index(xs)];
    const outValues = [...new Set(table.filter((y): y is number => y !== undefined))].sort((a, b) => a - b);
    const out = numericalOut ? numerical("out") : categorical("out", outValues);
    const spec = lookupTableMlp("out", inputs, out, f);
    const walk = (j: number, picked: Atom[]): void => {
      if (j === inputs.length) {
        const x = resid(Object.assign({}, ...picked.map((v, i) => oneHot(inputs[i]!, v))) as Record<string, number>);
        expectHolds(runMlp(spec, x), out, f(...picked), 0);
        // The same combination with input 0 missing (None) fires no unit.
        const partial = resid(Object.assign({}, ...picked.slice(1).map((v, i) => oneHot(inputs[i + 1]!, v))) as Record<string, number>);
        expectHolds(runMlp(spec, partial), out, null, 0);
        return;
      }
      for (const v of inputs[j]!.values) walk(j + 1, [...picked, v]);
    };
    walk(0, []);
  });
});

describe("discretisingMlp", () => {
  /** Distinct, well separated values (multiples of 1/den), with an output for each. */
  const valueSets = fc.record({
    ints: fc.uniqueArray(fc.integer({ min: -400, max: 400 }), { minLength: 1, maxLength: 25 }),
    den: fc.constantFrom(1, 3, 7, 40),
    band: fc.double({ min: 0.01, max: 0.5, noNaN: true }),
    outs: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 25, maxLength: 25 }),
    numericalOut: fc.boolean(),
  });
  const setup = ({ ints, den, band, outs, numericalOut }: { ints: number[]; den: number; band: number; outs: number[]; numericalOut: boolean }) => {
    const xs = ints.map((i) => i / den).sort((a, b) => a - b);
    const fx = new Map(xs.map((x, i) => [x, outs[i]!]));
    const f = (x: Atom): Atom | undefined => fx.get(x as number);
    const out = numericalOut ? numerical("out") : categorical("out", [...new Set(outs)].sort((a, b) => a - b));
    // Input values are given unsorted: the block must sort them itself.
    const spec = discretisingMlp("out", numerical("x", [...xs].reverse()), out, f, band);
    return { xs, f, out, spec };
  };

  test.prop([valueSets], { seed: 2202, numRuns: 100 })("maps every value of the input set to f(value)", (c) => {
    const { xs, f, out, spec } = setup(c);
    for (const x of xs) expectHolds(runMlp(spec, resid({ x })), out, f(x), 1e-7);
  });

  test.prop([valueSets, fc.double({ min: -0.999, max: 0.999, noNaN: true }), fc.nat()], { seed: 2203, numRuns: 200 })(
    "still decodes an input moved by less than (1 - band)/2 of the gap to its neighbour",
    (c, r, pick) => {
      const { xs, f, out, spec } = setup(c);
      const i = pick % xs.length;
      // Beyond the smallest or largest value there is no neighbour: any distance decodes.
      const gap = r < 0 ? (i > 0 ? xs[i]! - xs[i - 1]! : 1000) : i < xs.length - 1 ? xs[i + 1]! - xs[i]! : 1000;
      const x = xs[i]! + r * ((1 - c.band) / 2) * gap;
      expectHolds(runMlp(spec, resid({ x })), out, f(xs[i]!), 1e-6);
    },
  );

  // 1/2 - 1/3 is what pair_balance's opens - closes gives for 3/6 - 2/6; it misses 1/6 in the last bit.
  const near = 1 / 2 - 1 / 3;

  it("merges values equal up to rounding (1/2 - 1/3 and 1/6) into one", () => {
    expect(near).not.toBe(1 / 6);
    const out = categorical("out", ["low", "high"]);
    const f = (x: Atom): Atom | undefined => ((x as number) < 0.3 ? "low" : "high");
    const merged = discretisingMlp("out", numerical("x", [near, 1 / 6, 0.5, 1]), out, f);
    const apart = discretisingMlp("out", numerical("x", [1 / 6, 0.5, 1]), out, f);
    // A step between the two would need a ramp narrower than their last-bit difference.
    expect(merged.hidden).toBe(apart.hidden);
    for (const x of [near, 1 / 6]) expectHolds(runMlp(merged, resid({ x })), out, "low");
    for (const x of [0.5, 1]) expectHolds(runMlp(merged, resid({ x })), out, "high");
  });

  it("takes a merged value's output from whichever of the two has one", () => {
    const out = categorical("out", ["low", "high"]);
    for (const missing of [near, 1 / 6]) {
      const f = (x: Atom): Atom | undefined => (x === missing ? undefined : (x as number) < 0.3 ? "low" : "high");
      const spec = discretisingMlp("out", numerical("x", [near, 1 / 6, 0.5]), out, f);
      for (const x of [near, 1 / 6]) expectHolds(runMlp(spec, resid({ x })), out, "low");
    }
  });

  it("refuses two near-equal values with different outputs", () => {
    const out = categorical("out", ["a", "b", "c"]);
    const differ = (x: Atom): Atom | undefined => (x === near ? "a" : x === 1 / 6 ? "b" : "c");
    expect(() => discretisingMlp("out", numerical("x", [near, 1 / 6, 1]), out, differ)).toThrow(BlockError);
    // None is an output too: it cannot share a bucket with a value.
    const noneVsValue = (x: Atom): Atom | undefined => (x === near ? null : "a");
    expect(() => discretisingMlp("out", numerical("x", [1 / 6, near]), out, noneVsValue)).toThrow(BlockError);
  });

  it("keeps values that are close but not equal up to rounding apart", () => {
    const xs = [1 / 6, 1 / 6 + 1e-6];
    const out = categorical("out", ["a", "b"]);
    const f = (x: Atom): Atom | undefined => (x === xs[0] ? "a" : "b");
    const spec = discretisingMlp("out", numerical("x", xs), out, f);
    expectHolds(runMlp(spec, resid({ x: xs[0]! })), out, "a", 1e-6);
    expectHolds(runMlp(spec, resid({ x: xs[1]! })), out, "b", 1e-6);
  });
});

describe("linearMlp", () => {
  const real = fc.double({ min: -1e3, max: 1e3, noNaN: true });
  const cases = fc.integer({ min: 1, max: 4 }).chain((k) =>
    fc.record({
      coefficients: fc.array(fc.oneof(fc.constant(0), fc.constant(-1), fc.double({ min: -10, max: 10, noNaN: true })), { minLength: k, maxLength: k }),
      bias: fc.oneof(fc.constant(0), fc.double({ min: -50, max: 50, noNaN: true })),
      points: fc.array(fc.array(real, { minLength: k, maxLength: k }), { minLength: 1, maxLength: 10 }),
    }),
  );
  test.prop([cases], { seed: 3303, numRuns: 200 })("is bias + Σ c_i x_i on any reals, negative ones included", ({ coefficients, bias, points }) => {
    const inputs = coefficients.map((_, i) => numerical(`x${i}`));
    const out = numerical("out");
    const spec = linearMlp("out", inputs, out, coefficients, bias);
    for (const p of points) {
      const want = bias + p.reduce((s, x, i) => s + coefficients[i]! * x, 0);
      const scale = Math.abs(bias) + p.reduce((s, x, i) => s + Math.abs(coefficients[i]! * x), 0);
      const y = runMlp(spec, resid(Object.fromEntries(p.map((x, i) => [`x${i}`, x]))));
      expect([...y.keys()].every((d) => d === "out")).toBe(true);
      expect(Math.abs((y.get("out") ?? 0) - want)).toBeLessThanOrEqual(1e-12 * Math.max(1, scale));
    }
  });

  it("needs numerical inputs and output", () => {
    expect(() => linearMlp("out", [categorical("x", [1, 2])], numerical("out"), [1], 0)).toThrow();
    expect(() => linearMlp("out", [numerical("x")], categorical("out", [1, 2]), [1], 0)).toThrow();
  });
});

describe("selector width: selectorWidthHead + selectorWidthMlp", () => {
  const COLDNESS = 40; // the least the compiler uses
  const tokens = categorical("tokens", ["a", "b", "c"]);
  const sameToken: SelectLiteral = { keys: tokens, queries: tokens, table: (k, q) => atomEquals(k, q) };
  const isA: SelectLiteral = { keys: tokens, queries: tokens, table: (k) => k === "a" };

  /** The width s-op at every input position (BOS left out) for tokens `input`. */
  function widths(literals: SelectLiteral[], input: string[], maxLen: number, out: SOpLayout): Map<string, number>[] {
    const tmp = "w.attention_to_BOS";
    const head = selectorWidthHead("w", literals, COLDNESS, tmp);
    const mlp = selectorWidthMlp("w", tmp, maxLen, out);
    const xs = [BOS, ...input.map((t) => resid(oneHot(tokens, t)))];
    return runHead(head, xs)
      .slice(1)
      .map((a) => runMlp(mlp, resid({ [tmp]: a.get(tmp) ?? 0 })));
  }

  // Tracr decodes 1/(w+1) with a fixed slope of 100, which cannot tell w from w+1 once
  // w(w+1) > 100; here every width up to 40 must come out exact.
  for (const maxLen of [1, 5, 10, 20, 40]) {
    it(`gives every width 0..${maxLen} exactly at max length ${maxLen}`, () => {
      const out = categorical("w", Array.from({ length: maxLen + 1 }, (_, i) => i));
      const num = numerical("w");
      for (let w = 0; w <= maxLen; w++) {
        // With no unselected keys, and with as many as fit: leakage to them must not matter.
        for (const n of new Set([Math.max(1, w), maxLen])) {
          const input = Array.from({ length: n }, (_, i) => (i < w ? "a" : "b"));
          for (const y of widths([isA], input, maxLen, out)) expectHolds(y, out, w, 1e-6);
          for (const y of widths([isA], input, maxLen, num)) expectHolds(y, num, w, 1e-6);
        }
      }
    });
  }

  test.prop([fc.array(fc.constantFrom("a", "b", "c"), { minLength: 1, maxLength: 40 })], { seed: 4404, numRuns: 40 })(
    "query-dependent widths (how often each position's token occurs) at max length 40",
    (input) => {
      const out = categorical("w", Array.from({ length: 41 }, (_, i) => i));
      widths([sameToken], input, 40, out).forEach((y, p) => expectHolds(y, out, input.filter((t) => t === input[p]).length, 1e-6));
    },
  );

  it("counts a conjunction of two literals", () => {
    const indices = categorical("indices", Array.from({ length: 12 }, (_, i) => i));
    const earlier: SelectLiteral = { keys: indices, queries: indices, table: (k, q) => (k as number) < (q as number) };
    const tmp = "w.attention_to_BOS";
    const out = categorical("w", Array.from({ length: 13 }, (_, i) => i));
    const head = selectorWidthHead("w", [sameToken, earlier], COLDNESS, tmp);
    const mlp = selectorWidthMlp("w", tmp, 12, out);
    const input = ["a", "b", "a", "a", "c", "b", "a", "c", "a", "a", "b", "a"];
    const xs = [BOS, ...input.map((t, i) => resid({ ...oneHot(tokens, t), ...oneHot(indices, i) }))];
    runHead(head, xs)
      .slice(1)
      .forEach((a, p) => {
        const want = input.slice(0, p).filter((t) => t === input[p]).length;
        expectHolds(runMlp(mlp, resid({ [tmp]: a.get(tmp) ?? 0 })), out, want, 1e-6);
      });
  });
});

describe("aggregateHead", () => {
  const COLDNESS = 40;
  const maxLen = 12;
  const indices = categorical("indices", Array.from({ length: maxLen }, (_, i) => i));
  const tokens = categorical("tokens", ["a", "b", "c"]);
  const lit = (table: (k: number, q: number) => boolean): SelectLiteral => ({ keys: indices, queries: indices, table: (k, q) => table(k as number, q as number) });
  const previous = lit((k, q) => k === q - 1);
  const upTo = lit((k, q) => k <= q);
  const before = lit((k, q) => k < q);

  function positions(input: readonly Record<string, number>[]): Resid[] {
    return [BOS, ...input.map((x, i) => resid({ ...x, ...oneHot(indices, i) }))];
  }

  it("categorical: copies the selected key's value; nothing selected gives the default", () => {
    const input = ["b", "a", "c", "c", "a", "b"];
    const xs = positions(input.map((t) => oneHot(tokens, t)));
    for (const dflt of [null, "c"] as Atom[]) {
      const out = categorical("shifted", tokens.values);
      const ys = runHead(aggregateHead("shifted", [previous], COLDNESS, tokens, out, dflt), xs).slice(1);
      ys.forEach((y, p) => expectHolds(y, out, p === 0 ? dflt : input[p - 1]!, 1e-6));
    }
  });

  it("categorical: several selected keys with one value give that value", () => {
    const same: SelectLiteral = { keys: tokens, queries: tokens, table: (k, q) => k === q };
    const input = ["a", "b", "a", "a", "c", "b", "a"];
    const xs = positions(input.map((t) => oneHot(tokens, t)));
    const out = categorical("same", tokens.values);
    runHead(aggregateHead("same", [same], COLDNESS, tokens, out, null), xs)
      .slice(1)
      .forEach((y, p) => expectHolds(y, out, input[p]!, 1e-6));
  });

  test.prop([fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: maxLen })], { seed: 5505, numRuns: 100 })(
    "numerical: the mean of the selected values",
    (values) => {
      const xs = positions(values.map((x) => ({ x })));
      const out = numerical("mean");
      const ys = runHead(aggregateHead("mean", [upTo], COLDNESS, numerical("x"), out, 0), xs).slice(1);
      ys.forEach((y, p) => {
        const sel = values.slice(0, p + 1);
        expectHolds(y, out, sel.reduce((a, b) => a + b, 0) / sel.length, 1e-6);
      });
    },
  );

  it("numerical: nothing selected gives the default (0 and otherwise)", () => {
    const values = [3, -1.5, 4, 0.25];
    const xs = positions(values.map((x) => ({ x })));
    for (const dflt of [0, 7.5, -2]) {
      const out = numerical("prev_mean");
      runHead(aggregateHead("prev_mean", [before], COLDNESS, numerical("x"), out, dflt), xs)
        .slice(1)
        .forEach((y, p) => {
          const sel = values.slice(0, p);
          expectHolds(y, out, p === 0 ? dflt : sel.reduce((a, b) => a + b, 0) / sel.length, 1e-6);
        });
    }
  });

  it("a conjunction: only keys that satisfy every literal count, else the default", () => {
    const same: SelectLiteral = { keys: tokens, queries: tokens, table: (k, q) => k === q };
    const input = ["a", "b", "a", "c", "b", "a", "c", "a"];
    const values = [1, 2, 3, 5, 8, 13, 21, 34];
    const xs = positions(input.map((t, i) => ({ ...oneHot(tokens, t), x: values[i]! })));
    const out = numerical("m");
    runHead(aggregateHead("m", [same, before], COLDNESS, numerical("x"), out, -1), xs)
      .slice(1)
      .forEach((y, p) => {
        const sel = values.filter((_, k) => k < p && input[k] === input[p]);
        expectHolds(y, out, sel.length === 0 ? -1 : sel.reduce((a, b) => a + b, 0) / sel.length, 1e-6);
      });
  });

  it("reports what it writes at BOS, so assembly can cancel it", () => {
    const head = aggregateHead("d", [previous], COLDNESS, tokens, categorical("d", tokens.values), "c");
    const atBos = runHead(head, positions([oneHot(tokens, "a")]))[0]!;
    for (const [dir, w] of head.bosWrites) expect(atBos.get(dir) ?? 0).toBeCloseTo(w, 6);
  });
});
