// The gpt description, its next-token loss, global-norm clipping and AdamW against PyTorch: two
// steps of a 2-layer minGPT written by bench/torch_gpt_fixture.py (PyTorch 1.13, minGPT's model.py
// and configure_optimizers) and committed as data. Loss, pre-clip gradient norm, every gradient and
// every parameter after each step agree to 1e-5 relative.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { gpt, type GptConfig } from "../../runtime/models/gpt.js";
import type { OptimizerSpec } from "../../runtime/autodiff/step.js";
import { relativeError, runOneStep } from "./stepHarness.js";

interface Fixture {
  torch: string;
  config: GptConfig;
  batch: number;
  seqLen: number;
  lr: number;
  weightDecay: number;
  betas: [number, number];
  clip: number;
  ids: number[];
  targets: number[];
  initial: Record<string, string>;
  steps: { loss: number; gradNorm: number; grads: Record<string, string>; params: Record<string, string>; m: Record<string, string>; v: Record<string, string> }[];
}

const fixture = JSON.parse(fs.readFileSync("test/fixtures/torch-gpt-step.json", "utf8")) as Fixture;
const floats = (b64: string): Float32Array => {
  const bytes = Buffer.from(b64, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

describe(`gpt + AdamW against PyTorch ${fixture.torch} (bench/torch_gpt_fixture.py)`, () => {
  const model = gpt(fixture.config);
  const byName = (block: Record<string, string>) =>
    model.params.map((p) => {
      const b = block[p.name];
      if (b === undefined) throw new Error(`the fixture has no ${p.name}`);
      return floats(b);
    });
  const optimizer: OptimizerSpec = { kind: "adamw", beta1: fixture.betas[0], beta2: fixture.betas[1], eps: 1e-8, weightDecay: fixture.weightDecay };

  it("names the same parameters as minGPT", () => {
    expect(Object.keys(fixture.initial).sort()).toEqual(model.params.map((p) => p.name).sort());
  });

  it("agrees on loss, gradient norm, gradients and updated parameters for two steps, to 1e-5 relative", async () => {
    let params: Float32Array[] = byName(fixture.initial);
    let slots: { m: Float32Array[]; v: Float32Array[] } = { m: params.map((p) => new Float32Array(p.length)), v: params.map((p) => new Float32Array(p.length)) };
    const report: string[] = [];
    for (const [t, want] of fixture.steps.entries()) {
      const got = await runOneStep({
        model, optimizer, loss: { kind: "nextToken" }, params, slots,
        batch: fixture.batch, seqLen: fixture.seqLen, ids: fixture.ids, targets: fixture.targets,
        lr: fixture.lr, step: t + 1, clip: fixture.clip, clipEpsilon: 1e-6,
      });
      expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThan(1e-5);
      expect(Math.abs(got.gradNorm - want.gradNorm) / want.gradNorm).toBeLessThan(1e-5);
      let worstGrad = 0;
      let worstParam = 0;
      let worstUpdate = 0;
      let small = 0;
      let total = 0;
      const wantGrads = byName(want.grads);
      const wantParams = byName(want.params);
      model.params.forEach((p, i) => {
        const eg = relativeError(got.grads[i]!, wantGrads[i]!);
        // AdamW divides by √v: an entry whose gradient is small (the key bias, whose exact gradient is
        // 0 because softmax ignores a shift, is all rounding noise) gets a step of up to lr from
        // differences at float32 rounding level, in either framework. Entries with |g| ≤ 1e-4 (the
        // gradients' rounding differences are ≤ 1e-9) are held to "less than two steps apart"; every
        // other entry of the parameter and of its update agrees to 1e-5 relative.
        const real = (j: number) => Math.abs(wantGrads[i]![j]!) > 1e-4;
        small += wantGrads[i]!.filter((g) => Math.abs(g) <= 1e-4).length;
        total += wantGrads[i]!.length;
        const pick = (ps: Float32Array, base: Float32Array | null) => Array.from(ps, (v, j) => (real(j) ? v - (base ? base[j]! : 0) : 0));
        const ep = relativeError(pick(got.params[i]!, null), pick(wantParams[i]!, null));
        const eu = relativeError(pick(got.params[i]!, params[i]!), pick(wantParams[i]!, params[i]!));
        got.params[i]!.forEach((v, j) => {
          if (!real(j)) expect(Math.abs(v - wantParams[i]![j]!), `${p.name}[${j}]`).toBeLessThanOrEqual(2 * fixture.lr);
        });
        expect(eg, `step ${t + 1} gradient of ${p.name}`).toBeLessThan(1e-5);
        expect(ep, `step ${t + 1} parameter ${p.name}`).toBeLessThan(1e-5);
        expect(eu, `step ${t + 1} update of ${p.name}`).toBeLessThan(1e-5);
        worstUpdate = Math.max(worstUpdate, eu);
        worstGrad = Math.max(worstGrad, eg);
        worstParam = Math.max(worstParam, ep);
      });
      report.push(`step ${t + 1}: loss ${got.loss} vs ${want.loss}, norm ${got.gradNorm} vs ${want.gradNorm}, worst gradient ${worstGrad.toExponential(2)}, worst parameter ${worstParam.toExponential(2)}, worst update ${worstUpdate.toExponential(2)} (${small} of ${total} entries with |g| ≤ 1e-4 held to 2·lr)`);
      // The next step starts from PyTorch's state, so it checks that step alone.
      params = wantParams;
      slots = { m: byName(want.m), v: byName(want.v) };
    }
    console.log(report.join("\n"));
  });
});
