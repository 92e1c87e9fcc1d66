// The TensorFlow.js trainer checked on its own, not against the ORT engine: its gradient against
// central finite differences of an independent Float64 forward written here, its logits on a
// compiled program against the project's Float64 reference forward, the momentum update, and
// state()/load().
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { makeRng } from "../../runtime/random.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { makeTokenizer } from "../../runtime/forward/tokenize.js";
import { addNoise, geometryOf, paramsOf, randomParams, tensorSpecs, type Geometry, type Params } from "../../runtime/train/params.js";
import { createTfjsTrainer } from "../../runtime/train/tfjsTrainer.js";
import { argmaxRows, zerosLike, type TrainBatch, type Trainer } from "../../runtime/train/trainer.js";
import { ANSWER, GEOMETRY, randomBatch } from "./fixtures.js";

/** The model of params.ts in Float64, independent of the trainer: mean cross-entropy of a batch. */
function loss64(g: Geometry, params: readonly Float64Array[], batch: TrainBatch, answer: number): number {
  const specs = tensorSpecs(g);
  const P = new Map(specs.map((s, i) => [s.name, { data: params[i]!, cols: s.shape[s.shape.length - 1]! }]));
  const get = (name: string) => P.get(name)!;
  const d = g.dModel;
  const T = batch.seqLen;
  // rows · W for a row-major W with `cols` columns, plus an optional bias.
  const matmul = (rows: Float64Array[], w: { data: Float64Array; cols: number }, bias?: Float64Array) =>
    rows.map((r) => {
      const out = bias ? Float64Array.from(bias) : new Float64Array(w.cols);
      for (let i = 0; i < r.length; i++) for (let j = 0; j < w.cols; j++) out[j]! += r[i]! * w.data[i * w.cols + j]!;
      return out;
    });
  let total = 0;
  for (let b = 0; b < batch.batch; b++) {
    const tok = get("tok").data;
    const pos = get("pos").data;
    const x = Array.from({ length: T }, (_, p) => {
      const id = batch.ids[b * T + p]!;
      return Float64Array.from({ length: d }, (_, j) => tok[id * d + j]! + pos[p * d + j]!);
    });
    g.layers.forEach((layer, l) => {
      if (layer.heads.length > 0) {
        const q = layer.heads.some((h) => h.dHead > 0) ? matmul(x, get(`l${l}.wq`)) : [];
        const k = layer.heads.some((h) => h.dHead > 0) ? matmul(x, get(`l${l}.wk`)) : [];
        const v = matmul(x, get(`l${l}.wv`));
        const z = Array.from({ length: T }, () => new Float64Array(v[0]!.length));
        let qOff = 0;
        let vOff = 0;
        for (const head of layer.heads) {
          for (let i = 0; i < T; i++) {
            const s = Array.from({ length: T }, (_, j) => {
              let dot = 0;
              for (let c = 0; c < head.dHead; c++) dot += q[i]![qOff + c]! * k[j]![qOff + c]!;
              return dot;
            });
            const m = Math.max(...s);
            const e = s.map((t) => Math.exp(t - m));
            const sum = e.reduce((a, c) => a + c, 0);
            for (let j = 0; j < T; j++) for (let c = 0; c < head.dValue; c++) z[i]![vOff + c]! += (e[j]! / sum) * v[j]![vOff + c]!;
          }
          qOff += head.dHead;
          vOff += head.dValue;
        }
        matmul(z, get(`l${l}.wo`)).forEach((delta, p) => delta.forEach((t, j) => (x[p]![j]! += t)));
      }
      if (layer.mlp) {
        const b2 = get(`l${l}.b2`).data;
        const out =
          layer.hidden > 0
            ? matmul(
                matmul(x, get(`l${l}.w1`), get(`l${l}.b1`).data).map((h) => h.map((t) => Math.max(0, t))),
                get(`l${l}.w2`),
                b2,
              )
            : x.map(() => b2);
        out.forEach((delta, p) => delta.forEach((t, j) => (x[p]![j]! += t)));
      }
    });
    const logits = matmul([x[answer]!], get("unembed"))[0]!;
    const m = Math.max(...logits);
    const lse = m + Math.log(logits.reduce((a, t) => a + Math.exp(t - m), 0));
    total += lse - logits[batch.labels[b]!]!;
  }
  return total / batch.batch;
}

