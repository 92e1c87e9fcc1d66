// runtime/instruments/patching.ts: patching a model into itself changes nothing (bit for bit for
// heads); the donor's embeddings and every attention and MLP output substituted into another model
// of the same geometry reproduce the donor's residual stream, and so its logits when the
// unembedding is shared; models of different geometry are refused with the difference named; and
// on the compiled Counter the counting head carries the count from a clean into a corrupted run.
import { beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { hookNames } from "../../compiler/model/hooks.js";
import { checkSameGeometry, geometryDifference, hookedCompiled, runHooked, withParams, type HookedModel } from "../../runtime/instruments/hookedModel.js";
import { componentName, componentsOf, HEAD_PARTS, logitDifference, meanEffects, patchComponents, patchEverything, type PatchCase } from "../../runtime/instruments/patching.js";
import { makeRng } from "../../runtime/random.js";
import { gaussian } from "../../runtime/train/params.js";
import { COUNTER_VOCAB } from "../../runtime/tasks/data.js";
import { TaskEncoder } from "../../runtime/train/taskBatches.js";
import { maxDiff } from "./arrays.js";

let pt: HookedModel;

/** A copy with N(0, std²) added to the named parameters (all when `names` is absent). */
function perturbed(m: HookedModel, std: number, seed: number, names?: (name: string) => boolean): HookedModel {
  const rng = makeRng(seed);
  const replaced = new Map<string, Float32Array>();
  for (const [name, t] of m.params) if (!names || names(name)) replaced.set(name, t.map((v) => v + std * gaussian(rng)));
  return withParams(m, replaced, `${m.label}+noise${seed}`);
}

function inputs(m: HookedModel, n: number, seed: number): number[][] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => m.encode(Array.from({ length: 10 }, () => COUNTER_VOCAB[rng.int(4)]!), "test"));
}

/** ft-pt columns of Counter (O_PT = a, O_FT = b): the unembedding columns of count b and count a. */
function columns(m: HookedModel, ids: number[][]): { plus: number[]; minus: number[] } {
  const encoder = new TaskEncoder(m.model);
  const count = (row: number[], t: string) => encoder.column(row.slice(1).filter((id) => m.tokenName(id) === t).length);
  return { plus: ids.map((r) => count(r, "b")), minus: ids.map((r) => count(r, "a")) };
}

beforeAll(() => {
  pt = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: 10 }), "pt.json", "pt");
});

describe("patching a model into itself", () => {
  it("changes nothing: every head part bit for bit, the MLP outputs to float32 rounding, on a compiled and a perturbed model", async () => {
    for (const m of [pt, perturbed(pt, 0.05, 1)]) {
      const ids = inputs(m, 16, 2);
      const c: PatchCase = { recipient: m, recipientIds: ids, donor: m, donorIds: ids, position: 2, ...columns(m, ids) };
      for (const part of HEAD_PARTS) {
        const r = await patchComponents(c, part);
        expect(r.components.length).toBe(3); // L0H0, L0 MLP, L1H0 (layer 1 has no MLP)
        r.components.forEach((comp, i) => {
          if (comp.kind === "head") expect(Array.from(r.patched[i]!), `${m.label} ${componentName(comp)} ${part}`).toEqual(Array.from(r.recipient));
          else expect(maxDiff(r.patched[i]!, r.recipient), `${m.label} ${componentName(comp)}`).toBeLessThan(1e-5);
          expect(Array.from(r.patchedAnswer[i]!)).toEqual(Array.from(r.recipientAnswer));
        });
      }
    }
  });

  it("between an input and itself changes nothing either", async () => {
    const ids = inputs(pt, 1, 3);
    const r = await patchComponents({ recipient: pt, recipientIds: ids, donor: pt, donorIds: ids, position: 2, ...columns(pt, ids) }, "out");
    expect(Array.from(meanEffects(r))).toEqual([0, 0, 0]);
  });
});

describe("patching every head and MLP output of B into A", () => {
  const last = hookNames.residPost(1);

  it("gives A the residual stream of B, and B's logits when the unembedding is shared", async () => {
    // B: every block weight moved, embeddings and unembedding shared.
    const b = perturbed(pt, 0.1, 4, (n) => n.startsWith("l"));
    const ids = inputs(pt, 24, 5);
    const c: PatchCase = { recipient: pt, recipientIds: ids, donor: b, donorIds: ids, position: 2, ...columns(pt, ids) };
    const patched = await patchEverything(c);
    const own = await runHooked(b, ids, { hooks: [last] });
    const plain = await runHooked(pt, ids);
    expect(maxDiff(plain.logits.data, own.logits.data)).toBeGreaterThan(0.1); // the models do differ
    // In the hook semantics (every sublayer's output added to the stream as one term) B's own run
    // through the same substitutions is bit-identical; B's plain run adds each MLP's bias last,
    // which moves the float32 rounding only.
    const bThroughHooks = await patchEverything({ ...c, recipient: b });
    expect(maxDiff(patched.logits.data, bThroughHooks.logits.data)).toBe(0);
    expect(maxDiff(patched.hooks.get(last)!.data, bThroughHooks.hooks.get(last)!.data)).toBe(0);
    expect(maxDiff(patched.logits.data, own.logits.data)).toBeLessThan(1e-4);
    expect(maxDiff(patched.hooks.get(last)!.data, own.hooks.get(last)!.data)).toBeLessThan(1e-4);
  });

  it("with every weight different, reproduces B's residual stream (the logits then differ by the unembeddings)", async () => {
    const b = perturbed(pt, 0.1, 6);
    const ids = inputs(pt, 8, 7);
    const c: PatchCase = { recipient: pt, recipientIds: ids, donor: b, donorIds: ids, position: 2, ...columns(pt, ids) };
    const patched = await patchEverything(c);
    const own = await runHooked(b, ids, { hooks: [last] });
    expect(maxDiff(patched.hooks.get(last)!.data, own.hooks.get(last)!.data)).toBeLessThan(1e-4);
    expect(maxDiff(patched.logits.data, own.logits.data)).toBeGreaterThan(1e-3);
  });
});

