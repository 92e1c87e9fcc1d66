// The ONNX export, run in onnxruntime-node: every program of rasp-programs/ agrees with the
// interpreter on random inputs (fast-check, fixed seeds); the internal outputs equal the tfjs
// engine's hooks; the graph is opset 17 / IR 8 with dynamic axes; its metadata round-trips.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { encodeOnnx, exportMetadata, ONNX_IR_VERSION, ONNX_OPSET, readOnnxMetadata, writeOnnx } from "../../compiler/export/onnx.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import { initTfjs, TfjsForward } from "../../runtime/forward/forward.js";
import { OrtForward } from "../../runtime/forward/ortForward.js";
import { decodeOutputs, type ForwardResult } from "../../runtime/forward/outputs.js";
import { allHookNames, patternOffset } from "../../compiler/model/hooks.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { createRunner, type ModelRunner } from "../../runtime/forward/runModel.js";
import { makeTokenizer } from "../../runtime/forward/tokenize.js";
import { padId } from "../../compiler/model/tokens.js";
import { verifyModel } from "../../runtime/verify.js";
import { copyModel, fracModel, maxHookDiff, randomIds, randomModel } from "../model/fixtures.js";
import { compileProgram, describeMismatches, inputArbitrary, maxDiffAtRealPositions, suggestedPrograms } from "./helpers.js";

const { onnx } = onnxProto;

beforeAll(async () => {
  await initTfjs();
});

let seed = 4100;
for (const program of suggestedPrograms()) {
  describe(`${program.file} (vocab ${program.vocab.length}, max len ${program.maxLen}${program.distinct ? ", distinct" : ""}) in onnxruntime-node`, () => {
    let sop: SOp;
    let model: CompiledModel;
    let runner: ModelRunner;
    beforeAll(async () => {
      ({ sop, model } = compileProgram(program));
      runner = await createRunner(model, { engine: "ort" });
    });
    afterAll(() => runner?.dispose());

    test.prop([fc.array(inputArbitrary(program), { minLength: 1, maxLength: 48 })], { seed: seed++, numRuns: 12 })("ONNX export = interpreter on random batches", async (batch) => {
      const report = await verifyModel(model, sop, batch, runner);
      expect(describeMismatches(report)).toEqual([]);
      expect(report.mismatchCount).toBe(0);
    });
  });
}

function tfjsRun(model: CompiledModel, ids: number[][]): ForwardResult {
  const engine = new TfjsForward(model);
  try {
    return engine.forward(ids, { hooks: true });
  } finally {
    engine.dispose();
  }
}

/** Every hook and the logits of two hooked results agree to 1e-4 at real positions. */
function expectSameHooks(model: CompiledModel, got: ForwardResult, want: ForwardResult, what: string): void {
  expect(got.seqLen).toBe(want.seqLen);
  expect(maxDiffAtRealPositions(got, want, (r) => r.logits, got.outputs), `${what} logits`).toBeLessThan(1e-4);
  expect([...got.hooks!.keys()].sort()).toEqual(allHookNames(model).sort());
  for (const name of allHookNames(model)) expect(maxHookDiff(model, got, want, name), `${what} ${name}`).toBeLessThan(1e-4);
}

