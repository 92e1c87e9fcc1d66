// The tensor-graph IR of the training engine: typed tensors with static shapes, made by ops that
// map one to one onto ONNX operators, recorded in creation order (the tape). Model descriptions
// (runtime/models/) build their forward pass here once; grad.ts differentiates it with one rule per
// op (vjp.ts) and onnx.ts writes the result as an ONNX model that onnxruntime-node runs.
//
// Shapes are checked as ops are made, so a model whose sizes do not fit fails while the graph is
// built, with the op and the shapes in the message, rather than inside onnxruntime. A graph has one
// float type: float32 for training, float64 for the finite-difference checks of the rules.

export type FloatType = "float32" | "float64";
export type DType = FloatType | "int64" | "bool";
export type Shape = readonly number[];

export class ShapeError extends Error {
  override readonly name = "ShapeError";
}

export interface Tensor {
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
}

/** ONNX attribute values, tagged so each serialises with its ONNX type. */
export type Attr = { readonly i: number } | { readonly f: number } | { readonly ints: readonly number[] } | { readonly s: string };

export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: Readonly<Record<string, Attr>>;
  readonly outputs: readonly Tensor[];
}

export interface Constant {
  readonly tensor: Tensor;
  readonly values: ArrayLike<number> | ArrayLike<boolean>;
}

export const sizeOfShape = (s: Shape): number => s.reduce((a, b) => a * b, 1);
const fmt = (s: Shape): string => `[${s.join(",")}]`;

function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(Number.isInteger(a) && a >= 0 && a < rank)) throw new ShapeError(`${op}: axis ${axis} is outside a tensor of rank ${rank}`);
  return a;
}

