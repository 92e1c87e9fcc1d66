// The TensorFlow.js export, loaded by tf.loadGraphModel of @tensorflow/tfjs-converter from the files
// on disk (helpers.ts reads them with fs; nothing of raspc's runtime is involved in running it):
// every program of rasp-programs/ agrees with the interpreter, its internal outputs equal the tfjs
// engine's hooks, batch and sequence length are dynamic, and the folder is written atomically.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { GraphModel } from "@tensorflow/tfjs-converter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { buildTfjsModel, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, writeTfjs } from "../../compiler/export/tfjs.js";
import { exportMetadata } from "../../compiler/export/onnx.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import { initTfjs, TfjsForward } from "../../runtime/forward/forward.js";
import { decodeOutputs } from "../../runtime/forward/outputs.js";
import { allHookNames } from "../../compiler/model/hooks.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { verifyModel } from "../../runtime/verify.js";
import { copyModel, fracModel, maxHookDiff, randomIds, randomModel } from "../model/fixtures.js";
import { compileProgram, describeMismatches, graphModelForward, graphModelRunner, inputArbitrary, loadTfjsExport, maxDiffAtRealPositions, suggestedPrograms } from "./helpers.js";

let dir: string;
beforeAll(async () => {
  await initTfjs();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-tfjs-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Exports to a fresh folder and loads it back. */
async function roundTrip(model: CompiledModel, name: string, withInternals = false): Promise<GraphModel> {
  const out = path.join(dir, name);
  writeTfjs(out, model, { withInternals });
  return loadTfjsExport(out);
}

let seed = 5100;
for (const program of suggestedPrograms()) {
  describe(`${program.file} as a tfjs graph model`, () => {
    let sop: SOp;
    let model: CompiledModel;
    let graph: GraphModel;
    beforeAll(async () => {
      ({ sop, model } = compileProgram(program));
      // With internals, so that verifyModel can say where a mismatch starts.
      graph = await roundTrip(model, program.file.replace(".rasp", ""), true);
    });
    afterAll(() => graph?.dispose());

    test.prop([fc.array(inputArbitrary(program), { minLength: 1, maxLength: 48 })], { seed: seed++, numRuns: 10 })("tfjs export = interpreter on random batches", async (batch) => {
      const report = await verifyModel(model, sop, batch, graphModelRunner(model, graph));
      expect(describeMismatches(report)).toEqual([]);
      expect(report.mismatchCount).toBe(0);
    });
  });
}

describe("the tfjs export", () => {
  it("has internal outputs equal to the tfjs engine's hooks within 1e-4 (random models)", async () => {
    for (let s = 0; s < 25; s++) {
      const model = randomModel(s);
      const ids = randomIds(model, s + 3000, 1 + (s % 9));
      const graph = await roundTrip(model, `random${s}`, true);
      const engine = new TfjsForward(model);
      try {
        const got = graphModelForward(model, graph, ids, true);
        const want = engine.forward(ids, { hooks: true });
        expect(maxDiffAtRealPositions(got, want, (r) => r.logits, got.outputs), `seed ${s} logits`).toBeLessThan(1e-4);
        const reference = referenceForward(model, ids, { hooks: true });
        expect([...got.hooks!.keys()].sort()).toEqual(allHookNames(model).sort());
        for (const name of allHookNames(model)) {
          expect(maxHookDiff(model, got, want, name), `seed ${s} ${name}`).toBeLessThan(1e-4);
          expect(maxHookDiff(model, got, reference, name), `seed ${s} ${name} (Float64 reference)`).toBeLessThan(1e-4);
        }
      } finally {
        engine.dispose();
        graph.dispose();
      }
    }
  });

  it("takes any batch size and sequence length up to maxLen + 1 in one loaded model", async () => {
    const model = randomModel(7, { maxLen: 9, layers: 2 });
    const graph = await roundTrip(model, "dynamic");
    try {
      for (const [count, s] of [[1, 1], [3, 2], [17, 3], [64, 4]] as const) {
        const ids = randomIds(model, s, count);
        const got = graphModelForward(model, graph, ids);
        expect(got.logits.length).toBe(count * got.seqLen * got.outputs);
        expect(maxDiffAtRealPositions(got, referenceForward(model, ids), (r) => r.logits, got.outputs)).toBeLessThan(1e-4);
      }
      // BOS alone: sequence length 1.
      expect(decodeOutputs(model, graphModelForward(model, graph, [[model.vocab.length]]))).toEqual([[]]);
    } finally {
      graph.dispose();
    }
  });

  it("decodes numerical and categorical outputs like the model file (frac, copy)", async () => {
    for (const [m, inputs] of [[fracModel(6), [[2, 0, 1, 0], [2, 1]]], [copyModel(4), [[3, 0, 2, 1], [3, 2]]]] as const) {
      const graph = await roundTrip(m, `fixture-${m.source.sop}`);
      try {
        const ids = inputs.map((r) => [...r]);
        const got = decodeOutputs(m, graphModelForward(m, graph, ids));
        const want = decodeOutputs(m, referenceForward(m, ids));
        got.forEach((row, b) => row.forEach((v, i) => (typeof v === "number" ? expect(v).toBeCloseTo(want[b]![i] as number, 5) : expect(v).toEqual(want[b]![i]))));
      } finally {
        graph.dispose();
      }
    }
  });

  it("is a graph-model model.json: GraphDef nodes of standard TensorFlow ops, a weights manifest, a signature, metadata", () => {
    const model = compileProgram(suggestedPrograms().find((p) => p.file === "counter.rasp")!).model;
    const { modelJson, weights } = buildTfjsModel(model);
    const json = JSON.parse(JSON.stringify(modelJson)) as {
      format: string;
      generatedBy: string;
      convertedBy: string;
      modelTopology: { node: { op: string; name: string }[] };
      weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
      signature: { inputs: Record<string, { name: string; dtype: string }>; outputs: Record<string, { name: string }> };
      userDefinedMetadata: { raspc: unknown };
    };
    expect(json.format).toBe("graph-model");
    expect(json.generatedBy).toMatch(/^raspc /);
    expect(json.convertedBy).toMatch(/^raspc /);
    const ops = new Set(json.modelTopology.node.map((n) => n.op));
    for (const op of ops) {
      expect(["Placeholder", "Const", "Shape", "Slice", "ConcatV2", "GatherV2", "AddV2", "Reshape", "Equal", "Cast", "Mul", "ExpandDims", "MatMul", "BatchMatMulV2", "Transpose", "Softmax", "Relu", "BroadcastTo", "Fill"]).toContain(op);
    }
    for (const op of ["Placeholder", "GatherV2", "MatMul", "BatchMatMulV2", "Softmax", "Relu", "AddV2"]) expect(ops).toContain(op);
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0]!.paths).toEqual([TFJS_WEIGHTS_FILE]);
    const bytesPerWeight = json.weightsManifest[0]!.weights.reduce((a, w) => a + 4 * w.shape.reduce((x, y) => x * y, 1), 0);
    expect(bytesPerWeight).toBe(weights.length);
    const consts = json.modelTopology.node.filter((n) => n.op === "Const").map((n) => n.name);
    expect(json.weightsManifest[0]!.weights.map((w) => w.name)).toEqual(consts);
    expect(json.signature.inputs.tokens).toMatchObject({ name: "tokens:0", dtype: "DT_INT32" });
    expect(Object.keys(json.signature.outputs)).toEqual(["logits"]);
    expect(json.userDefinedMetadata.raspc).toEqual(JSON.parse(JSON.stringify(exportMetadata(model, []))));
  });

  it("runs on the pure-JS cpu backend as well as on wasm", async () => {
    const model = randomModel(11, { layers: 3 });
    const ids = randomIds(model, 4, 12);
    const graph = await roundTrip(model, "cpu-backend", true);
    const onWasm = graphModelForward(model, graph, ids, true);
    await tf.setBackend("cpu");
    try {
      const onCpu = graphModelForward(model, graph, ids, true);
      expect(maxDiffAtRealPositions(onCpu, onWasm, (r) => r.logits, onCpu.outputs)).toBeLessThan(1e-4);
      expect(maxDiffAtRealPositions(onCpu, referenceForward(model, ids), (r) => r.logits, onCpu.outputs)).toBeLessThan(1e-4);
    } finally {
      await tf.setBackend("wasm");
      graph.dispose();
    }
  });

  it("is written atomically: complete files, no temporary folder; an earlier export is replaced; a folder of other files is refused", () => {
    const model = copyModel(4);
    const out = path.join(dir, "atomic");
    const first = writeTfjs(out, model);
    expect(fs.readdirSync(out).sort()).toEqual([TFJS_WEIGHTS_FILE, TFJS_MODEL_FILE].sort());
    expect(fs.statSync(path.join(out, TFJS_MODEL_FILE)).size).toBe(first.modelJsonBytes);
    expect(fs.statSync(path.join(out, TFJS_WEIGHTS_FILE)).size).toBe(first.weightsBytes);
    writeTfjs(out, fracModel(4));
    expect(JSON.parse(fs.readFileSync(path.join(out, TFJS_MODEL_FILE), "utf8")).userDefinedMetadata.raspc.sop).toBe("frac_a");
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(".atomic"))).toEqual([]);

    const theirs = path.join(dir, "theirs");
    fs.mkdirSync(theirs);
    fs.writeFileSync(path.join(theirs, "notes.txt"), "mine");
    expect(() => writeTfjs(theirs, model)).toThrow(/holds files other than a TensorFlow\.js export/);
    expect(fs.readdirSync(theirs)).toEqual(["notes.txt"]);
    expect(() => writeTfjs(path.join(dir, "missing", "m"), model)).toThrow(/cannot write: the directory .* does not exist/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