describe("--with-internals outputs", () => {
  it("equal the tfjs engine's and the Float64 reference's hooks within 1e-4 on random models (zero-width heads, no layers, no MLP ...)", async () => {
    for (let s = 0; s < 40; s++) {
      const model = randomModel(s);
      const ids = randomIds(model, s + 2000, 1 + (s % 9));
      const engine = await OrtForward.create(model);
      try {
        const got = await engine.forward(ids, { hooks: true });
        expectSameHooks(model, got, tfjsRun(model, ids), `seed ${s}`);
        expectSameHooks(model, got, referenceForward(model, ids, { hooks: true }), `seed ${s} (Float64 reference)`);
      } finally {
        engine.dispose();
      }
    }
  });

  it("equal the tfjs engine's hooks within 1e-4 on compiled programs", async () => {
    for (const file of ["counter.rasp", "sort.rasp", "max_identifier.rasp", "frac_prevs.rasp"]) {
      const program = suggestedPrograms().find((p) => p.file === file)!;
      const { model } = compileProgram(program);
      const ids = randomIds(model, 11, 24).map((r) => (program.distinct ? [r[0]!, ...new Set(r.slice(1))] : r));
      const engine = await OrtForward.create(model);
      try {
        expectSameHooks(model, await engine.forward(ids, { hooks: true }), tfjsRun(model, ids), file);
      } finally {
        engine.dispose();
      }
    }
  });

  it("are graph outputs named like the hooks, with dynamic batch and sequence axes", async () => {
    const model = randomModel(3, { layers: 2 });
    const session = await ort.InferenceSession.create(encodeOnnx(model, { withInternals: true }));
    try {
      expect(session.outputNames).toEqual(["logits", ...allHookNames(model)]);
      expect(session.inputNames).toEqual(["tokens"]);
    } finally {
      await session.release();
    }
    const plain = await ort.InferenceSession.create(encodeOnnx(model));
    expect(plain.outputNames).toEqual(["logits"]);
    await plain.release();
  });
});

