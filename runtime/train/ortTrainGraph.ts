// One SGD-with-momentum training step as a single ONNX graph: forward, a hand-derived backward and
// the update, so onnxruntime-node runs the whole step natively on all cores (shared/engines.md:
// 5-8x faster than TensorFlow.js WASM autodiff and faster than PyTorch on the same CPU). The graph
// computes the model of params.ts; tfjsTrainer.ts is the autodiff reference it is tested against.
//
// Inputs: `onehot` [B·T, V] (token one-hots: the embedding is a matmul, so its gradient is one too),
// `labels` [B, outputs] one-hot, `lr`, `mu` and `clip` scalars, every parameter `p` and momentum `p.vel`.
// Outputs: `loss`, then `p.out` and `p.vel.out` for every parameter, fed back as the next inputs.
// Activations are kept 2-D ([B·T, ·]) for the dense products, so every weight gradient is one Gemm
// with transA, and reshaped to [B, T, ·] only inside attention.
//
// Backward, per layer in reverse (d· is the gradient of the mean loss):
//   logits: dlogits = (softmax − Y)/B, dU = hᵀ·dlogits, dh = dlogits·Uᵀ at the answer position
//   MLP:    db2 = Σ dh, dW2 = rᵀ·dh, dpre = [pre > 0]·(dh·W2ᵀ), db1 = Σ dpre, dW1 = xᵀ·dpre, dx = dh + dpre·W1ᵀ
//   head:   dv = aᵀ·dz, da = dz·vᵀ, ds = a ⊙ (da − Σ_k da ⊙ a), dq = ds·k, dk = dsᵀ·q
//   attn:   dWo = zᵀ·dh, dz = dh·Woᵀ, dWq = xᵀ·dq (k, v alike), dx = dh + dq·Wqᵀ + dk·Wkᵀ + dv·Wvᵀ
//   embed:  dtok = onehotᵀ·dx, dpos = Σ_B dx (rows 0..T-1)
//   clip:   g ← g · min(1, clip / ‖g‖) with ‖g‖ the norm of all gradients together (clip = ∞: off)
//   update: vel' = μ·vel + g, p' = p − lr·vel'   (torch.optim.SGD and tf.train.momentum)
import { encodeGraph, FLOAT, GraphBuilder, tensorInfo } from "../../compiler/export/onnxGraph.js";
import { layerWidths, tensorSpecs, type Geometry } from "./params.js";

export const TRAIN_INPUTS = { onehot: "onehot", labels: "labels", lr: "lr", mu: "mu", clip: "clip" } as const;
export const LOSS = "loss";
export const LOGITS = "logits";
/** The step graph's second output: the global gradient norm before clipping. */
export const GRAD_NORM = "grad_norm";
export const velocityName = (p: string): string => `${p}.vel`;
export const outName = (p: string): string => `${p}.out`;

export interface GraphShape {
  readonly batch: number;
  readonly seqLen: number;
  readonly answerPosition: number;
}

interface HeadCache {
  readonly dHead: number;
  readonly dValue: number;
  readonly q: string | null;
  readonly k: string | null;
  readonly v: string;
  /** [B, T, T] pattern (a [1, T, T] constant for a uniform head). */
  readonly a: string;
}

interface LayerCache {
  readonly input2: string;
  readonly heads: HeadCache[];
  readonly z2: string | null;
  readonly mid2: string;
  readonly pre: string | null;
  readonly relu: string | null;
}

class Builder {
  readonly g = new GraphBuilder();
  private constants = new Map<string, string>();

  constructor(readonly geometry: Geometry, readonly shape: GraphShape) {}

