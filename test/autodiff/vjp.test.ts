// Every op's gradient rule against float64 central finite differences computed by onnxruntime-node
// on the same graph, over random shapes and values (fast-check picks the seeds; shapes, axes,
// permutations and values derive from them), and the shape errors a wrong model gets.
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { grad } from "../../runtime/autodiff/grad.js";
import { Graph, ShapeError, type Tensor } from "../../runtime/autodiff/graph.js";
import { makeRng, type Rng } from "../../runtime/random.js";
import { checkGradient, uniform, type InputSpec } from "./finiteDifferences.js";

const dim = (rng: Rng, max = 4) => 1 + rng.int(max);
const dims = (rng: Rng, rank: number, max = 4) => Array.from({ length: rank }, () => dim(rng, max));
/** A shape b that broadcasts against a: some axes 1, maybe fewer leading axes. */
function broadcastPartner(rng: Rng, a: number[]): number[] {
  const drop = rng.int(a.length);
  return a.slice(drop).map((d) => (rng.next() < 0.35 ? 1 : d));
}
/** Values at least `gap` away from zero (kinks and poles stay outside the finite-difference step). */
const awayFromZero = (rng: Rng, n: number, gap = 0.2) => uniform(rng, n, gap, 2).map((v) => (rng.next() < 0.5 ? -v : v));
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

interface Case {
  readonly inputs: InputSpec[];
  readonly build: (g: Graph, xs: Tensor[]) => Tensor | Tensor[];
}

