// One vector-Jacobian rule per differentiable op of graph.ts: given a node and the gradient of the
// loss with respect to its output(s), the gradient with respect to each input, built from ordinary
// graph ops (so the backward pass is ONNX too, and onnxruntime runs it). Ops with no rule
// (comparisons, casts, index inputs) stop gradients; grad.ts refuses a path that needs a missing rule.
//
// Rules reuse forward tensors where that is cheaper than recomputing (Exp, Tanh, Softmax and
// Sqrt read their own output) and recompute what ONNX keeps inside a fused op (LayerNormalization's
// mean and inverse deviation, GELU's tanh), so the forward graph stays the one onnxruntime fuses.
import { broadcastShapes, sizeOfShape, type Graph, type Node, type Shape, type Tensor } from "./graph.js";

/** Gradient w.r.t. each input (null: none flows there). */
export type Rule = (g: Graph, node: Node, dy: Tensor) => (Tensor | null)[];

/** Sums a broadcast gradient back down to `shape` (the axes broadcasting stretched). */
export function unbroadcast(g: Graph, dy: Tensor, shape: Shape): Tensor {
  const lead = dy.shape.length - shape.length;
  const axes: number[] = [];
  dy.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  const summed = axes.length > 0 ? g.reduceSum(dy, axes, true) : dy;
  return g.reshape(summed, shape);
}

const swapLast = (rank: number): number[] => [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];

function matmulRule(g: Graph, n: Node, dy: Tensor): Tensor[] {
  const [a, b] = n.inputs as [Tensor, Tensor];
  if (a.shape.length === 2 && b.shape.length === 2) return [g.gemm(dy, b, false, true), g.gemm(a, dy, true, false)];
  if (b.shape.length === 2) {
    // [..., m, k]·[k, n]: flatten the batch so both products are single Gemms (no transposed copies).
    const k = a.shape.at(-1)!;
    const m = sizeOfShape(a.shape) / k;
    const dy2 = g.reshape(dy, [m, b.shape[1]!]);
    return [g.reshape(g.gemm(dy2, b, false, true), a.shape), g.gemm(g.reshape(a, [m, k]), dy2, true, false)];
  }
  if (a.shape.length < 2 || b.shape.length < 2) throw new Error("MatMul rule: rank < 2");
  return [
    unbroadcast(g, g.matmul(dy, g.transpose(b, swapLast(b.shape.length))), a.shape),
    unbroadcast(g, g.matmul(g.transpose(a, swapLast(a.shape.length)), dy), b.shape),
  ];
}

function gemmRule(g: Graph, n: Node, dy: Tensor): Tensor[] {
  const [a, b] = n.inputs as [Tensor, Tensor];
  const tA = "i" in n.attrs.transA! && n.attrs.transA.i === 1;
  const tB = "i" in n.attrs.transB! && n.attrs.transB.i === 1;
  // Y = A'B' with A' = tA ? aᵀ : a. dA' = dY·B'ᵀ, dB' = A'ᵀ·dY; transpose back where the input was.
  const da = tA ? g.gemm(b, dy, tB, true) : g.gemm(dy, b, false, !tB);
  const db = tB ? g.gemm(dy, a, true, tA) : g.gemm(a, dy, !tA, false);
  return [da, db];
}

function geluRule(g: Graph, n: Node, dy: Tensor): Tensor[] {
  // y = ½x(1 + tanh u), u = c(x + 0.044715x³): y' = ½(1 + t) + ½x(1 − t²)·c(1 + 3·0.044715x²)
  const x = n.inputs[0]!;
  const c = Math.sqrt(2 / Math.PI);
  const x2 = g.mul(x, x);
  const u = g.mul(g.scalar(c), g.add(x, g.mul(g.scalar(0.044715), g.mul(x2, x))));
  const t = g.tanh(u);
  const du = g.mul(g.scalar(c), g.add(g.scalar(1), g.mul(g.scalar(3 * 0.044715), x2)));
  const half = g.scalar(0.5);
  const dydx = g.add(g.mul(half, g.add(g.scalar(1), t)), g.mul(g.mul(half, x), g.mul(g.sub(g.scalar(1), g.mul(t, t)), du)));
  return [g.mul(dy, dydx)];
}