  ints(values: number[]): string {
    const key = `i:${values.join(",")}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.g.int64(this.g.fresh("shape"), [values.length], values);
      this.constants.set(key, name);
    }
    return name;
  }

  scalar(v: number): string {
    const key = `f:${v}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.g.float(this.g.fresh("const"), [], [v]);
      this.constants.set(key, name);
    }
    return name;
  }

  op(type: string, inputs: string[], attrs: Parameters<GraphBuilder["op"]>[2] = []): string {
    return this.g.op(type, inputs, attrs);
  }

  reshape(x: string, dims: number[]): string {
    return this.op("Reshape", [x, this.ints(dims)]);
  }

  /** a·b, with either side transposed. */
  gemm(a: string, b: string, transA = 0, transB = 0): string {
    return this.op("Gemm", [a, b], [
      { name: "transA", i: transA },
      { name: "transB", i: transB },
    ]);
  }

  mm(a: string, b: string): string {
    return this.op("MatMul", [a, b]);
  }

  add(a: string, b: string): string {
    return this.op("Add", [a, b]);
  }

  sub(a: string, b: string): string {
    return this.op("Sub", [a, b]);
  }

  mul(a: string, b: string): string {
    return this.op("Mul", [a, b]);
  }

  /** Columns [start, start + width) of the last axis of a 3-D tensor (the tensor itself when it is all of it). */
  cols(x: string, start: number, width: number, total: number): string {
    if (start === 0 && width === total) return x;
    return this.op("Slice", [x, this.ints([start]), this.ints([start + width]), this.ints([2])]);
  }

  concat(xs: string[], axis: number): string {
    return xs.length === 1 ? xs[0]! : this.op("Concat", xs, [{ name: "axis", i: axis }]);
  }

  transposeLast(x: string): string {
    return this.op("Transpose", [x], [{ name: "perm", ints: [0, 2, 1] }]);
  }

  sumRows(x: string, keep = 0): string {
    return this.op("ReduceSum", [x, this.ints([0])], [{ name: "keepdims", i: keep }]);
  }

  /**
   * The forward pass from `onehot` to logits at the answer position. Returns the names the
   * backward pass needs. `p(name)` is the graph name of parameter `name`.
   */
  forward(p: (name: string) => string): { caches: LayerCache[]; last2: string; answer: string; logits: string } {
    const { dModel: d } = this.geometry;
    const { batch: B, seqLen: T, answerPosition } = this.shape;
    const N = B * T;
    const tokRows = this.mm(TRAIN_INPUTS.onehot, p("tok"));
    const posRows = this.op("Slice", [p("pos"), this.ints([0]), this.ints([T]), this.ints([0])]);
    let x2 = this.reshape(this.add(this.reshape(tokRows, [B, T, d]), posRows), [N, d]);
    const caches: LayerCache[] = [];
    this.geometry.layers.forEach((layer, l) => {
      const input2 = x2;
      const heads: HeadCache[] = [];
      let z2: string | null = null;
      const { sumHead, sumValue } = layerWidths(layer);
      if (sumValue > 0) {
        const Q = sumHead > 0 ? this.reshape(this.mm(x2, p(`l${l}.wq`)), [B, T, sumHead]) : null;
        const K = sumHead > 0 ? this.reshape(this.mm(x2, p(`l${l}.wk`)), [B, T, sumHead]) : null;
        const V = this.reshape(this.mm(x2, p(`l${l}.wv`)), [B, T, sumValue]);
        const zs: string[] = [];
        let qOff = 0;
        let vOff = 0;
        for (const h of layer.heads) {
          const v = this.cols(V, vOff, h.dValue, sumValue);
          let q: string | null = null;
          let k: string | null = null;
          let a: string;
          if (h.dHead > 0) {
            q = this.cols(Q!, qOff, h.dHead, sumHead);
            k = this.cols(K!, qOff, h.dHead, sumHead);
            a = this.op("Softmax", [this.mm(q, this.transposeLast(k))], [{ name: "axis", i: -1 }]);
          } else {
            a = this.g.float(this.g.fresh("uniform"), [1, T, T], new Float32Array(T * T).fill(1 / T));
          }
          zs.push(this.mm(a, v));
          heads.push({ dHead: h.dHead, dValue: h.dValue, q, k, v, a });
          qOff += h.dHead;
          vOff += h.dValue;
        }
        z2 = this.reshape(this.concat(zs, 2), [N, sumValue]);
        x2 = this.add(x2, this.mm(z2, p(`l${l}.wo`)));
      }
      const mid2 = x2;
      let pre: string | null = null;
      let relu: string | null = null;
      if (layer.mlp) {
        if (layer.hidden > 0) {
          pre = this.add(this.mm(x2, p(`l${l}.w1`)), p(`l${l}.b1`));
          relu = this.op("Relu", [pre]);
          x2 = this.add(x2, this.mm(relu, p(`l${l}.w2`)));
        }
        x2 = this.add(x2, p(`l${l}.b2`));
      }
      caches.push({ input2, heads, z2, mid2, pre, relu });
    });
    const answer = this.op("Gather", [this.reshape(x2, [B, T, d]), this.g.int64(this.g.fresh("answer"), [], [answerPosition])], [{ name: "axis", i: 1 }]);
    const logits = this.mm(answer, p("unembed"));
    return { caches, last2: x2, answer, logits };
  }
}