const CASES: Record<string, (rng: Rng) => Case> = {
  "MatMul 2-D": (r) => {
    const [m, k, n] = dims(r, 3, 5);
    return { inputs: [{ shape: [m!, k!] }, { shape: [k!, n!] }], build: (g, [a, b]) => g.matmul(a!, b!) };
  },
  "MatMul batch × matrix": (r) => {
    const [b, m, k, n] = dims(r, 4);
    return { inputs: [{ shape: [b!, m!, k!] }, { shape: [k!, n!] }], build: (g, [x, w]) => g.matmul(x!, w!) };
  },
  "MatMul batched 4-D": (r) => {
    const [b, h, m, k, n] = dims(r, 5, 3);
    return { inputs: [{ shape: [b!, h!, m!, k!] }, { shape: [b!, h!, k!, n!] }], build: (g, [x, y]) => g.matmul(x!, y!) };
  },
  Gemm: (r) => {
    const [m, k, n] = dims(r, 3, 5);
    const [tA, tB] = [r.next() < 0.5, r.next() < 0.5];
    return { inputs: [{ shape: tA ? [k!, m!] : [m!, k!] }, { shape: tB ? [n!, k!] : [k!, n!] }], build: (g, [a, b]) => g.gemm(a!, b!, tA, tB) };
  },
  ...Object.fromEntries(
    (["add", "sub", "mul", "div"] as const).map((op) => [
      `${op[0]!.toUpperCase()}${op.slice(1)} with broadcasting`,
      (r: Rng): Case => {
        const a = dims(r, 1 + r.int(3));
        const b = broadcastPartner(r, a);
        const [sa, sb] = r.next() < 0.5 ? [a, b] : [b, a];
        const values = op === "div" ? awayFromZero(r, size(sb), 0.5) : undefined;
        return { inputs: [{ shape: sa }, { shape: sb, ...(values ? { values } : {}) }], build: (g, [x, y]) => g[op](x!, y!) };
      },
    ]),
  ),
  Neg: (r) => ({ inputs: [{ shape: dims(r, 2) }], build: (g, [x]) => g.neg(x!) }),
  Exp: (r) => ({ inputs: [{ shape: dims(r, 2) }], build: (g, [x]) => g.exp(x!) }),
  Log: (r) => {
    const s = dims(r, 2);
    return { inputs: [{ shape: s, values: uniform(r, size(s), 0.3, 3) }], build: (g, [x]) => g.log(x!) };
  },
  Tanh: (r) => ({ inputs: [{ shape: dims(r, 3) }], build: (g, [x]) => g.tanh(x!) }),
  Sqrt: (r) => {
    const s = dims(r, 2);
    return { inputs: [{ shape: s, values: uniform(r, size(s), 0.3, 3) }], build: (g, [x]) => g.sqrt(x!) };
  },
  Pow: (r) => {
    const s = dims(r, 2);
    const p = [2, 3, 0.5, -1.5][r.int(4)]!;
    return { inputs: [{ shape: s, values: uniform(r, size(s), 0.3, 2) }], build: (g, [x]) => g.pow(x!, p) };
  },
  Relu: (r) => {
    const s = dims(r, 3);
    return { inputs: [{ shape: s, values: awayFromZero(r, size(s)) }], build: (g, [x]) => g.relu(x!) };
  },
  "Gelu (tanh)": (r) => {
    const s = dims(r, 3);
    return { inputs: [{ shape: s, values: uniform(r, size(s), -4, 4) }], build: (g, [x]) => g.gelu(x!) };
  },
  Softmax: (r) => {
    const s = dims(r, 1 + r.int(3));
    const axis = r.int(s.length);
    return { inputs: [{ shape: s }], build: (g, [x]) => g.softmax(x!, axis) };
  },
  LogSoftmax: (r) => {
    const s = dims(r, 1 + r.int(3));
    const axis = r.int(s.length);
    return { inputs: [{ shape: s }], build: (g, [x]) => g.logSoftmax(x!, axis) };
  },
  LayerNormalization: (r) => {
    const s = [...dims(r, r.int(3)), 2 + r.int(5)];
    const d = s.at(-1)!;
    return { inputs: [{ shape: s }, { shape: [d] }, { shape: [d] }], build: (g, [x, w, b]) => g.layerNorm(x!, w!, b!) };
  },
  Reshape: (r) => {
    const s = dims(r, 3);
    return { inputs: [{ shape: s }], build: (g, [x]) => g.reshape(x!, [s[0]! * s[1]!, s[2]!]) };
  },
  Transpose: (r) => {
    const s = dims(r, 3);
    const perm = [[1, 0, 2], [2, 0, 1], [0, 2, 1], [2, 1, 0]][r.int(4)]!;
    return { inputs: [{ shape: s }], build: (g, [x]) => g.transpose(x!, perm) };
  },
  Slice: (r) => {
    const s = dims(r, 3, 5);
    const axis = r.int(3);
    const start = r.int(s[axis]!);
    const end = start + 1 + r.int(s[axis]! - start);
    return { inputs: [{ shape: s }], build: (g, [x]) => g.slice(x!, axis, start, end) };
  },
  Concat: (r) => {
    const s = dims(r, 3);
    const axis = r.int(3);
    const other = s.map((d, i) => (i === axis ? dim(r) : d));
    return { inputs: [{ shape: s }, { shape: other }, { shape: s }], build: (g, [a, b, c]) => g.concat([a!, b!, c!], axis) };
  },
  "Split (one piece unused)": (r) => {
    const s = dims(r, 2);
    s[1] = 3 + r.int(3);
    return { inputs: [{ shape: s }], build: (g, [x]) => g.split(x!, 1, [1, 1, s[1]! - 2]).filter((_, i) => i !== 1) };
  },
  "Squeeze and Unsqueeze": (r) => {
    const s = [dim(r), 1, dim(r)];
    return { inputs: [{ shape: s }], build: (g, [x]) => g.unsqueeze(g.squeeze(x!, [1]), [0, 3]) };
  },
  Expand: (r) => {
    const s = [dim(r), 1, dim(r)];
    return { inputs: [{ shape: s }], build: (g, [x]) => g.expand(x!, [2, s[0]!, 3, s[2]!]) };
  },
  "Gather (repeated rows)": (r) => {
    const [V, d] = [2 + r.int(4), dim(r)];
    const ids = Array.from({ length: 2 + r.int(6) }, () => r.int(V));
    return { inputs: [{ shape: [V, d] }], build: (g, [t]) => g.gather(t!, g.constant(ids, [ids.length], "int64")) };
  },
  Where: (r) => {
    const s = dims(r, 2);
    const cond = Array.from({ length: size(s) }, () => r.next() < 0.5);
    return { inputs: [{ shape: s }, { shape: [s[1]!] }], build: (g, [a, b]) => g.where(g.constant(cond, s, "bool"), a!, b!) };
  },
  ReduceSum: (r) => {
    const s = dims(r, 3);
    const axes = [0, 1, 2].filter(() => r.next() < 0.5);
    const keep = r.next() < 0.5;
    return { inputs: [{ shape: s }], build: (g, [x]) => g.reduceSum(x!, axes.length ? axes : [1], keep) };
  },
  ReduceMean: (r) => {
    const s = dims(r, 3);
    const axes = [0, 1, 2].filter(() => r.next() < 0.5);
    const keep = r.next() < 0.5;
    return { inputs: [{ shape: s }], build: (g, [x]) => g.reduceMean(x!, axes.length ? axes : [2], keep) };
  },
  "cross-entropy with an ignore mask": (r) => {
    const [N, C] = [2 + r.int(5), 2 + r.int(5)];
    const labels = Array.from({ length: N }, (_, i) => (i > 0 && r.next() < 0.3 ? -1 : r.int(C)));
    return { inputs: [{ shape: [N, C], values: uniform(r, N * C, -3, 3) }], build: (g, [x]) => g.crossEntropy(x!, g.constant(labels, [N], "int64"), -1) };
  },
  Min: (r) => {
    const s = dims(r, 2);
    return { inputs: [{ shape: s }, { shape: s, values: uniform(r, size(s), -2, 2) }], build: (g, [a, b]) => g.min(a!, b!) };
  },
};