function layerNormRule(g: Graph, n: Node, dy: Tensor): Tensor[] {
  const [x, scale] = n.inputs as [Tensor, Tensor, Tensor];
  const eps = n.attrs.epsilon && "f" in n.attrs.epsilon ? n.attrs.epsilon.f : 1e-5;
  const last = x.shape.length - 1;
  const centred = g.sub(x, g.reduceMean(x, [last], true));
  const rstd = g.div(g.scalar(1), g.sqrt(g.add(g.reduceMean(g.mul(centred, centred), [last], true), g.scalar(eps))));
  const xhat = g.mul(centred, rstd);
  const rows = x.shape.slice(0, -1).map((_, i) => i);
  const dxhat = g.mul(dy, scale);
  const meanD = g.reduceMean(dxhat, [last], true);
  const meanDX = g.reduceMean(g.mul(dxhat, xhat), [last], true);
  const dx = g.mul(rstd, g.sub(g.sub(dxhat, meanD), g.mul(xhat, meanDX)));
  const sumRows = (t: Tensor) => (rows.length > 0 ? g.reduceSum(t, rows) : t);
  return [dx, sumRows(g.mul(dy, xhat)), sumRows(dy)];
}

function sliceRule(g: Graph, n: Node, dy: Tensor): (Tensor | null)[] {
  const x = n.inputs[0]!;
  const [start, end, axis] = [1, 2, 3].map((i) => g.constantValues(n.inputs[i]!)[0]!) as [number, number, number];
  const pieces: Tensor[] = [];
  const zeros = (len: number) => g.filled(x.shape.map((d, i) => (i === axis ? len : d)), 0);
  if (start > 0) pieces.push(zeros(start));
  pieces.push(dy);
  if (end < x.shape[axis]!) pieces.push(zeros(x.shape[axis]! - end));
  return [g.concat(pieces, axis), null, null, null];
}

function reduceRule(mean: boolean): Rule {
  return (g, n, dy) => {
    const x = n.inputs[0]!;
    const axes = g.constantValues(n.inputs[1]!);
    const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    let grad = g.expand(g.reshape(dy, kept), x.shape);
    if (mean) grad = g.mul(grad, g.scalar(1 / axes.reduce((s, a) => s * x.shape[a]!, 1)));
    return [grad, null];
  };
}

function crossEntropyRule(g: Graph, n: Node, dy: Tensor): (Tensor | null)[] {
  const [logits, labels] = n.inputs as [Tensor, Tensor];
  const ignore = n.attrs.ignore_index && "i" in n.attrs.ignore_index ? n.attrs.ignore_index.i : -1;
  const C = logits.shape[1]!;
  const classes = g.constant(Array.from({ length: C }, (_, c) => c), [1, C], "int64");
  const col = g.unsqueeze(labels, [1]);
  const onehot = g.cast(g.equal(col, classes), g.float);
  const valid = g.cast(g.not(g.equal(col, g.constant([ignore], [1, 1], "int64"))), g.float);
  // Mean over the valid rows; an all-ignored batch has loss 0 and gradient 0 (the max avoids 0/0).
  const count = g.max(g.sumAll(valid), g.scalar(1));
  const probs = g.softmax(logits, 1);
  const d = g.mul(g.sub(probs, onehot), g.div(valid, count));
  return [g.mul(d, dy), null];
}

