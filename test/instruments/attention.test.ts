// runtime/instruments/attention.ts on the compiled Counter model (rasp-programs/counter.rasp). The
// counting head is the one the plan says computes the selector_width s-op count_a (kind
// "attention+mlp": Tracr's selector width is an attention head that also attends to BOS, then an
// MLP that turns 1/(w+1) into w). Its selector select(bin, indices, ==) makes query position 1 of
// the input pick the operand's positions (bin = True = 1), query position 0 pick the others
// (False = 0), and every other query pick nothing; with BOS always attended, a query that picks w
// keys puts 1/(w+1) on BOS and on each of them. At the answer (model position 2) that is
// c/(c+1) of the mass on the operand "a", exactly where the a's are.
import { beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { attentionMaps, crop, massByToken, massOn, parseWindow, topKeys } from "../../runtime/instruments/attention.js";
import { hookedCompiled, type HookedModel } from "../../runtime/instruments/hookedModel.js";
import { makeRng } from "../../runtime/random.js";
import { COUNTER_VOCAB } from "../../runtime/tasks/data.js";

let model: HookedModel;
let counting: { layer: number; label: string };

beforeAll(() => {
  const compiled = compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: 10 });
  model = hookedCompiled(compiled, "counter.json", "counter");
  const entry = compiled.plan.find((e) => e.kind === "attention+mlp")!;
  counting = { layer: entry.layer, label: entry.sop };
});

function randomInput(rng: ReturnType<typeof makeRng>): string[] {
  return Array.from({ length: 10 }, () => COUNTER_VOCAB[rng.int(4)]!); // a..d, so a's are common
}

describe("attentionMaps on the compiled Counter", () => {
  it("the plan names one selector_width head: layer 0's count_a", () => {
    expect(counting).toEqual({ layer: 0, label: "count_a" });
  });

  it("the counting head puts 1/(c+1) on BOS and on each operand position at the answer query, and nothing elsewhere", async () => {
    const rng = makeRng(7);
    for (let trial = 0; trial < 20; trial++) {
      const input = randomInput(rng);
      const maps = await attentionMaps([model], input);
      const head = maps.heads.find((h) => h.head.layer === counting.layer && h.head.label === counting.label)!;
      expect(head).toBeDefined();
      const c = input.filter((t) => t === "a").length;
      const row = head.pattern[2]!;
      row.forEach((w, k) => {
        const selected = k === 0 || input[k - 1] === "a";
        expect(w, `input ${input.join("")} key ${k}`).toBeCloseTo(selected ? 1 / (c + 1) : 0, 4);
      });
      expect(massOn(row, maps.positions, "a")).toBeCloseTo(c / (c + 1), 4);
      expect(massOn(row, maps.positions, "BOS")).toBeCloseTo(1 / (c + 1), 4);
      // Query input position 0 picks the non-operand positions; later queries only BOS.
      const others = 10 - c;
      head.pattern[1]!.forEach((w, k) => expect(w).toBeCloseTo(k === 0 || input[k - 1] !== "a" ? 1 / (others + 1) : 0, 4));
      for (let q = 3; q <= 10; q++) expect(head.pattern[q]![0]).toBeCloseTo(1, 4);
    }
  });

  it("labels positions with BOS and the tokens, one row and column per position", async () => {
    const input = ["a", "b", "a", "c", "d"];
    const maps = await attentionMaps([model, model], input);
    expect(maps.positions).toEqual(["BOS", ...input]);
    expect(maps.heads).toHaveLength(4); // two heads, two models
    for (const h of maps.heads) {
      expect(h.pattern).toHaveLength(6);
      for (const row of h.pattern) {
        expect(row).toHaveLength(6);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      }
    }
  });

  it("filters layers and heads, and refuses a filter that matches nothing, naming the heads", async () => {
    const maps = await attentionMaps([model], ["a", "b"], { layers: new Set([1]) });
    expect(maps.heads.map((h) => h.head.layer)).toEqual([1]);
    await expect(attentionMaps([model], ["a", "b"], { layers: new Set([5]) })).rejects.toThrow(/no head matches.*layer 0 head 0, layer 1 head 0/);
  });

  it("reads MLP activations after the ReLU as hidden units × positions, with the compiled parts", async () => {
    const maps = await attentionMaps([model], ["a", "b", "a"], {}, true);
    expect(maps.mlps).toHaveLength(1); // layer 1's MLP has no hidden units
    const mlp = maps.mlps[0]!;
    expect(mlp.layer).toBe(0);
    expect(mlp.values).toHaveLength(22);
    expect(mlp.values.every((row) => row.length === 4 && row.every((v) => v >= 0))).toBe(true);
    expect(mlp.parts.map((p) => p.label)).toEqual(["count_a", "clear BOS position"]);
  });
});

describe("summaries and windows", () => {
  const positions = ["BOS", "a", "b", "a"];
  const row = [0.25, 0.25, 0.25, 0.25];

  it("lists top keys largest first, ties by position, and sums mass by token", () => {
    expect(topKeys([0.1, 0.5, 0.1, 0.3], positions, 2)).toEqual([
      { position: 1, token: "a", weight: 0.5 },
      { position: 3, token: "a", weight: 0.3 },
    ]);
    expect(massByToken(row, positions)).toEqual([["a", 0.5], ["b", 0.25], ["BOS", 0.25]]);
  });

  it("parses A:B windows with open ends and refuses bad ones", () => {
    expect(parseWindow("1:3", 5, "--keys")).toEqual({ start: 1, end: 3 });
    expect(parseWindow(":2", 5, "--keys")).toEqual({ start: 0, end: 2 });
    expect(parseWindow("3:", 5, "--keys")).toEqual({ start: 3, end: 5 });
    expect(() => parseWindow("3:2", 5, "--keys")).toThrow(/--keys 3:2: needs START < END <= 5/);
    expect(() => parseWindow("0:9", 5, "--queries")).toThrow(/--queries 0:9/);
    expect(() => parseWindow("a", 5, "--units", "hidden units")).toThrow(/--units must be START:END \(hidden units/);
    expect(crop([[1, 2, 3], [4, 5, 6]], { start: 1, end: 2 }, { start: 0, end: 2 })).toEqual([[4, 5]]);
  });
});