function finiteDifferences(params: Params, batch: TrainBatch, eps: number): Float64Array[] {
  const p64 = params.map((t) => Float64Array.from(t));
  return p64.map((t) =>
    t.map((v, j) => {
      t[j] = v + eps;
      const up = loss64(GEOMETRY, p64, batch, ANSWER);
      t[j] = v - eps;
      const down = loss64(GEOMETRY, p64, batch, ANSWER);
      t[j] = v;
      return (up - down) / (2 * eps);
    }),
  );
}

const maxAbs = (xs: ArrayLike<number>): number => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

const open: Trainer[] = [];
async function trainer(params: Params, backend?: string, geometry = GEOMETRY, answerPosition = ANSWER): Promise<Trainer> {
  const t = await createTfjsTrainer({ geometry, answerPosition, initial: { params, velocity: zerosLike(params) }, ...(backend ? { backend } : {}) });
  open.push(t);
  return t;
}
afterEach(() => {
  for (const t of open.splice(0)) t.dispose();
});

/** Random weights with non-zero biases, so no ReLU sits on its kink. */
const startParams = (seed: number): Params => addNoise(randomParams(GEOMETRY, makeRng(seed)), 0.1, makeRng(seed + 1));

describe("tfjs trainer", () => {
  it("its gradient matches central finite differences of a Float64 forward, on every tensor", async () => {
    const params = startParams(1);
    const batch = randomBatch(makeRng(2), 3, 4);
    const t = await trainer(params);
    expect(t.engine).toBe("tfjs");
    expect(t.backend).toBe("wasm");
    const { loss } = await t.step(batch, { learningRate: 0.25, momentum: 0.9 });
    expect(Math.abs(loss - loss64(GEOMETRY, params.map((p) => Float64Array.from(p)), batch, ANSWER))).toBeLessThan(1e-5);
    // From zero velocity, v = μ·0 + g is the gradient itself.
    const grad = t.state().velocity;
    const want = finiteDifferences(params, batch, 1e-5);
    const specs = tensorSpecs(GEOMETRY);
    specs.forEach((s, i) => {
      const err = maxAbs(grad[i]!.map((g, j) => g - want[i]![j]!));
      expect(err, `${s.name}: max |tfjs − fd| with max |fd| ${maxAbs(want[i]!)}`).toBeLessThan(1e-5 * (1 + maxAbs(want[i]!)));
      if (s.name !== "tok") expect(maxAbs(want[i]!), `${s.name} has a gradient`).toBeGreaterThan(1e-3);
    });
    // Sequences of 4 never read position row 4, and PAD (token row 4) is never fed: exact zeros there.
    const pos = grad[specs.findIndex((s) => s.name === "pos")]!;
    expect(maxAbs(pos.subarray(4 * GEOMETRY.dModel))).toBe(0);
    const tok = grad[specs.findIndex((s) => s.name === "tok")]!;
    expect(maxAbs(tok.subarray(4 * GEOMETRY.dModel))).toBe(0);
    expect(maxAbs(tok.subarray(0, 4 * GEOMETRY.dModel))).toBeGreaterThan(1e-3);
  });

  it("updates exactly v = μ·v + g; p = p − lr·v", async () => {
    const p0 = startParams(3);
    const batch = randomBatch(makeRng(4), 5, 5);
    const t = await trainer(p0);
    await t.step(batch, { learningRate: 0.25, momentum: 0.9 });
    const { params: p1, velocity: g0 } = t.state();
    p1.forEach((p, i) => p.forEach((v, j) => expect(v).toBe(Math.fround(p0[i]![j]! - Math.fround(0.25 * g0[i]![j]!)))));
    // Same point again with that velocity: the new gradient is g0, so v = 0.5·g0 + g0.
    t.load({ params: p0, velocity: g0 });
    await t.step(batch, { learningRate: 0.25, momentum: 0.5 });
    const { params: p2, velocity: v2 } = t.state();
    v2.forEach((v, i) =>
      v.forEach((x, j) => {
        const want = Math.fround(Math.fround(0.5 * g0[i]![j]!) + g0[i]![j]!);
        expect(Math.abs(x - want)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(want)));
        expect(p2[i]![j]).toBe(Math.fround(p0[i]![j]! - Math.fround(0.25 * x)));
      }),
    );
  });

  it("with lr = 0 leaves the parameters unchanged and reports a finite loss", async () => {
    const p0 = startParams(5);
    const t = await trainer(p0);
    const batch = randomBatch(makeRng(6), 4, 5);
    for (let i = 0; i < 3; i++) expect(Number.isFinite((await t.step(batch, { learningRate: 0, momentum: 0.9 })).loss)).toBe(true);
    expect(t.state().params).toEqual(p0);
    expect(maxAbs(t.state().velocity.flatMap((v) => Array.from(v)))).toBeGreaterThan(0);
  });

  it("state() and load() round-trip, and both copy", async () => {
    const t = await trainer(startParams(7));
    const other = { params: startParams(8), velocity: startParams(9) };
    t.load(other);
    const s = t.state();
    expect(s).toEqual(other);
    s.params[0]![0] = 1234;
    other.params[1]![0] = 4321;
    expect(t.state().params[0]![0]).not.toBe(1234);
    expect(t.state().params[1]![0]).not.toBe(4321);
    // The loaded state is what the trainer computes with.
    const batch = randomBatch(makeRng(10), 3, 5);
    const fresh = await createTfjsTrainer({ geometry: GEOMETRY, answerPosition: ANSWER, initial: t.state() });
    open.push(fresh);
    expect(await t.logits(batch)).toEqual(await fresh.logits(batch));
    expect(() => t.load({ params: other.params.slice(1), velocity: other.velocity })).toThrow(/expected/);
  });

  it("gives the same step on the cpu backend as on wasm", async () => {
    const params = startParams(11);
    const batch = randomBatch(makeRng(12), 3, 5);
    const wasm = await trainer(params);
    const cpu = await trainer(params, "cpu");
    expect(cpu.backend).toBe("cpu");
    const opts = { learningRate: 0.1, momentum: 0.9 };
    // Interleaved, so each call must switch the process's backend back to its own.
    const { loss: lossCpu } = await cpu.step(batch, opts);
    const { loss: lossWasm } = await wasm.step(batch, opts);
    expect(Math.abs(lossCpu - lossWasm)).toBeLessThan(1e-5);
    const a = cpu.state().velocity;
    const b = wasm.state().velocity;
    a.forEach((v, i) => expect(maxAbs(v.map((x, j) => x - b[i]![j]!))).toBeLessThan(1e-5));
  });

  it("rejects backends it does not have, and names the fix for a missing tfjs-node", async () => {
    await expect(createTfjsTrainer({ geometry: GEOMETRY, answerPosition: ANSWER, initial: { params: startParams(1), velocity: startParams(1) }, backend: "webgpu" })).rejects.toThrow(
      /no backend 'webgpu'/,
    );
    const require = createRequire(import.meta.url);
    const installed = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"].some((p) => {
      try {
        require.resolve(p);
        return true;
      } catch {
        return false;
      }
    });
    if (installed) return;
    const err = await createTfjsTrainer({ geometry: GEOMETRY, answerPosition: ANSWER, initial: { params: startParams(1), velocity: startParams(1) }, backend: "tensorflow" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/npm install @tensorflow\/tfjs-node-gpu/);
    expect(message).toMatch(/--engine ort/);
    expect(message).not.toContain("\n");
  });
});