describe("patching the compiled Counter between inputs", () => {
  it("the counting head's pattern, z or output (or its MLP) carries the clean count into the corrupted run; the identity head's pattern carries nothing", async () => {
    const clean = pt.encode(["a", "a", "b", "c", "a", "b", "d", "e", "f", "g"], "clean"); // count a = 3, b = 2
    const corrupt = pt.encode(["a", "c", "b", "c", "a", "b", "d", "e", "f", "g"], "corrupt"); // count a = 2
    const c: PatchCase = { recipient: pt, recipientIds: [corrupt], donor: pt, donorIds: [clean], position: 2, ...columns(pt, [clean]) };
    for (const part of HEAD_PARTS) {
      const r = await patchComponents(c, part);
      const names = r.components.map(componentName);
      expect(names).toEqual(["L0H0 count_a", "L0 MLP", "L1H0 out"]);
      const effect = meanEffects(r);
      // Unpatched: the corrupted run answers 2 = count b, so LD = logit[2] − logit[3] = +1; the clean run −1.
      expect(r.recipient[0]).toBeCloseTo(1, 4);
      expect(r.donor[0]).toBeCloseTo(-1, 4);
      expect(effect[0]).toBeCloseTo(-2, 4);
      expect(r.patchedAnswer[0]![0]).toBe(r.donorAnswer[0]);
      expect(effect[1]).toBeCloseTo(-2, 4);
      expect(effect[2]).toBeCloseTo(part === "pattern" ? 0 : -2, 4);
    }
  });

  it("a head's z and out patches agree within one model (the same W_O reads them)", async () => {
    const ids = inputs(pt, 8, 8);
    const donorIds = inputs(pt, 8, 9);
    const noisy = perturbed(pt, 0.05, 10);
    const c: PatchCase = { recipient: noisy, recipientIds: ids, donor: noisy, donorIds, position: 2, ...columns(pt, ids) };
    const z = await patchComponents(c, "z");
    const out = await patchComponents(c, "out");
    z.patched.forEach((p, i) => expect(maxDiff(p, out.patched[i]!)).toBeLessThan(1e-4));
  });
});

describe("geometry", () => {
  it("refuses models of different geometry, naming the difference", () => {
    const short = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: [...COUNTER_VOCAB], maxLen: 6 }), "short.json", "short");
    expect(geometryDifference(pt, pt)).toBeNull();
    expect(geometryDifference(pt, perturbed(pt, 0.1, 1))).toBeNull();
    expect(geometryDifference(pt, short)).toMatch(/d_model is \d+ in pt but \d+ in short|number of positions is 11 in pt but 7 in short/);
    expect(() => checkSameGeometry(pt, short, "patching short into pt")).toThrow(/^patching short into pt needs two models of one geometry, and /);
  });

  it("names a layer's head widths and MLP width when only they differ", () => {
    const other = hookedCompiled(compileFile("rasp-programs/counter.rasp", { vocab: ["a", "b", "c", "d", "e", "f", "g", "h", "i"], maxLen: 10 }), "same.json", "same");
    expect(geometryDifference(pt, other)).toBeNull();
    const g = pt.geometry;
    const widerMlp = { ...pt, label: "wide", geometry: { ...g, layers: g.layers.map((l, i) => (i === 0 ? { ...l, hidden: l.hidden + 1 } : l)) } };
    expect(geometryDifference(pt, widerMlp)).toBe("layer 0's MLP width is 22 in pt but 23 in wide");
    const widerHead = { ...pt, label: "wide", geometry: { ...g, layers: g.layers.map((l, i) => (i === 1 ? { ...l, heads: l.heads.map((h) => ({ ...h, dHead: h.dHead + 1 })) } : l)) } };
    expect(geometryDifference(pt, widerHead)).toBe("layer 1 head 0's query/key width is 11 in pt but 12 in wide");
  });

  it("logitDifference reads logit[plus] − logit[minus] at the position", () => {
    const logits = { data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), shape: [2, 2, 2] };
    expect(Array.from(logitDifference(logits, 1, [0, 1], [1, 0]))).toEqual([2 - 3, 7 - 6]);
  });

  it("lists heads then MLP, layer by layer", () => {
    expect(componentsOf(pt).map(componentName)).toEqual(["L0H0 count_a", "L0 MLP", "L1H0 out"]);
  });
});