describe("each op's gradient rule equals float64 central differences on onnxruntime", () => {
  for (const [name, make] of Object.entries(CASES)) {
    test.prop([fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 12, seed: name.length })(name, async (seed) => {
      const c = make(makeRng(seed));
      const r = await checkGradient(c.build, c.inputs, seed ^ 0x5eed);
      expect(r.worst).toBeLessThan(1e-6);
      expect(r.checked).toBeGreaterThan(0);
    });
  }

  it("a loss through a chain of ops (a small attention block) has the right gradient", async () => {
    const r = await checkGradient(
      (g, [x, wq, wk, wv, ln]) => {
        const h = g.layerNorm(x!, ln!, g.filled([4], 0));
        const q = g.reshape(g.matmul(h, wq!), [2, 3, 4]);
        const k = g.reshape(g.matmul(h, wk!), [2, 3, 4]);
        const a = g.softmax(g.mul(g.matmul(q, g.transpose(k, [0, 2, 1])), g.scalar(0.5)));
        return g.gelu(g.add(x!, g.reshape(g.matmul(a, g.reshape(g.matmul(h, wv!), [2, 3, 4])), [6, 4])));
      },
      [{ shape: [6, 4] }, { shape: [4, 4] }, { shape: [4, 4] }, { shape: [4, 4] }, { shape: [4] }],
      7,
      16,
    );
    expect(r.worst).toBeLessThan(1e-6);
    expect(r.largest).toBeGreaterThan(1e-3);
  });

  it("the check catches a wrong gradient: it is not vacuous", async () => {
    // Cast stops gradients, so x·cast(x) gets gradient x from grad() while its true derivative is 2x.
    const r = await checkGradient((g, [x]) => g.mul(x!, g.cast(x!, "float64")), [{ shape: [3, 3] }], 3);
    expect(r.worst).toBeGreaterThan(0.05);
  });
});

describe("shape errors name the op and the shapes", () => {
  const g = new Graph();
  const a = g.input("a", [2, 3]);
  const b = g.input("b", [4, 5]);
  it.each([
    ["MatMul", () => g.matmul(a, b), /MatMul: inner dimensions differ in \[2,3\]·\[4,5\]/],
    ["Add", () => g.add(a, b), /Add: shapes \[2,3\] and \[4,5\] do not broadcast/],
    ["Reshape", () => g.reshape(a, [5]), /Reshape: \[2,3\] cannot become \[5\]/],
    ["LayerNormalization", () => g.layerNorm(a, g.filled([4], 1), g.filled([3], 0)), /scale \[4\] does not match the last axis of \[2,3\]/],
    ["Slice", () => g.slice(a, 1, 2, 4), /Slice: \[2, 4\) is not a non-empty range of axis 1 \(size 3\)/],
    ["Softmax", () => g.softmax(a, 2), /Softmax: axis 2 is outside a tensor of rank 2/],
    ["Split", () => g.split(a, 1, [1, 1]), /Split: sizes \[1,1\] do not add up/],
    ["Gemm", () => g.gemm(a, b, true), /Gemm: inner dimensions differ \(2 and 4\)/],
    ["a zero dimension", () => g.input("z", [0, 2]), /dimension 0 in \[0,2\] is not a positive integer/],
  ])("%s", (_name, f, message) => {
    expect(f).toThrow(ShapeError);
    expect(f).toThrow(message);
  });

  it("grad wants a scalar loss and a rule on every op between parameters and loss", () => {
    const h = new Graph();
    const x = h.input("x", [3]);
    expect(() => grad(h, x, [x])).toThrow(/the loss must be a float32 scalar/);
    const m = h.max(x, h.scalar(0));
    expect(() => grad(h, h.sumAll(m), [x])).toThrow(/no gradient rule for Max/);
  });
});
