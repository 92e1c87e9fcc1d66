import { beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { initTfjs, TfjsForward } from "../../runtime/forward/forward.js";
import { decodeOutputs, type ForwardResult } from "../../runtime/forward/outputs.js";
import { allHookNames, hookNames, patternOffset } from "../../compiler/model/hooks.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { makeTokenizer } from "../../runtime/forward/tokenize.js";
import { padId } from "../../compiler/model/tokens.js";
import { clone, copyModel, fracModel, maxDiffAtRealPositions, maxHookDiff, randomIds, randomModel } from "../model/fixtures.js";

beforeAll(async () => {
  await initTfjs();
});

function run(model: CompiledModel, ids: number[][], hooks = false): ForwardResult {
  const engine = new TfjsForward(model);
  try {
    return engine.forward(ids, { hooks });
  } finally {
    engine.dispose();
  }
}

describe("tfjs forward against the Float64 reference", () => {
  it("agrees to 1e-4 on logits and every hook, on random models", () => {
    for (let seed = 0; seed < 40; seed++) {
      const model = randomModel(seed);
      const ids = randomIds(model, seed + 1000, 1 + (seed % 9));
      const got = run(model, ids, true);
      const want = referenceForward(model, ids, { hooks: true });
      expect(got.seqLen).toBe(want.seqLen);
      expect(got.lengths).toEqual(want.lengths);
      expect(maxDiffAtRealPositions(got, want, (r) => r.logits, got.outputs), `seed ${seed} logits`).toBeLessThan(1e-4);
      expect([...got.hooks!.keys()].sort()).toEqual(allHookNames(model).sort());
      expect([...want.hooks!.keys()].sort()).toEqual(allHookNames(model).sort());
      for (const name of allHookNames(model)) expect(maxHookDiff(model, got, want, name), `seed ${seed} ${name}`).toBeLessThan(1e-4);
    }
  });

  it("decodes the same atoms as the reference on a bigger model", () => {
    const model = randomModel(99, { vocab: 6, maxLen: 12, d: 24, layers: 4, outputs: 5 });
    const ids = randomIds(model, 5, 64);
    expect(decodeOutputs(model, run(model, ids))).toEqual(decodeOutputs(model, referenceForward(model, ids)));
  });
});

describe("padding", () => {
  it("is never attended to: a sequence alone and in a padded batch gives the same outputs", () => {
    for (let seed = 0; seed < 20; seed++) {
      const model = randomModel(seed, { maxLen: 8 });
      const ids = randomIds(model, seed, 6);
      const batched = run(model, ids);
      ids.forEach((row, b) => {
        const alone = run(model, [row]);
        for (let p = 0; p < row.length; p++) {
          for (let j = 0; j < batched.outputs; j++) {
            const x = batched.logits[(b * batched.seqLen + p) * batched.outputs + j]!;
            expect(Math.abs(x - alone.logits[p * alone.outputs + j]!)).toBeLessThan(1e-5);
          }
        }
      });
    }
  });

  it("explicit PAD ids appended to inputs change nothing at real positions", () => {
    const model = fracModel(6);
    const tok = makeTokenizer(model);
    const ids = [tok.encode(["a", "b"], "t"), tok.encode(["a", "a", "b"], "t")];
    const padded = ids.map((r) => [...r, ...new Array<number>(7 - r.length).fill(padId(model))]);
    expect(decodeOutputs(model, run(model, padded))).toEqual(decodeOutputs(model, run(model, ids)));
    expect(decodeOutputs(model, referenceForward(model, padded))).toEqual(decodeOutputs(model, referenceForward(model, ids)));
    // Attention weight on padded keys is exactly zero.
    const r = run(model, padded, true);
    const pattern = r.hooks!.get(hookNames.pattern(0))!;
    const H = model.layers[0]!.attention.length;
    for (let b = 0; b < 2; b++) {
      for (let q = 0; q < r.seqLen; q++) for (let k = r.lengths[b]!; k < r.seqLen; k++) expect(pattern[patternOffset(H, r.seqLen, b, 0) + q * r.seqLen + k]).toBe(0);
    }
  });

  it("uniform attention averages only real positions (the hand-built frac model)", () => {
    const model = fracModel(6);
    const tok = makeTokenizer(model);
    const inputs = [["a"], ["a", "b"], ["b", "b", "b", "a", "a", "a"], ["b"]];
    const out = decodeOutputs(model, run(model, inputs.map((x) => tok.encode(x, "t"))));
    inputs.forEach((x, i) => {
      const want = x.filter((t) => t === "a").length / (x.length + 1);
      for (const v of out[i]!) expect(v as number).toBeCloseTo(want, 5);
    });
  });
});

describe("decoding", () => {
  it("categorical: argmax mapped to the output values, None below the threshold", () => {
    const model = copyModel();
    const tok = makeTokenizer(model);
    expect(decodeOutputs(model, run(model, [tok.encode(["x", "z", "y"], "t")]))).toEqual([["x", "z", "y"]]);
    // Cut the MLP's output for `y`: its logit is 0, below the threshold, so it decodes as None.
    const broken = clone(model);
    broken.layers[0]!.mlp!.w2[1]![6] = 0;
    expect(decodeOutputs(broken, run(broken, [tok.encode(["x", "y"], "t")]))).toEqual([["x", null]]);
    expect(decodeOutputs(broken, referenceForward(broken, [tok.encode(["x", "y"], "t")]))).toEqual([["x", null]]);
  });

  it("numerical: the single column's value", () => {
    const model = fracModel();
    const r = referenceForward(model, [makeTokenizer(model).encode(["a", "b", "b"], "t")]);
    expect(decodeOutputs(model, r)).toEqual([[0.25, 0.25, 0.25]]);
  });
});

describe("tokenizer", () => {
  const model = copyModel(4);
  const tok = makeTokenizer(model);
  it("prepends BOS and maps tokens to ids", () => {
    expect(tok.encode(["z", "x"], "--input")).toEqual([3, 2, 0]);
  });
  it("names the unknown token and its position", () => {
    expect(() => tok.encode(["x", "q"], "--input")).toThrow(UsageError);
    expect(() => tok.encode(["x", "q"], "--input")).toThrow('--input: token "q" at position 1 is not in the model\'s vocabulary ["x", "y", "z"]');
  });
  it("refuses inputs longer than maxLen and empty inputs", () => {
    expect(() => tok.encode(["x", "x", "x", "x", "x"], "in.jsonl:3")).toThrow("in.jsonl:3: the input has 5 tokens, longer than the model's max length 4");
    expect(() => tok.encode([], "--input")).toThrow(/empty/);
  });
  it("uses Python equality: 1, 1.0 and true are one token", () => {
    const m = { vocab: [1, "1", 2], maxLen: 3 };
    expect(makeTokenizer(m).encode([true, "1", 2.0], "t")).toEqual([3, 0, 1, 2]);
  });
});

describe("engine guards", () => {
  it("rejects ids outside the vocabulary and sequences longer than maxLen + 1", () => {
    const model = copyModel(2);
    const engine = new TfjsForward(model);
    expect(() => engine.forward([[3, 9]])).toThrow(/outside/);
    expect(() => engine.forward([[3, 0, 0, 0]])).toThrow(/positions/);
    engine.dispose();
    expect(() => engine.forward([[3, 0]])).toThrow(/dispose/);
  });
});