/** The training-step graph for batches of exactly `shape.batch` sequences of `shape.seqLen` ids. */
export function buildTrainStep(geometry: Geometry, shape: GraphShape): Uint8Array {
  const b = new Builder(geometry, shape);
  const { dModel: d, vocabRows: V, positions: P, outputs } = geometry;
  const { batch: B, seqLen: T, answerPosition } = shape;
  const N = B * T;
  const specs = tensorSpecs(geometry);
  const grads = new Map<string, string>();
  const { caches, answer, logits } = b.forward((n) => n);

  // Loss and its gradient at the logits.
  const logp = b.op("LogSoftmax", [logits], [{ name: "axis", i: -1 }]);
  const picked = b.op("ReduceSum", [b.mul(logp, TRAIN_INPUTS.labels)], [{ name: "keepdims", i: 0 }]);
  b.g.op("Mul", [picked, b.scalar(-1 / B)], [], LOSS);
  const dlogits = b.mul(b.sub(b.op("Exp", [logp]), TRAIN_INPUTS.labels), b.scalar(1 / B));
  grads.set("unembed", b.gemm(answer, dlogits, 1, 0));
  const dAnswer = b.gemm(dlogits, "unembed", 0, 1);
  const atAnswer = b.g.float(b.g.fresh("at_answer"), [1, T, 1], Array.from({ length: T }, (_, t) => (t === answerPosition ? 1 : 0)));
  let dx2 = b.reshape(b.mul(b.op("Unsqueeze", [dAnswer, b.ints([1])]), atAnswer), [N, d]);

  for (let l = geometry.layers.length - 1; l >= 0; l--) {
    const layer = geometry.layers[l]!;
    const c = caches[l]!;
    if (layer.mlp) {
      grads.set(`l${l}.b2`, b.sumRows(dx2));
      if (layer.hidden > 0) {
        grads.set(`l${l}.w2`, b.gemm(c.relu!, dx2, 1, 0));
        const dRelu = b.gemm(dx2, `l${l}.w2`, 0, 1);
        const dPre = b.op("Where", [b.op("Greater", [c.pre!, b.scalar(0)]), dRelu, b.scalar(0)]);
        grads.set(`l${l}.b1`, b.sumRows(dPre));
        grads.set(`l${l}.w1`, b.gemm(c.mid2, dPre, 1, 0));
        dx2 = b.add(dx2, b.gemm(dPre, `l${l}.w1`, 0, 1));
      }
    }
    const { sumHead, sumValue } = layerWidths(layer);
    if (sumValue > 0) {
      grads.set(`l${l}.wo`, b.gemm(c.z2!, dx2, 1, 0));
      const dZ = b.reshape(b.gemm(dx2, `l${l}.wo`, 0, 1), [B, T, sumValue]);
      const dqs: string[] = [];
      const dks: string[] = [];
      const dvs: string[] = [];
      let vOff = 0;
      for (const h of c.heads) {
        const dz = b.cols(dZ, vOff, h.dValue, sumValue);
        vOff += h.dValue;
        dvs.push(b.mm(h.dHead > 0 ? b.transposeLast(h.a) : h.a, dz)); // a uniform pattern is symmetric
        if (h.dHead > 0) {
          const da = b.mm(dz, b.transposeLast(h.v));
          const rowDot = b.op("ReduceSum", [b.mul(da, h.a), b.ints([-1])], [{ name: "keepdims", i: 1 }]);
          const ds = b.mul(h.a, b.sub(da, rowDot));
          dqs.push(b.mm(ds, h.k!));
          dks.push(b.mm(b.transposeLast(ds), h.q!));
        }
      }
      const dV2 = b.reshape(b.concat(dvs, 2), [N, sumValue]);
      grads.set(`l${l}.wv`, b.gemm(c.input2, dV2, 1, 0));
      let dIn = b.add(dx2, b.gemm(dV2, `l${l}.wv`, 0, 1));
      if (sumHead > 0) {
        const dQ2 = b.reshape(b.concat(dqs, 2), [N, sumHead]);
        const dK2 = b.reshape(b.concat(dks, 2), [N, sumHead]);
        grads.set(`l${l}.wq`, b.gemm(c.input2, dQ2, 1, 0));
        grads.set(`l${l}.wk`, b.gemm(c.input2, dK2, 1, 0));
        dIn = b.add(b.add(dIn, b.gemm(dQ2, `l${l}.wq`, 0, 1)), b.gemm(dK2, `l${l}.wk`, 0, 1));
      }
      dx2 = dIn;
    }
  }
  grads.set("tok", b.gemm(TRAIN_INPUTS.onehot, dx2, 1, 0));
  const dPosT = b.sumRows(b.reshape(dx2, [B, T, d]));
  grads.set("pos", T === P ? dPosT : b.concat([dPosT, b.g.float(b.g.fresh("zero_rows"), [P - T, d], new Float32Array((P - T) * d))], 0));

  const outputsInfo = [tensorInfo(LOSS, FLOAT, [])];
  const squares = specs.map((s) => {
    const g = grads.get(s.name);
    if (!g) throw new Error(`buildTrainStep: no gradient for ${s.name}`);
    return b.op("ReduceSumSquare", [g], [{ name: "keepdims", i: 0 }]);
  });
  const norm = b.op("Sqrt", [squares.length === 1 ? squares[0]! : b.op("Sum", squares)]);
  b.g.op("Identity", [norm], [], GRAD_NORM);
  outputsInfo.push(tensorInfo(GRAD_NORM, FLOAT, []));
  const scale = b.op("Min", [b.scalar(1), b.op("Div", [TRAIN_INPUTS.clip, b.add(norm, b.scalar(1e-12))])]);
  for (const s of specs) {
    const g = b.mul(grads.get(s.name)!, scale);
    const vel = b.g.op("Add", [b.mul(TRAIN_INPUTS.mu, velocityName(s.name)), g], [], outName(velocityName(s.name)));
    b.g.op("Sub", [s.name, b.mul(TRAIN_INPUTS.lr, vel)], [], outName(s.name));
    outputsInfo.push(tensorInfo(outName(s.name), FLOAT, [...s.shape]), tensorInfo(outName(velocityName(s.name)), FLOAT, [...s.shape]));
  }
  const inputs = [
    tensorInfo(TRAIN_INPUTS.onehot, FLOAT, [N, V]),
    tensorInfo(TRAIN_INPUTS.labels, FLOAT, [B, outputs]),
    tensorInfo(TRAIN_INPUTS.lr, FLOAT, []),
    tensorInfo(TRAIN_INPUTS.mu, FLOAT, []),
    tensorInfo(TRAIN_INPUTS.clip, FLOAT, []),
    ...specs.flatMap((s) => [tensorInfo(s.name, FLOAT, [...s.shape]), tensorInfo(velocityName(s.name), FLOAT, [...s.shape])]),
  ];
  return encodeGraph(b.g, "raspc_train_step", inputs, outputsInfo);
}

/** Forward only: `onehot` and the parameters in, logits at the answer position [B, outputs] out. */
export function buildLogits(geometry: Geometry, shape: GraphShape): Uint8Array {
  const b = new Builder(geometry, shape);
  const { logits } = b.forward((n) => n);
  b.g.op("Identity", [logits], [], LOGITS);
  const specs = tensorSpecs(geometry);
  const inputs = [tensorInfo(TRAIN_INPUTS.onehot, FLOAT, [shape.batch * shape.seqLen, geometry.vocabRows]), ...specs.map((s) => tensorInfo(s.name, FLOAT, [...s.shape]))];
  return encodeGraph(b.g, "raspc_logits", inputs, [tensorInfo(LOGITS, FLOAT, [shape.batch, geometry.outputs])]);
}