const RULES: Record<string, Rule> = {
  MatMul: matmulRule,
  Gemm: gemmRule,
  Add: (g, n, dy) => [unbroadcast(g, dy, n.inputs[0]!.shape), unbroadcast(g, dy, n.inputs[1]!.shape)],
  Sub: (g, n, dy) => [unbroadcast(g, dy, n.inputs[0]!.shape), unbroadcast(g, g.neg(dy), n.inputs[1]!.shape)],
  Mul: (g, n, dy) => [unbroadcast(g, g.mul(dy, n.inputs[1]!), n.inputs[0]!.shape), unbroadcast(g, g.mul(dy, n.inputs[0]!), n.inputs[1]!.shape)],
  Div: (g, n, dy) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    const da = g.div(dy, b);
    return [unbroadcast(g, da, a.shape), unbroadcast(g, g.neg(g.mul(da, n.outputs[0]!)), b.shape)];
  },
  Neg: (g, _n, dy) => [g.neg(dy)],
  Exp: (g, n, dy) => [g.mul(dy, n.outputs[0]!)],
  Log: (g, n, dy) => [g.div(dy, n.inputs[0]!)],
  Tanh: (g, n, dy) => {
    const y = n.outputs[0]!;
    return [g.mul(dy, g.sub(g.scalar(1), g.mul(y, y)))];
  },
  Sqrt: (g, n, dy) => [g.div(g.mul(dy, g.scalar(0.5)), n.outputs[0]!)],
  Pow: (g, n, dy) => {
    const p = g.constantValues(n.inputs[1]!)[0]!;
    return [g.mul(dy, g.mul(g.scalar(p), g.pow(n.inputs[0]!, p - 1))), null];
  },
  Relu: (g, n, dy) => [g.where(g.greater(n.inputs[0]!, g.scalar(0)), dy, g.scalar(0))],
  Gelu: geluRule,
  Softmax: (g, n, dy) => {
    const y = n.outputs[0]!;
    const axis = (n.attrs.axis as { i: number }).i;
    return [g.mul(y, g.sub(dy, g.reduceSum(g.mul(dy, y), [axis], true)))];
  },
  LogSoftmax: (g, n, dy) => {
    const axis = (n.attrs.axis as { i: number }).i;
    return [g.sub(dy, g.mul(g.exp(n.outputs[0]!), g.reduceSum(dy, [axis], true)))];
  },
  LayerNormalization: layerNormRule,
  Reshape: (g, n, dy) => [g.reshape(dy, n.inputs[0]!.shape), null],
  Squeeze: (g, n, dy) => [g.reshape(dy, n.inputs[0]!.shape), null],
  Unsqueeze: (g, n, dy) => [g.reshape(dy, n.inputs[0]!.shape), null],
  Transpose: (g, n, dy) => {
    const perm = (n.attrs.perm as { ints: readonly number[] }).ints;
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [g.transpose(dy, inverse)];
  },
  Expand: (g, n, dy) => [unbroadcast(g, dy, n.inputs[0]!.shape), null],
  Slice: sliceRule,
  Concat: (g, n, dy) => {
    const axis = (n.attrs.axis as { i: number }).i;
    return g.split(dy, axis, n.inputs.map((t) => t.shape[axis]!));
  },
  // The rows' gradients are summed into the table as one-hotᵀ · dy, a Gemm, not a ScatterND with
  // reduction "add": ORT's CPU ScatterND splits the updates across threads and adds without atomics,
  // so with more than one thread repeated token ids lose additions (bench/scatternd-race.ts).
  Gather: (g, n, dy) => {
    const [table, indices] = n.inputs as [Tensor, Tensor];
    const rows = table.shape[0]!;
    const count = sizeOfShape(indices.shape);
    const width = sizeOfShape(table.shape.slice(1));
    const classes = g.constant(Array.from({ length: rows }, (_, i) => i), [1, rows], "int64");
    const onehot = g.cast(g.equal(g.reshape(indices, [count, 1]), classes), g.float);
    return [g.reshape(g.matmul(g.transpose(onehot, [1, 0]), g.reshape(dy, [count, width])), table.shape), null];
  },
  Where: (g, n, dy) => {
    const [cond, a, b] = n.inputs as [Tensor, Tensor, Tensor];
    const zero = g.scalar(0);
    return [null, unbroadcast(g, g.where(cond, dy, zero), a.shape), unbroadcast(g, g.where(cond, zero, dy), b.shape)];
  },
  ReduceSum: reduceRule(false),
  ReduceMean: reduceRule(true),
  SoftmaxCrossEntropyLoss: crossEntropyRule,
  Sum: (_g, n, dy) => n.inputs.map(() => dy),
  Min: (g, n, dy) => {
    const [a, b] = n.inputs as [Tensor, Tensor];
    // The smaller side takes the gradient (a on ties).
    const takeA = g.not(g.greater(a, b));
    const shape = broadcastShapes(a.shape, b.shape, "Min");
    const zero = g.filled(shape, 0);
    return [unbroadcast(g, g.where(takeA, dy, zero), a.shape), unbroadcast(g, g.where(takeA, zero, dy), b.shape)];
  },
};

/** Ops whose outputs carry no gradient (their inputs are indices, masks or comparisons). */
export const NON_DIFFERENTIABLE = new Set(["Greater", "Equal", "Not", "Cast", "ScatterND", "ReduceSumSquare"]);

export function ruleFor(op: string): Rule | undefined {
  return RULES[op];
}

/** Split has several outputs: its rule takes one gradient per output (zeros where none flows). */
export function splitRule(g: Graph, n: Node, dys: readonly (Tensor | null)[]): Tensor {
  const axis = (n.attrs.axis as { i: number }).i;
  return g.concat(
    n.outputs.map((o, i) => dys[i] ?? g.filled(o.shape, 0)),
    axis,
  );
}