/** Numpy broadcasting of two shapes (ONNX's multidirectional broadcasting). */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: { readonly tensor: Tensor; readonly name: string }[] = [];
  readonly constants: Constant[] = [];
  private nextId = 0;
  private readonly scalarCache = new Map<string, Tensor>();
  private readonly producers = new Map<number, Node>();
  private readonly constantById = new Map<number, Constant>();

  constructor(readonly float: FloatType = "float32") {}

  private tensor(shape: Shape, dtype: DType): Tensor {
    // Empty int64 lists (the shape of a scalar for Reshape) are the one place a 0 is allowed.
    const emptyList = dtype === "int64" && shape.length === 1 && shape[0] === 0;
    for (const d of shape) if (!(Number.isInteger(d) && (d >= 1 || emptyList))) throw new ShapeError(`dimension ${d} in ${fmt(shape)} is not a positive integer`);
    return { id: this.nextId++, shape: [...shape], dtype };
  }

  /** The node that made `t` (undefined for inputs and constants). */
  producer(t: Tensor): Node | undefined {
    return this.producers.get(t.id);
  }

  /** A graph input fed at run time; `dtype` defaults to the graph's float type. */
  input(name: string, shape: Shape, dtype: DType = this.float): Tensor {
    if (this.inputs.some((i) => i.name === name)) throw new ShapeError(`input ${name} is declared twice`);
    const t = this.tensor(shape, dtype);
    this.inputs.push({ tensor: t, name });
    return t;
  }

  constant(values: ArrayLike<number> | ArrayLike<boolean>, shape: Shape, dtype: DType = this.float): Tensor {
    if (values.length !== sizeOfShape(shape)) throw new ShapeError(`constant of shape ${fmt(shape)} given ${values.length} values`);
    const t = this.tensor(shape, dtype);
    const c = { tensor: t, values };
    this.constants.push(c);
    this.constantById.set(t.id, c);
    return t;
  }

  /** The values of a constant (int64 shapes and axes that rules read back). */
  constantValues(t: Tensor): readonly number[] {
    const c = this.constantById.get(t.id);
    if (!c) throw new ShapeError(`tensor ${t.id} is not a constant`);
    return Array.from(c.values as ArrayLike<number>, Number);
  }

  /** A scalar of the graph's float type, shared between uses. */
  scalar(v: number): Tensor {
    const key = String(v);
    let t = this.scalarCache.get(key);
    if (!t) {
      t = this.constant([v], []);
      this.scalarCache.set(key, t);
    }
    return t;
  }

  /** A constant filled with one value (zeros for gradients of unused slices, masks). */
  filled(shape: Shape, v: number, dtype: DType = this.float): Tensor {
    const n = sizeOfShape(shape);
    return this.constant(dtype === "bool" ? new Array<boolean>(n).fill(v !== 0) : new Float64Array(n).fill(v), shape, dtype);
  }

  private ints(values: readonly number[]): Tensor {
    return this.constant(values, [values.length], "int64");
  }

  /** Records a node. Exposed for the rules of vjp.ts; models use the named ops below. */
  node(op: string, inputs: readonly Tensor[], attrs: Record<string, Attr>, outShapes: readonly Shape[], outType?: DType): Tensor[] {
    const outputs = outShapes.map((s) => this.tensor(s, outType ?? inputs[0]!.dtype));
    const n: Node = { op, inputs, attrs, outputs };
    this.nodes.push(n);
    for (const o of outputs) this.producers.set(o.id, n);
    return outputs;
  }

  private one(op: string, inputs: readonly Tensor[], attrs: Record<string, Attr>, shape: Shape, outType?: DType): Tensor {
    return this.node(op, inputs, attrs, [shape], outType)[0]!;
  }

  private floats(op: string, ...ts: Tensor[]): void {
    for (const t of ts) if (t.dtype !== this.float) throw new ShapeError(`${op}: expected a ${this.float} tensor, got ${t.dtype}`);
  }

  // ---- products ----

  /** ONNX MatMul: [..., m, k]·[..., k, n] with the leading (batch) dimensions broadcast. */
  matmul(a: Tensor, b: Tensor): Tensor {
    this.floats("MatMul", a, b);
    const [ra, rb] = [a.shape.length, b.shape.length];
    if (ra < 2 || rb < 2) throw new ShapeError(`MatMul: operands need rank ≥ 2, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
    if (a.shape[ra - 1] !== b.shape[rb - 2]) throw new ShapeError(`MatMul: inner dimensions differ in ${fmt(a.shape)}·${fmt(b.shape)}`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), "MatMul");
    return this.one("MatMul", [a, b], {}, [...batch, a.shape[ra - 2]!, b.shape[rb - 1]!]);
  }

  /** ONNX Gemm without C: op(a)·op(b), op = transpose when asked. */
  gemm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
    this.floats("Gemm", a, b);
    if (a.shape.length !== 2 || b.shape.length !== 2) throw new ShapeError(`Gemm: operands must be matrices, got ${fmt(a.shape)} and ${fmt(b.shape)}`);
    const [m, k] = transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
    const [k2, n] = transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
    if (k !== k2) throw new ShapeError(`Gemm: inner dimensions differ (${k} and ${k2})`);
    return this.one("Gemm", [a, b], { transA: { i: transA ? 1 : 0 }, transB: { i: transB ? 1 : 0 } }, [m, n]);
  }

  // ---- elementwise ----

  private binary(op: string, a: Tensor, b: Tensor): Tensor {
    this.floats(op, a, b);
    return this.one(op, [a, b], {}, broadcastShapes(a.shape, b.shape, op));
  }

  add(a: Tensor, b: Tensor): Tensor {
    return this.binary("Add", a, b);
  }
  sub(a: Tensor, b: Tensor): Tensor {
    return this.binary("Sub", a, b);
  }
  mul(a: Tensor, b: Tensor): Tensor {
    return this.binary("Mul", a, b);
  }
  div(a: Tensor, b: Tensor): Tensor {
    return this.binary("Div", a, b);
  }

  private unary(op: string, x: Tensor, attrs: Record<string, Attr> = {}): Tensor {
    this.floats(op, x);
    return this.one(op, [x], attrs, x.shape);
  }

  neg(x: Tensor): Tensor {
    return this.unary("Neg", x);
  }
  exp(x: Tensor): Tensor {
    return this.unary("Exp", x);
  }
  log(x: Tensor): Tensor {
    return this.unary("Log", x);
  }
  tanh(x: Tensor): Tensor {
    return this.unary("Tanh", x);
  }
  sqrt(x: Tensor): Tensor {
    return this.unary("Sqrt", x);
  }
  relu(x: Tensor): Tensor {
    return this.unary("Relu", x);
  }
  /** GELU with the tanh approximation (minGPT's NewGELU). */
  gelu(x: Tensor): Tensor {
    return this.unary("Gelu", x, { approximate: { s: "tanh" } });
  }

  /** x to a constant power. */
  pow(x: Tensor, p: number): Tensor {
    this.floats("Pow", x);
    return this.one("Pow", [x, this.scalar(p)], {}, x.shape);
  }

  softmax(x: Tensor, axis = -1): Tensor {
    return this.unary("Softmax", x, { axis: { i: normAxis(axis, x.shape.length, "Softmax") } });
  }

  logSoftmax(x: Tensor, axis = -1): Tensor {
    return this.unary("LogSoftmax", x, { axis: { i: normAxis(axis, x.shape.length, "LogSoftmax") } });
  }

  /** LayerNormalization over the last axis with per-feature scale and bias. */
  layerNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon = 1e-5): Tensor {
    this.floats("LayerNormalization", x, scale, bias);
    const d = x.shape.at(-1);
    for (const [what, t] of [["scale", scale], ["bias", bias]] as const) {
      if (t.shape.length !== 1 || t.shape[0] !== d) throw new ShapeError(`LayerNormalization: ${what} ${fmt(t.shape)} does not match the last axis of ${fmt(x.shape)}`);
    }
    return this.one("LayerNormalization", [x, scale, bias], { axis: { i: -1 }, epsilon: { f: epsilon } }, x.shape);
  }

  /** Where(cond, a, b); `cond` is bool. */
  where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
    if (cond.dtype !== "bool") throw new ShapeError(`Where: the condition must be bool, got ${cond.dtype}`);
    this.floats("Where", a, b);
    const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, "Where"), b.shape, "Where");
    return this.one("Where", [cond, a, b], {}, shape, a.dtype);
  }

  greater(a: Tensor, b: Tensor): Tensor {
    return this.one("Greater", [a, b], {}, broadcastShapes(a.shape, b.shape, "Greater"), "bool");
  }

  min(a: Tensor, b: Tensor): Tensor {
    return this.binary("Min", a, b);
  }

  max(a: Tensor, b: Tensor): Tensor {
    return this.binary("Max", a, b);
  }

  // ---- layout ----

  reshape(x: Tensor, shape: Shape): Tensor {
    if (sizeOfShape(shape) !== sizeOfShape(x.shape)) throw new ShapeError(`Reshape: ${fmt(x.shape)} cannot become ${fmt(shape)}`);
    if (shape.length === x.shape.length && shape.every((d, i) => d === x.shape[i])) return x;
    return this.one("Reshape", [x, this.ints(shape)], {}, shape);
  }

  transpose(x: Tensor, perm: readonly number[]): Tensor {
    const r = x.shape.length;
    if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw new ShapeError(`Transpose: ${fmt(perm)} is not a permutation of rank ${r}`);
    if (perm.every((p, i) => p === i)) return x;
    // A transpose of a transpose (the batched MatMul rule transposes what the forward pass
    // transposed): one node with the composed permutation, or none.
    const inner = this.producer(x);
    if (inner?.op === "Transpose") {
      const innerPerm = (inner.attrs.perm as { ints: readonly number[] }).ints;
      return this.transpose(inner.inputs[0]!, perm.map((p) => innerPerm[p]!));
    }
    // (AᵀB)ᵀ = BᵀA: when an operand is itself a transpose this saves a copy (the key gradient
    // of attention, dk = dsᵀ·q rather than (qᵀ·ds)ᵀ).
    const swapsLast = r >= 2 && perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 2 ? r - 1 : r - 2)));
    if (swapsLast && inner?.op === "MatMul") {
      const [a, b] = inner.inputs as [Tensor, Tensor];
      const isT = (t: Tensor) => this.producer(t)?.op === "Transpose";
      if (a.shape.length === r && b.shape.length === r && (isT(a) || isT(b))) return this.matmul(this.transpose(b, perm), this.transpose(a, perm));
    }
    return this.one("Transpose", [x], { perm: { ints: perm } }, perm.map((p) => x.shape[p]!));
  }

  /** Entries [start, end) of one axis. */
  slice(x: Tensor, axis: number, start: number, end: number): Tensor {
    const a = normAxis(axis, x.shape.length, "Slice");
    const n = x.shape[a]!;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= n)) {
      throw new ShapeError(`Slice: [${start}, ${end}) is not a non-empty range of axis ${a} (size ${n}) of ${fmt(x.shape)}`);
    }
    if (start === 0 && end === n) return x;
    const shape = x.shape.map((d, i) => (i === a ? end - start : d));
    return this.one("Slice", [x, this.ints([start]), this.ints([end]), this.ints([a])], {}, shape);
  }

  concat(xs: readonly Tensor[], axis: number): Tensor {
    if (xs.length === 0) throw new ShapeError("Concat: no tensors");
    if (xs.length === 1) return xs[0]!;
    const a = normAxis(axis, xs[0]!.shape.length, "Concat");
    for (const t of xs) {
      if (t.dtype !== xs[0]!.dtype || t.shape.length !== xs[0]!.shape.length || t.shape.some((d, i) => i !== a && d !== xs[0]!.shape[i])) {
        throw new ShapeError(`Concat: ${xs.map((x) => fmt(x.shape)).join(", ")} do not agree off axis ${a}`);
      }
    }
    const shape = xs[0]!.shape.map((d, i) => (i === a ? xs.reduce((s, t) => s + t.shape[a]!, 0) : d));
    return this.one("Concat", xs, { axis: { i: a } }, shape);
  }

  /** Splits one axis into consecutive pieces of the given sizes. */
  split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
    const a = normAxis(axis, x.shape.length, "Split");
    if (sizes.some((s) => !(Number.isInteger(s) && s >= 1)) || sizes.reduce((s, v) => s + v, 0) !== x.shape[a]) {
      throw new ShapeError(`Split: sizes ${fmt(sizes)} do not add up to axis ${a} of ${fmt(x.shape)}`);
    }
    if (sizes.length === 1) return [x];
    const shapes = sizes.map((s) => x.shape.map((d, i) => (i === a ? s : d)));
    return this.node("Split", [x, this.ints(sizes)], { axis: { i: a } }, shapes);
  }

  squeeze(x: Tensor, axes: readonly number[]): Tensor {
    const as = axes.map((a) => normAxis(a, x.shape.length, "Squeeze"));
    for (const a of as) if (x.shape[a] !== 1) throw new ShapeError(`Squeeze: axis ${a} of ${fmt(x.shape)} is not 1`);
    return this.one("Squeeze", [x, this.ints(as)], {}, x.shape.filter((_, i) => !as.includes(i)));
  }

  unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
    const rank = x.shape.length + axes.length;
    const as = axes.map((a) => normAxis(a, rank, "Unsqueeze"));
    const shape: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) shape.push(as.includes(i) ? 1 : x.shape[j++]!);
    return this.one("Unsqueeze", [x, this.ints(as)], {}, shape);
  }

  /** Broadcasts x up to `shape`. */
  expand(x: Tensor, shape: Shape): Tensor {
    const out = broadcastShapes(x.shape, shape, "Expand");
    if (out.length !== shape.length || out.some((d, i) => d !== shape[i])) throw new ShapeError(`Expand: ${fmt(x.shape)} does not broadcast to ${fmt(shape)}`);
    return this.one("Expand", [x, this.ints(shape)], {}, shape);
  }

  /** Rows of `table` (axis 0) picked by int64 `indices`: shape indices.shape + table.shape[1:]. */
  gather(table: Tensor, indices: Tensor): Tensor {
    if (indices.dtype !== "int64") throw new ShapeError(`Gather: indices must be int64, got ${indices.dtype}`);
    return this.one("Gather", [table, indices], { axis: { i: 0 } }, [...indices.shape, ...table.shape.slice(1)]);
  }

  /** Adds the rows of `updates` into a copy of `data` at row `indices` (the scatter-add that Gather's gradient is). */
  scatterAddRows(data: Tensor, indices: Tensor, updates: Tensor): Tensor {
    const idx = this.reshape(indices, [sizeOfShape(indices.shape), 1]);
    const rows = this.reshape(updates, [sizeOfShape(indices.shape), ...data.shape.slice(1)]);
    return this.one("ScatterND", [data, idx, rows], { reduction: { s: "add" } }, data.shape);
  }

  private reduce(op: string, x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
    const as = [...new Set(axes.map((a) => normAxis(a, x.shape.length, op)))].sort((a, b) => a - b);
    const shape = keepdims ? x.shape.map((d, i) => (as.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !as.includes(i));
    return this.one(op, [x, this.ints(as)], { keepdims: { i: keepdims ? 1 : 0 } }, shape);
  }

  reduceSum(x: Tensor, axes: readonly number[], keepdims = false): Tensor {
    return this.reduce("ReduceSum", x, axes, keepdims);
  }

  reduceMean(x: Tensor, axes: readonly number[], keepdims = false): Tensor {
    return this.reduce("ReduceMean", x, axes, keepdims);
  }

  /** Σ x² over all entries, as a scalar (ONNX ReduceSumSquare; no gradient rule: for norms). */
  sumSquares(x: Tensor): Tensor {
    this.floats("ReduceSumSquare", x);
    return this.one("ReduceSumSquare", [x, this.ints(x.shape.map((_, i) => i))], { keepdims: { i: 0 } }, []);
  }

  /** Sum of all entries, as a scalar. */
  sumAll(x: Tensor): Tensor {
    return this.reduceSum(x, x.shape.map((_, i) => i));
  }

  /**
   * Mean cross-entropy of `logits` [N, C] against int64 `labels` [N], over the rows whose label is
   * not `ignoreIndex` (ONNX SoftmaxCrossEntropyLoss, reduction "mean").
   */
  crossEntropy(logits: Tensor, labels: Tensor, ignoreIndex = -1): Tensor {
    this.floats("SoftmaxCrossEntropyLoss", logits);
    if (logits.shape.length !== 2) throw new ShapeError(`SoftmaxCrossEntropyLoss: logits must be [N, C], got ${fmt(logits.shape)}`);
    if (labels.dtype !== "int64" || labels.shape.length !== 1 || labels.shape[0] !== logits.shape[0]) {
      throw new ShapeError(`SoftmaxCrossEntropyLoss: labels must be int64 [${logits.shape[0]}], got ${labels.dtype} ${fmt(labels.shape)}`);
    }
    return this.one("SoftmaxCrossEntropyLoss", [logits, labels], { reduction: { s: "mean" }, ignore_index: { i: ignoreIndex } }, []);
  }

  cast(x: Tensor, to: DType): Tensor {
    return this.one("Cast", [x], { to: { i: ONNX_TYPE[to] } }, x.shape, to);
  }

  equal(a: Tensor, b: Tensor): Tensor {
    return this.one("Equal", [a, b], {}, broadcastShapes(a.shape, b.shape, "Equal"), "bool");
  }

  not(x: Tensor): Tensor {
    return this.one("Not", [x], {}, x.shape, "bool");
  }

  /** Σ of same-shaped tensors (ONNX Sum), for accumulating many terms in one node. */
  sum(xs: readonly Tensor[]): Tensor {
    if (xs.length === 1) return xs[0]!;
    for (const t of xs) if (t.shape.length !== xs[0]!.shape.length || t.shape.some((d, i) => d !== xs[0]!.shape[i])) throw new ShapeError("Sum: shapes differ");
    return this.one("Sum", xs, {}, xs[0]!.shape);
  }
}

/** ONNX TensorProto data types. */
export const ONNX_TYPE: Record<DType, number> = { float32: 1, bool: 9, int64: 7, float64: 11 };
