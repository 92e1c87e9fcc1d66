// runtime/instruments/hookedModel.ts: hooks read on onnxruntime-node equal the Float64 reference
// forward's (the oracle), overriding a hook with its own value changes nothing, overriding it with
// another model's value carries that model's computation, and bad hook names are refused with the list.
import { beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { hookShapes, hookedCompiled, runHooked, withParams, type HookedModel } from "../../runtime/instruments/hookedModel.js";
import { makeRng } from "../../runtime/random.js";
import { maxDiff } from "./arrays.js";

const vocab = ["a", "b", "c", "d"];
let model: CompiledModel;
let hooked: HookedModel;

function randomInputs(n: number, len: number, seed: number): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => hooked.encode(Array.from({ length: len }, () => vocab[rng.int(vocab.length)]!), "test"));
}

beforeAll(() => {
  model = compileFile("rasp-programs/counter.rasp", { vocab, maxLen: 6 });
  hooked = hookedCompiled(model, "counter.json");
});

describe("runHooked", () => {
  it("returns the reference forward's logits and residual hooks (Float64 oracle) to float32 rounding", async () => {
    const ids = randomInputs(7, 6, 1);
    const ref = referenceForward(model, ids, { hooks: true });
    const run = await runHooked(hooked, ids, { hooks: "all" });
    expect(maxDiff(run.logits.data, ref.logits)).toBeLessThan(1e-3);
    let compared = 0;
    for (const [name, t] of run.hooks) {
      if (!/hook_resid_(pre|mid|post)$|^hook_embed$|hook_mlp_out$|mlp\.hook_(pre|post)$/.test(name)) continue;
      const r = ref.hooks!.get(name);
      expect(r, name).toBeDefined();
      expect(maxDiff(t.data, r!), name).toBeLessThan(1e-3);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
  });

  it("stacks attention patterns as [batch, head, q, k] rows that sum to 1", async () => {
    const ids = randomInputs(3, 6, 2);
    const run = await runHooked(hooked, ids, { hooks: ["blocks.0.attn.hook_pattern"] });
    const p = run.hooks.get("blocks.0.attn.hook_pattern")!;
    expect(p.shape.length).toBe(4);
    expect(p.shape[0]).toBe(3);
    const T = 7;
    for (let r = 0; r < p.data.length / T; r++) {
      const s = p.data.subarray(r * T, r * T + T).reduce((a, b) => a + b, 0);
      expect(s).toBeCloseTo(1, 4);
    }
  });

  it("overriding a hook with its own value leaves everything downstream unchanged", async () => {
    const ids = randomInputs(4, 6, 3);
    const name = "blocks.0.hook_resid_mid";
    const clean = await runHooked(hooked, ids, { hooks: "all" });
    const patched = await runHooked(hooked, ids, { hooks: "all", overrides: new Map([[name, clean.hooks.get(name)!]]) });
    expect(maxDiff(patched.logits.data, clean.logits.data)).toBe(0);
  });

  it("overriding the residual stream with another model's carries that model's output", async () => {
    const ids = randomInputs(4, 6, 4);
    const zeroed = withParams(hooked, new Map([["unembed", new Float32Array(hooked.params.get("unembed")!.length)]]), "zeroed");
    const last = [...hookShapes(hooked, 7).keys()].filter((n) => n.endsWith("hook_resid_post")).at(-1)!;
    const fromA = await runHooked(hooked, ids, { hooks: [last] });
    const intoB = await runHooked(zeroed, ids, { overrides: new Map([[last, fromA.hooks.get(last)!]]) });
    expect(maxDiff(intoB.logits.data, new Float32Array(intoB.logits.data.length))).toBe(0);
    const intoA = await runHooked(hooked, ids, { overrides: new Map([[last, fromA.hooks.get(last)!]]) });
    expect(maxDiff(intoA.logits.data, fromA.logits.data)).toBe(0);
  });

  it("refuses an unknown hook, naming the valid ones", async () => {
    const ids = randomInputs(1, 6, 5);
    await expect(runHooked(hooked, ids, { hooks: ["blocks.0.hook_resid_pos"] })).rejects.toThrow(/no hook "blocks.0.hook_resid_pos".*did you mean blocks.0.hook_resid_post.*its hooks are: hook_embed/);
  });

  it("refuses inputs of different lengths and an override of the wrong size", async () => {
    await expect(runHooked(hooked, [[4, 0, 1], [4, 0]])).rejects.toThrow(/one length/);
    const ids = randomInputs(2, 6, 6);
    await expect(runHooked(hooked, ids, { overrides: new Map([["hook_embed", { data: new Float32Array(3), shape: [3] }]]) })).rejects.toThrow(/override of hook_embed: 3 values/);
  });
});
