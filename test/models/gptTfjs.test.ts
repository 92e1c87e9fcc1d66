// The whole gpt training step (next-token loss with ignored targets, gradient, global-norm clip,
// AdamW) against TensorFlow.js autodiff on a tiny config: an independent transcription of minGPT's
// forward pass in tfjs (cpu backend), its gradients from tf.valueAndGrads, and AdamW written out
// in float64 JavaScript from PyTorch's documented update.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { gpt, type GptConfig } from "../../runtime/models/gpt.js";
import { makeRng } from "../../runtime/random.js";
import { uniform } from "../autodiff/finiteDifferences.js";
import { relativeError, runOneStep } from "./stepHarness.js";

const C: GptConfig = { vocabSize: 9, blockSize: 6, nLayer: 2, nHead: 2, nEmbd: 8 };
const [B, T] = [3, 6];
const ADAM = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
const LR = 3e-3;
const CLIP = 0.5;

beforeAll(async () => {
  if (!(await tf.setBackend("cpu"))) throw new Error("tfjs cpu backend did not start");
});

function tfjsLoss(P: Record<string, tf.Tensor>, ids: number[], targets: number[]): tf.Scalar {
  const d = C.nEmbd;
  const H = C.nHead;
  const dh = d / H;
  const ln = (x: tf.Tensor, name: string) => {
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true);
    return tf.add(tf.mul(tf.div(xc, tf.sqrt(tf.add(variance, 1e-5))), P[`${name}.weight`]!), P[`${name}.bias`]!);
  };
  const linear = (x: tf.Tensor, name: string) => tf.add(tf.matMul(x, P[`${name}.weight`]!), P[`${name}.bias`]!);
  const gelu = (x: tf.Tensor) => tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));
  const causal = tf.tensor2d(Array.from({ length: T * T }, (_, i) => (i % T <= Math.floor(i / T) ? 1 : 0)), [T, T], "bool");
  let x = tf.reshape(tf.add(tf.reshape(tf.gather(P["wte.weight"]!, tf.tensor1d(ids, "int32")), [B, T, d]), tf.slice(P["wpe.weight"]!, [0, 0], [T, d])), [B * T, d]);
  for (let l = 0; l < C.nLayer; l++) {
    const qkv = linear(ln(x, `h.${l}.ln_1`), `h.${l}.attn.c_attn`);
    const [q, k, v] = tf.split(qkv, 3, 1).map((t) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]));
    const scores = tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(dh));
    const att = tf.softmax(tf.where(tf.broadcastTo(causal, [B, H, T, T]), scores, tf.fill([B, H, T, T], -Infinity)));
    const y = tf.reshape(tf.transpose(tf.matMul(att, v!), [0, 2, 1, 3]), [B * T, d]);
    x = tf.add(x, linear(y, `h.${l}.attn.c_proj`));
    x = tf.add(x, linear(gelu(linear(ln(x, `h.${l}.ln_2`), `h.${l}.mlp.c_fc`)), `h.${l}.mlp.c_proj`));
  }
  const logits = tf.matMul(ln(x, "ln_f"), P["lm_head.weight"]!);
  const valid = targets.map((t): number => (t >= 0 ? 1 : 0));
  const onehot = tf.cast(tf.oneHot(tf.tensor1d(targets.map((t) => Math.max(t, 0)), "int32"), C.vocabSize), "float32");
  const picked = tf.sum(tf.mul(tf.logSoftmax(logits), onehot), 1);
  return tf.div(tf.neg(tf.sum(tf.mul(picked, tf.tensor1d(valid)))), valid.reduce((a, b) => a + b, 0)) as tf.Scalar;
}

describe("a gpt training step against TensorFlow.js autodiff", () => {
  it("agrees on loss, gradients, pre-clip norm and the AdamW-updated parameters", async () => {
    const m = gpt(C);
    const rng = makeRng(31);
    const params = m.params.map((p) => Float32Array.from(uniform(rng, p.shape.reduce((a, b) => a * b, 1), -0.5, 0.5)));
    const ids = Array.from({ length: B * T }, () => rng.int(C.vocabSize));
    const targets = ids.map((_, i) => (i % 5 === 4 ? -1 : rng.int(C.vocabSize)));

    const names = m.params.map((p) => p.name);
    const vars = m.params.map((p, i) => tf.tensor(params[i]!, [...p.shape]));
    const r = tf.valueAndGrads((...ts: tf.Tensor[]) => tfjsLoss(Object.fromEntries(names.map((n, i) => [n, ts[i]!])), ids, targets))(vars);
    const value = r.value.dataSync()[0]!;
    const grads = r.grads.map((g) => Float64Array.from(g.dataSync()));
    tf.dispose([...vars, r.value, ...r.grads]);
    // Clip and AdamW (torch.optim.AdamW, step 1 from zero moments) in float64.
    const norm = Math.sqrt(grads.reduce((a, g) => a + g.reduce((x, v) => x + v * v, 0), 0));
    const coef = Math.min(1, CLIP / (norm + 1e-6));
    const bc1 = 1 - ADAM.beta1;
    const bc2 = 1 - ADAM.beta2;
    const want = m.params.map((p, i) =>
      params[i]!.map((w, j) => {
        const g = grads[i]![j]! * coef;
        const mHat = ((1 - ADAM.beta1) * g) / bc1;
        const vHat = ((1 - ADAM.beta2) * g * g) / bc2;
        const decayed = p.decay ? w * (1 - LR * ADAM.weightDecay) : w;
        return decayed - (LR * mHat) / (Math.sqrt(vHat) + ADAM.eps);
      }),
    );

    const got = await runOneStep({
      model: m, optimizer: { kind: "adamw", ...ADAM }, loss: { kind: "nextToken" }, params,
      slots: { m: params.map((p) => new Float32Array(p.length)), v: params.map((p) => new Float32Array(p.length)) },
      batch: B, seqLen: T, ids, targets, lr: LR, step: 1, clip: CLIP,
    });
    expect(Math.abs(got.loss - value) / value).toBeLessThan(1e-5);
    expect(Math.abs(got.gradNorm - norm) / norm).toBeLessThan(1e-5);
    expect(norm).toBeGreaterThan(CLIP); // the clip binds, so the clip coefficient is checked too
    m.params.forEach((p, i) => {
      expect(relativeError(got.grads[i]!, grads[i]!), `gradient of ${p.name}`).toBeLessThan(1e-5);
      // Entries with |g| ≤ 1e-3 (the key bias's exact gradient is 0) take AdamW steps of up to lr
      // driven by rounding differences (tfjs's float32 gradients differ from ORT's by ~1e-8).
      const real = (j: number) => Math.abs(grads[i]![j]!) > 1e-3;
      const pick = (t: ArrayLike<number>, base: Float32Array | null = params[i]!) => Array.from(t, (v, j) => (real(j) ? v - (base ? base[j]! : 0) : 0));
      // Parameters of size ~0.5 round to ~3e-8 in float32, 1e-5 of a 3e-3 update: the update is held to 1e-4, the parameter to 1e-5.
      expect(relativeError(pick(got.params[i]!), pick(want[i]!)), `update of ${p.name}`).toBeLessThan(1e-4);
      expect(relativeError(pick(got.params[i]!, null), pick(want[i]!, null)), `parameter ${p.name}`).toBeLessThan(1e-5);
      got.params[i]!.forEach((v, j) => expect(Math.abs(v - want[i]![j]!)).toBeLessThanOrEqual(2 * LR));
    });
  });
});
