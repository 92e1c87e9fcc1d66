// The fast engine (the autodiff ONNX training step on onnxruntime-node) against the autodiff
// reference (TensorFlow.js): gradients on every tensor of a geometry with every layer kind, the
// parameters after several momentum steps, gradient clipping, and the logits of a compiled model.
import { afterAll, describe, expect, it } from "vitest";
import { makeRng } from "../../runtime/random.js";
import { addNoise, cloneParams, randomParams, tensorSpecs, type Params } from "../../runtime/train/params.js";
import { createOrtTrainer } from "../../runtime/train/ortTrainer.js";
import { createTfjsTrainer } from "../../runtime/train/tfjsTrainer.js";
import { zerosLike, type StepOptions, type Trainer } from "../../runtime/train/trainer.js";
import { ANSWER, GEOMETRY, randomBatch } from "./fixtures.js";

const made: Trainer[] = [];
afterAll(() => made.forEach((t) => t.dispose()));

async function pair(params: Params): Promise<[Trainer, Trainer]> {
  const initial = { params: cloneParams(params), velocity: zerosLike(params) };
  const ort = await createOrtTrainer({ geometry: GEOMETRY, initial, answerPosition: ANSWER, threads: 1 });
  const tfjs = await createTfjsTrainer({ geometry: GEOMETRY, initial, answerPosition: ANSWER, backend: "cpu" });
  made.push(ort, tfjs);
  return [ort, tfjs];
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** The gradient one step takes from zero momentum with lr 1: p_before - p_after. */
async function gradientOf(t: Trainer, opts: Omit<StepOptions, "learningRate" | "momentum"> = {}, seed = 11): Promise<{ loss: number; gradNorm: number; grads: Float32Array[] }> {
  const before = t.state().params;
  const { loss, gradNorm } = await t.step(randomBatch(makeRng(seed), 7, 4), { learningRate: 1, momentum: 0, ...opts });
  return { loss, gradNorm, grads: t.state().params.map((p, i) => before[i]!.map((v, j) => v - p[j]!)) };
}

describe("the ORT training step against TensorFlow.js autodiff", () => {
  const params = addNoise(randomParams(GEOMETRY, makeRng(3), 1.5), 0.05, makeRng(4));

  it("gives the same loss and the same gradient on every tensor", async () => {
    const [ort, tfjs] = await pair(params);
    const a = await gradientOf(ort);
    const b = await gradientOf(tfjs);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    tensorSpecs(GEOMETRY).forEach((s, i) => {
      const scale = 1 + maxAbs(b.grads[i]!);
      expect(maxAbsDiff(a.grads[i]!, b.grads[i]!), s.name).toBeLessThan(2e-5 * scale);
    });
    // The gradient is not trivially zero anywhere it should not be: every tensor moves.
    tensorSpecs(GEOMETRY).forEach((s, i) => expect(maxAbs(b.grads[i]!), s.name).toBeGreaterThan(0));
  });

  it("ends at the same parameters and momentum after five momentum steps with a schedule", async () => {
    const [ort, tfjs] = await pair(params);
    const rng = makeRng(21);
    for (let step = 0; step < 5; step++) {
      const batch = randomBatch(rng, 9, 5);
      // Small steps: with large ones float32 rounding differences grow chaotically, which says nothing about the engines.
      const opts = { learningRate: 0.002 * (step + 1), momentum: 0.9 };
      const [la, lb] = [(await ort.step(batch, opts)).loss, (await tfjs.step(batch, opts)).loss];
      expect(Math.abs(la - lb)).toBeLessThan(1e-4);
    }
    const [sa, sb] = [ort.state(), tfjs.state()];
    sa.params.forEach((p, i) => expect(maxAbsDiff(p, sb.params[i]!)).toBeLessThan(1e-4 * (1 + maxAbs(sb.params[i]!))));
    sa.velocity.forEach((v, i) => expect(maxAbsDiff(v, sb.velocity[i]!)).toBeLessThan(1e-4 * (1 + maxAbs(sb.velocity[i]!))));
  });

  it("clips the global gradient norm the same way, and only when it is longer", async () => {
    const [ort, tfjs] = await pair(params);
    const free = await gradientOf((await pair(params))[0]);
    const norm = Math.sqrt(free.grads.reduce((a, g) => a + g.reduce((x, v) => x + v * v, 0), 0));
    const clip = norm / 4;
    const a = await gradientOf(ort, { clipNorm: clip });
    const b = await gradientOf(tfjs, { clipNorm: clip });
    const clippedNorm = Math.sqrt(a.grads.reduce((acc, g) => acc + g.reduce((x, v) => x + v * v, 0), 0));
    expect(clippedNorm).toBeCloseTo(clip, 4);
    // Both engines report the norm before clipping: the unclipped gradient's.
    expect(free.gradNorm).toBeCloseTo(norm, 4);
    expect(a.gradNorm).toBeCloseTo(norm, 4);
    expect(b.gradNorm).toBeCloseTo(norm, 4);
    a.grads.forEach((g, i) => {
      expect(maxAbsDiff(g, b.grads[i]!)).toBeLessThan(2e-5 * (1 + maxAbs(b.grads[i]!)));
      expect(maxAbsDiff(g, free.grads[i]!.map((v) => v / 4))).toBeLessThan(1e-5 * (1 + maxAbs(free.grads[i]!)));
    });
    // A clip longer than the gradient changes nothing.
    const [ort2] = await pair(params);
    const loose = await gradientOf(ort2, { clipNorm: norm * 2 });
    loose.grads.forEach((g, i) => expect(maxAbsDiff(g, free.grads[i]!)).toBe(0));
  });

  it("scores batches of another size with the same logits", async () => {
    const [ort, tfjs] = await pair(params);
    const batch = randomBatch(makeRng(5), 13, 5);
    const [a, b] = [await ort.logits(batch), await tfjs.logits(batch)];
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6 * (1 + maxAbs(b)));
  });
});