describe("the ONNX graph", () => {
  const model = compileProgram(suggestedPrograms().find((p) => p.file === "counter.rasp")!).model;

  it("is opset 17, IR version 8, with an int64 [batch, seq] input and [batch, seq, outputs] logits", () => {
    const decoded = onnx.ModelProto.decode(encodeOnnx(model));
    expect(Number(decoded.irVersion)).toBe(ONNX_IR_VERSION);
    expect(decoded.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([["", ONNX_OPSET]]);
    const graph = decoded.graph!;
    const input = graph.input![0]!.type!.tensorType!;
    expect(input.elemType).toBe(onnx.TensorProto.DataType.INT64);
    expect(input.shape!.dim!.map((d) => d.dimParam)).toEqual(["batch", "seq"]);
    const out = graph.output![0]!.type!.tensorType!;
    expect(out.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(["batch", "seq", model.output.values.length]);
    // Only standard operators (the default domain), and only the ones the design names.
    const ops = new Set(graph.node!.map((n) => n.opType));
    expect(graph.node!.every((n) => !n.domain)).toBe(true);
    for (const op of ops) expect(["Shape", "Gather", "Range", "Add", "Equal", "Where", "Unsqueeze", "Concat", "Expand", "MatMul", "Slice", "Transpose", "Softmax", "Relu", "Identity"]).toContain(op);
  });

  it("carries metadata that round-trips: residual names, vocab, ids, output decoding, max length, source", () => {
    const meta = readOnnxMetadata(encodeOnnx(model, { withInternals: true }));
    const want = exportMetadata(model, allHookNames(model));
    expect(JSON.parse(meta.residual!)).toEqual(model.residual);
    expect(JSON.parse(meta.vocab!)).toEqual(model.vocab);
    expect(meta.bos).toBe(model.bos);
    expect(Number(meta.bos_id)).toBe(model.vocab.length);
    expect(Number(meta.pad_id)).toBe(padId(model));
    expect(JSON.parse(meta.output!)).toEqual(model.output);
    expect(Number(meta.max_len)).toBe(model.maxLen);
    expect(meta.source_file).toBe("rasp-programs/counter.rasp");
    expect(meta.sop).toBe("out");
    expect(JSON.parse(meta.internals!)).toEqual(allHookNames(model));
    // Decoded generically: strings stay strings, everything else is JSON.
    expect(Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, typeof (want as unknown as Record<string, unknown>)[k] === "string" ? v : JSON.parse(v)]))).toEqual(want);
  });

  it("decodes from the metadata alone as the model file does (numerical and categorical)", async () => {
    for (const m of [fracModel(6), copyModel(4)]) {
      const bytes = encodeOnnx(m);
      const meta = readOnnxMetadata(bytes);
      const output = JSON.parse(meta.output!) as CompiledModel["output"];
      const vocab = JSON.parse(meta.vocab!) as CompiledModel["vocab"];
      const session = await ort.InferenceSession.create(bytes);
      const ids = [Number(meta.bos_id), vocab.indexOf(m.vocab[0]!), vocab.indexOf(m.vocab[1]!)];
      const logits = (await session.run({ tokens: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, 3]) })).logits!.data as Float32Array;
      await session.release();
      const w = output.encoding === "numerical" ? 1 : output.values.length;
      const decoded = [1, 2].map((p) => {
        const row = Array.from(logits.slice(p * w, (p + 1) * w));
        if (output.encoding === "numerical") return row[0]!;
        const best = row.indexOf(Math.max(...row));
        return row[best]! < output.noneThreshold ? null : output.values[best]!;
      });
      const want = decodeOutputs(m, referenceForward(m, [ids]))[0]!;
      decoded.forEach((v, i) => (typeof v === "number" ? expect(v).toBeCloseTo(want[i] as number, 5) : expect(v).toEqual(want[i])));
    }
  });

  it("is written atomically: a complete file, no temporary left; a missing directory is a one-line error", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-onnx-"));
    try {
      const file = path.join(dir, "m.onnx");
      const size = writeOnnx(file, model);
      expect(fs.statSync(file).size).toBe(size);
      expect(fs.readdirSync(dir)).toEqual(["m.onnx"]);
      expect(() => writeOnnx(path.join(dir, "nope", "m.onnx"), model)).toThrow(/cannot write: the directory .* does not exist/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the ORT engine", () => {
  it("pads like the tfjs engine: a sequence alone and in a padded batch decode the same; PAD keys get exactly 0", async () => {
    const model = fracModel(6);
    const tok = makeTokenizer(model);
    const inputs = [["a"], ["a", "b"], ["b", "b", "b", "a", "a", "a"], ["b"]];
    const ids = inputs.map((x) => tok.encode(x, "t"));
    const engine = await OrtForward.create(model);
    try {
      const batched = await engine.forward(ids, { hooks: true });
      const out = decodeOutputs(model, batched);
      inputs.forEach((x, i) => {
        const want = x.filter((t) => t === "a").length / (x.length + 1);
        for (const v of out[i]!) expect(v as number).toBeCloseTo(want, 5);
      });
      for (const [b, row] of ids.entries()) expect(decodeOutputs(model, await engine.forward([row]))[0]).toEqual(out[b]);
      const pattern = batched.hooks!.get("blocks.0.attn.hook_pattern")!;
      const H = model.layers[0]!.attention.length;
      for (let b = 0; b < ids.length; b++)
        for (let q = 0; q < batched.seqLen; q++)
          for (let k = batched.lengths[b]!; k < batched.seqLen; k++) expect(pattern[patternOffset(H, batched.seqLen, b, 0) + q * batched.seqLen + k]).toBe(0);
    } finally {
      engine.dispose();
    }
  });

  it("decodes like the tfjs engine through createRunner, and refuses bad ids and use after dispose", async () => {
    const model = randomModel(99, { vocab: 6, maxLen: 12, d: 24, layers: 4, outputs: 5 });
    const ids = randomIds(model, 5, 64);
    const ortRunner = await createRunner(model, { engine: "ort", batchSize: 10 });
    const tfjsRunner = await createRunner(model, 10);
    expect(ortRunner.label).toBe("onnxruntime-node (cpu)");
    expect(tfjsRunner.engineName).toBe("tfjs");
    const progress: number[] = [];
    expect(await ortRunner.decode(ids, (n) => progress.push(n))).toEqual(await tfjsRunner.decode(ids));
    expect(progress).toEqual([10, 20, 30, 40, 50, 60, 64]);
    await expect(ortRunner.forward([[model.vocab.length, 99]])).rejects.toThrow(/token id 99 is outside/);
    ortRunner.dispose();
    tfjsRunner.dispose();
    await expect(ortRunner.forward(ids)).rejects.toThrow(/after dispose/);
  });

  it("handles a model without output columns", async () => {
    const base = randomModel(5, { outputs: 1 });
    const model: CompiledModel = { ...base, unembedding: base.unembedding.map(() => []), output: { sop: "out", encoding: "categorical", values: [], noneThreshold: 0 } };
    const runner = await createRunner(model, { engine: "ort" });
    try {
      expect(await runner.decode([[model.vocab.length, 0, 1]])).toEqual([[null, null]]);
    } finally {
      runner.dispose();
    }
  });
});