describe("tfjs trainer on a compiled program", () => {
  it("counter.rasp: logits at the answer position equal the reference forward's, and argmax is the count of a", async () => {
    const vocab: Atom[] = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    const file = "rasp-programs/counter.rasp";
    const model = compileFile(file, { vocab, maxLen: 10 });
    const geometry = geometryOf(model);
    const params = paramsOf(model);
    const tokenizer = makeTokenizer(model);
    const rng = makeRng(13);
    const t = await trainer(params, undefined, geometry, 2);
    for (const length of [10, 4]) {
      // A spread of counts: each sample has its own chance of "a".
      const inputs = Array.from({ length: 40 }, (_, s) => Array.from({ length }, () => (rng.next() < s / 40 ? "a" : vocab[1 + rng.int(8)]!)));
      const ids = inputs.map((x) => tokenizer.encode(x, "test"));
      const T = length + 1;
      const got = await t.logits({ batch: ids.length, seqLen: T, ids: Int32Array.from(ids.flat()) });
      const ref = referenceForward(model, ids);
      const outputs = geometry.outputs;
      expect(got.length).toBe(ids.length * outputs);
      let worst = 0;
      let scale = 0;
      ids.forEach((_, b) => {
        for (let c = 0; c < outputs; c++) {
          const want = ref.logits[(b * T + 2) * outputs + c]!;
          worst = Math.max(worst, Math.abs(got[b * outputs + c]! - want));
          scale = Math.max(scale, Math.abs(want));
        }
      });
      expect(worst, `max |tfjs − reference| with |logit| up to ${scale}`).toBeLessThan(1e-5 * (1 + scale));
      const columns = argmaxRows(got, outputs);
      expect(Array.from(columns, (c) => model.output.values[c])).toEqual(inputs.map((x) => x.filter((a) => a === "a").length));
    }
  });
});
