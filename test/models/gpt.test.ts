// The gpt description: config errors name the field, minGPT's parameter set and init, the whole
// model's gradient (next-token loss with ignored targets, and the answer-position loss) against
// float64 central differences on onnxruntime, and the inference graph's hooks (causal patterns,
// overrides).
import { describe, expect, it } from "vitest";
import { Graph, type Tensor } from "../../runtime/autodiff/graph.js";
import { openSession, ortTensor } from "../../runtime/autodiff/onnx.js";
import { gpt, gptInit, gptParams, type GptConfig } from "../../runtime/models/gpt.js";
import { rowsAt } from "../../runtime/models/model.js";
import { makeRng } from "../../runtime/random.js";
import { checkGradient, uniform } from "../autodiff/finiteDifferences.js";

const TINY: GptConfig = { vocabSize: 7, blockSize: 5, nLayer: 2, nHead: 2, nEmbd: 4 };

describe("gpt config", () => {
  it.each([
    [{ nEmbd: 190, nHead: 6 }, /nEmbd \(190\) must be divisible by nHead \(6\)/],
    [{ nLayer: 0 }, /nLayer must be a positive integer, got 0/],
    [{ vocabSize: 2.5 }, /vocabSize must be a positive integer, got 2.5/],
    [{ blockSize: 1e9 }, /blockSize 1000000000 is too large/],
    [{ dropout: 1 }, /dropout must be in \[0, 1\), got 1/],
  ])("%o is refused naming the field", (over, message) => {
    expect(() => gpt({ ...TINY, ...over })).toThrow(message);
  });

  it("has minGPT's parameters: 6·12·192² + embeddings for the paper's size", () => {
    const paper = gptParams({ vocabSize: 32, blockSize: 64, nLayer: 6, nHead: 6, nEmbd: 192 });
    const count = paper.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    // 12·d² + 13·d per block, 2·d for ln_f, (V + T)·d embeddings, V·d lm_head.
    expect(count).toBe(6 * (12 * 192 * 192 + 13 * 192) + 2 * 192 + (32 + 64) * 192 + 32 * 192);
    expect(paper.filter((p) => p.decay).map((p) => p.name)).toEqual(paper.filter((p) => p.name.endsWith(".weight") && p.shape.length === 2 && !p.name.startsWith("w")).map((p) => p.name));
  });

  it("initialises as minGPT: N(0, 0.02), residual projections 0.02/√(2L), zero biases, unit LayerNorm", () => {
    const c = { vocabSize: 50, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 64 };
    const specs = gptParams(c);
    const init = gptInit(c, makeRng(1));
    const std = (t: Float32Array) => Math.sqrt(t.reduce((a, v) => a + v * v, 0) / t.length);
    specs.forEach((s, i) => {
      const t = init[i]!;
      // Within 10% of the wanted deviation (the smallest tensor has 3200 entries).
      if (s.name.endsWith("c_proj.weight")) expect(Math.abs(std(t) / (0.02 / Math.sqrt(8)) - 1)).toBeLessThan(0.1);
      else if (s.shape.length === 2) expect(Math.abs(std(t) / 0.02 - 1)).toBeLessThan(0.1);
      else if (/ln_\w+\.weight$/.test(s.name)) expect(t.every((v) => v === 1)).toBe(true);
      else expect(t.every((v) => v === 0)).toBe(true);
    });
  });
});

describe("the whole gpt's gradient equals float64 central differences", () => {
  const m = gpt(TINY);
  const rng = makeRng(9);
  const [B, T] = [2, 5];
  const ids = Array.from({ length: B * T }, () => rng.int(TINY.vocabSize));
  // Larger weights than minGPT's init, so every path carries a gradient well above rounding.
  const inputs = m.params.map((p) => ({ shape: p.shape, values: uniform(rng, p.shape.reduce((a, b) => a * b, 1), -0.6, 0.6) }));
  const params = (g: Graph, xs: Tensor[]) => new Map(m.params.map((p, i) => [p.name, xs[i]!]));

  it("next-token loss with ignored targets", async () => {
    const targets = ids.map((_, i) => (i % 4 === 3 ? -1 : rng.int(TINY.vocabSize)));
    const r = await checkGradient((g, xs) => {
      const { final } = m.forward(g, params(g, xs), g.constant(ids, [B, T], "int64"));
      return g.crossEntropy(m.head(g, params(g, xs), final), g.constant(targets, [B * T], "int64"), -1);
    }, inputs, 4, 4);
    expect(r.worst).toBeLessThan(1e-6);
    expect(r.largest).toBeGreaterThan(1e-2);
  });

  it("answer-position loss", async () => {
    const labels = [1, 4];
    const r = await checkGradient((g, xs) => {
      const { final } = m.forward(g, params(g, xs), g.constant(ids, [B, T], "int64"));
      return g.crossEntropy(m.head(g, params(g, xs), rowsAt(g, final, B, T, 2)), g.constant(labels, [B], "int64"));
    }, inputs, 5, 4);
    expect(r.worst).toBeLessThan(1e-6);
  });
});

describe("gpt's inference graph", () => {
  it("exposes TransformerLens hooks: causal patterns that sum to one; an override changes what follows", async () => {
    const m = gpt(TINY);
    const values = gptInit(TINY, makeRng(2)).map((t) => t.map((v) => v * 20));
    const g = new Graph();
    const p = new Map(m.params.map((s, i) => [s.name, g.constant(values[i]!, s.shape)]));
    const ids = g.input("ids", [1, 4], "int64");
    const zero = g.filled([4, TINY.nEmbd], 0);
    const plain = m.forward(g, p, ids);
    const patched = m.forward(g, p, ids, { hook: (name) => (name === "blocks.1.hook_resid_post" ? zero : undefined) });
    const outs = { pattern: plain.hooks.get("blocks.0.attn.hook_pattern")!, logits: m.head(g, p, plain.final), patched: m.head(g, p, patched.final) };
    const { ort, session } = await openSession(g, outs, { threads: 1 });
    const r = await session.run({ ids: ortTensor(ort, "int64", [1, 2, 3, 4], [1, 4]) });
    const pat = r.pattern!.data as Float32Array;
    expect(r.pattern!.dims).toEqual([1, 2, 4, 4]);
    for (let h = 0; h < 2; h++)
      for (let q = 0; q < 4; q++) {
        const row = Array.from(pat.slice((h * 4 + q) * 4, (h * 4 + q + 1) * 4));
        expect(row.slice(q + 1).every((v) => v === 0)).toBe(true);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      }
    // A zero residual normalises to ln_f's bias (0), so every patched logit is 0.
    expect(Array.from(r.patched!.data as Float32Array).every((v) => v === 0)).toBe(true);
    expect(Array.from(r.logits!.data as Float32Array).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    await session.release();
  });
});
