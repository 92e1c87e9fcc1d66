// runtime/instruments/probe.ts: on the compiled Counter model a linear probe after the counting block
// (layer 0, whose MLP writes count_a) reads count_a on every held-out sample, while the probe of the
// embedding is no better than the majority class plus 10 points (at the answer position the
// embedding holds one token and its index). The tests train with fewer iterations than the paper's
// 4K and so a larger learning rate (0.05 instead of 1e-3), the same schedule shape; the assertions
// are on held-out samples. Also: probes trained together as one model equal probes trained alone,
// the learning-rate schedule, and unknown targets refused with the list.
import { beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { hookedCompiled, type HookedModel } from "../../runtime/instruments/hookedModel.js";
import { defaultProbeSettings, linearProbes, PROBE_FEATURES, probeLearningRate, probeModel, probeTarget, probeTargets, stackedAdamW, TORCH_ADAMW } from "../../runtime/instruments/probe.js";
import { loadOrt } from "../../runtime/forward/ortForward.js";
import { makeRng } from "../../runtime/random.js";
import { COUNTER_VOCAB, DEFAULT_SPECS } from "../../runtime/tasks/data.js";
import { GraphTrainer } from "../../runtime/train/graphTrainer.js";

const spec = DEFAULT_SPECS.counter;

describe("probing the compiled Counter model", () => {
  let m: HookedModel;
  beforeAll(() => {
    m = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: spec.length }), "counter.json");
  });

  it("reads count_a at 100% after the counting block, and no better than the majority + 10 points from the embedding", async () => {
    const settings = defaultProbeSettings({ iterations: 300, learningRate: 0.05, testSamples: 1000 });
    expect(settings.milestones).toEqual([150, 225, 263]);
    const [result] = await probeModel(m, spec, [probeTarget(spec, "count_a")], settings);
    const byBlock = new Map(result!.blocks.map((b) => [b.block, b]));
    expect([...byBlock.keys()]).toEqual(["embed", "block 0", "block 1"]);
    expect(byBlock.get("embed")!.hook).toBe("blocks.0.hook_resid_pre");
    expect(byBlock.get("block 0")!.hook).toBe("blocks.0.hook_resid_post");
    expect(byBlock.get("block 0")!.accuracy).toBe(1);
    expect(byBlock.get("block 1")!.accuracy).toBe(1);
    const embed = byBlock.get("embed")!.accuracy;
    expect(result!.majority.accuracy).toBeGreaterThan(0.3);
    expect(embed).toBeLessThanOrEqual(result!.majority.accuracy + 0.1);
    expect(result!.testSamples).toBe(1000);
  });

  it("knows the task's targets and refuses others with the list", () => {
    expect(probeTargets(spec).map((t) => t.name)).toEqual(COUNTER_VOCAB.map((t) => `count_${t}`));
    expect(probeTarget(spec, "pt").name).toBe("count_a");
    expect(probeTarget(spec, "ft").name).toBe("count_b");
    expect(probeTarget(spec, "count_b").labelOf(["b", "a", "b"])).toBe(2);
    expect(() => probeTarget(spec, "count_z")).toThrow(/--target count_z: not a target of the counter task \(did you mean count_\w\?\); its targets are count_a, count_b, .*count_i \(and pt, ft/);
    const mi = DEFAULT_SPECS.max_identifier;
    expect(probeTarget(mi, "pt").name).toBe("rank_5");
    expect(probeTarget(mi, "rank_7").labelOf("zyxwvutsrq".split(""))).toBe("w");
  });
});

describe("the probes' training", () => {
  it("follows the paper's step schedule", () => {
    const s = defaultProbeSettings();
    expect([s.iterations, s.learningRate, s.milestones, s.gamma]).toEqual([4000, 1e-3, [2000, 3000, 3500], 0.1]);
    expect(probeLearningRate(s, 1999)).toBe(1e-3);
    expect(probeLearningRate(s, 2000)).toBeCloseTo(1e-4, 12);
    expect(probeLearningRate(s, 3499)).toBeCloseTo(1e-5, 12);
    expect(probeLearningRate(s, 3500)).toBeCloseTo(1e-6, 12);
  });

  it("trains a probe among others exactly as alone (the stacked mean loss and AdamW's eps / count)", async () => {
    const ort = await loadOrt();
    const [width, classes, B] = [5, 3, 8];
    const rng = makeRng(3);
    const draw = (n: number) => Float32Array.from({ length: n }, () => 2 * rng.next() - 1);
    const w0 = draw(width * classes);
    const b0 = draw(classes);
    const trainer = (count: number) => {
      const params = [new Float32Array(count * width * classes), new Float32Array(count * classes)];
      for (let p = 0; p < count; p++) {
        params[0]!.set(p === 0 ? w0 : draw(width * classes), p * width * classes);
        params[1]!.set(p === 0 ? b0 : draw(classes), p * classes);
      }
      const zeros = params.map((t) => new Float32Array(t.length));
      return new GraphTrainer(ort, { model: linearProbes(count, width, classes), optimizer: stackedAdamW(TORCH_ADAMW, count), loss: { kind: "answer", position: 0 }, initial: { params, slots: { m: zeros, v: zeros.map((z) => z.slice()) } }, clipEpsilon: 1e-6 });
    };
    const alone = trainer(1);
    const among = trainer(3);
    for (let t = 0; t < 20; t++) {
      const x = draw(B * width);
      const y = Int32Array.from({ length: B }, () => rng.int(classes));
      const others = draw(2 * B * width);
      const stacked = new Float32Array(3 * B * width);
      stacked.set(x);
      stacked.set(others, B * width);
      const labels = new Int32Array(3 * B);
      labels.set(y);
      labels.set(Int32Array.from({ length: 2 * B }, () => rng.int(classes)), B);
      await alone.step({ batch: B, seqLen: 1, ids: new Int32Array(B), labels: y, inputs: { [PROBE_FEATURES]: { data: x, shape: [B, width] } } }, { learningRate: 0.01, step: t + 1 });
      await among.step({ batch: 3 * B, seqLen: 1, ids: new Int32Array(3 * B), labels, inputs: { [PROBE_FEATURES]: { data: stacked, shape: [3 * B, width] } } }, { learningRate: 0.01, step: t + 1 });
    }
    const a = alone.state().params;
    const b = among.state().params;
    const first = b[0]!.subarray(0, width * classes);
    let worst = 0;
    first.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - a[0]![i]!))));
    b[1]!.subarray(0, classes).forEach((v, i) => (worst = Math.max(worst, Math.abs(v - a[1]![i]!))));
    expect(worst).toBeLessThan(1e-5);
    // It did move: the check is not of untouched weights.
    expect(Math.max(...first.map((v, i) => Math.abs(v - w0[i]!)))).toBeGreaterThan(0.05);
    alone.dispose();
    among.dispose();
  });
});
