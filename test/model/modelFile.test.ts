import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ajv } from "ajv";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { fieldPath, modelSchema, planValueDims, readModel, validateModel, writeModel } from "../../compiler/model/modelFile.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { modelStats } from "../../compiler/model/stats.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { clone, copyModel, fracModel, randomModel, type DeepMutable } from "./fixtures.js";
import { usageErrorMessage } from "../common/usageError.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-model-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The one-line reason validateModel gives for a mutated copy of a model. */
function reason(base: CompiledModel, mutate: (m: DeepMutable<CompiledModel> & Record<string, unknown>) => void): string {
  const m = clone(base) as DeepMutable<CompiledModel> & Record<string, unknown>;
  mutate(m);
  return usageErrorMessage(() => validateModel(m, "model.json"));
}

describe("model schema", () => {
  it("is a valid JSON Schema that ajv compiles in strict mode", () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true });
    expect(() => ajv.compile(modelSchema)).not.toThrow();
  });

  it("accepts hand-built and random models", () => {
    expect(() => validateModel(fracModel(), "m")).not.toThrow();
    expect(() => validateModel(copyModel(), "m")).not.toThrow();
    for (let seed = 0; seed < 30; seed++) expect(() => validateModel(randomModel(seed), `random ${seed}`)).not.toThrow();
  });

  it("turns JSON pointers into field paths", () => {
    expect(fieldPath("/layers/2/mlp/w1/3")).toBe("layers[2].mlp.w1[3]");
    expect(fieldPath("")).toBe("(top level)");
  });
});

describe("model file round trip", () => {
  it("reads back exactly what it wrote", () => {
    for (const model of [fracModel(), copyModel(), randomModel(1), randomModel(7, { layers: 3, d: 9 })]) {
      const file = path.join(dir, "m.json");
      writeModel(file, model);
      expect(readModel(file)).toEqual(model);
    }
  });

  it("keeps full float64 precision", () => {
    const model = clone(fracModel());
    model.layers[0]!.attention[0]!.wv[2]![0] = 0.1 + 0.2;
    const file = path.join(dir, "m.json");
    writeModel(file, model);
    expect(readModel(file).layers[0]!.attention[0]!.wv[2]![0]).toBe(0.1 + 0.2);
  });
});

describe("model validation errors name the field", () => {
  const base = copyModel();
  const d = base.residual.length;

  it("missing fields", () => {
    expect(reason(base, (m) => delete (m as Partial<typeof m>).plan)).toBe("model.json: plan: missing");
    expect(reason(base, (m) => delete (m.layers[0] as Partial<(typeof m.layers)[0]>).mlp)).toBe("model.json: layers[0].mlp: missing");
    expect(reason(base, (m) => delete (m.layers[0]!.mlp as Partial<NonNullable<(typeof m.layers)[0]["mlp"]>>).b1)).toBe("model.json: layers[0].mlp.b1: missing");
  });

  it("wrong types and values", () => {
    expect(reason(base, (m) => ((m as Record<string, unknown>).maxLen = "4"))).toBe('model.json: maxLen: expected integer, got a string');
    expect(reason(base, (m) => ((m as Record<string, unknown>).version = 2))).toBe("model.json: version: must be 1, got 2");
    expect(reason(base, (m) => ((m.output as Record<string, unknown>).encoding = "onehot"))).toContain("model.json: output.encoding: must be one of");
    expect(reason(base, (m) => ((m.tokenEmbedding[1] as unknown[])[2] = "1"))).toBe("model.json: tokenEmbedding[1][2]: expected number, got a string");
    expect(reason(base, (m) => (m.extra = 1))).toBe('model.json: (top level): unknown field "extra"');
  });

  it("a bos equal to a vocabulary token, as compile refuses it", () => {
    expect(reason(base, (m) => (m.bos = String(m.vocab[1])))).toBe(`model.json: bos: "${String(base.vocab[1])}" is also vocab[1]; the BOS token must differ from every input token`);
  });

  it("matrix shapes against the residual, vocab and maxLen", () => {
    expect(reason(base, (m) => m.layers[0]!.mlp!.w1.pop())).toBe(`model.json: layers[0].mlp.w1: expected ${d} rows (residual width), got ${d - 1}`);
    expect(reason(base, (m) => m.layers[0]!.mlp!.w2[1]!.pop())).toBe(`model.json: layers[0].mlp.w2[1]: expected ${d} columns (residual width), got ${d - 1}`);
    expect(reason(base, (m) => m.layers[0]!.mlp!.b1.push(0))).toBe("model.json: layers[0].mlp.b1: expected 3 entries (w1's columns), got 4");
    expect(reason(base, (m) => m.tokenEmbedding.pop())).toBe("model.json: tokenEmbedding: expected 5 rows (vocab size + BOS + PAD), got 4");
    expect(reason(base, (m) => m.positionEmbedding.push(new Array<number>(d).fill(0)))).toBe("model.json: positionEmbedding: expected 5 rows (maxLen + 1 for BOS), got 6");
    expect(reason(base, (m) => m.unembedding[0]!.push(0))).toBe("model.json: unembedding[0]: expected 3 columns (one per output value), got 4");
    expect(reason(base, (m) => m.residual.push("extra"))).toContain("model.json: tokenEmbedding[0]: expected 9 columns");
  });

  it("attention head shapes agree", () => {
    const frac = fracModel();
    expect(reason(frac, (m) => m.layers[0]!.attention[0]!.wk.forEach((r) => r.push(0)))).toBe(
      "model.json: layers[0].attention[0].wk[0]: expected 1 columns (as many as wq), got 2",
    );
    expect(reason(frac, (m) => m.layers[0]!.attention[0]!.wo.push(new Array<number>(5).fill(0)))).toBe(
      "model.json: layers[0].attention[0].wo: expected 1 rows (as many as wv has columns), got 2",
    );
  });

  it("plan and vocabulary consistency", () => {
    expect(reason(base, (m) => (m.plan[0]!.dims[0] = 99))).toBe(`model.json: plan[0].dims[0]: dimension 99 is outside the residual (width ${d})`);
    expect(reason(base, (m) => (m.plan[1]!.layer = 3))).toBe("model.json: plan[1].layer: layer 3 does not exist (the model has 1)");
    expect(reason(base, (m) => (m.vocab[2] = "x"))).toBe('model.json: vocab[2]: "x" repeats vocab[0] ("x")');
    expect(reason(base, (m) => m.residual.splice(3, 1, "one"))).toBe('model.json: residual[3]: direction name "one" repeats residual[0]');
    expect(reason(base, (m) => (m.layers[0]!.mlp!.parts[0]!.hiddenEnd = 9))).toBe(
      "model.json: layers[0].mlp.parts[0]: hidden range 0..9 is not within 0..3",
    );
  });

  it("maps plan values to dims, with or without a direction for None", () => {
    const e = { sop: "s", kind: "mlp", layer: 0, encoding: "categorical", values: [null, 1, 2], dims: [4, 5], source: null } as const;
    expect(planValueDims(e)).toEqual([[1, 4], [2, 5]]);
    expect(planValueDims({ ...e, dims: [3, 4, 5] })).toEqual([[null, 3], [1, 4], [2, 5]]);
    expect(planValueDims({ ...e, encoding: "numerical", values: [], dims: [7] })).toEqual([[null, 7]]);
  });
});

describe("readModel", () => {
  it("reports unreadable and non-model files in one line", () => {
    const missing = path.join(dir, "nope.json");
    expect(() => readModel(missing)).toThrow(`${missing}: no such file`);
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, "{ not json");
    expect(() => readModel(bad)).toThrow(/bad\.json: not valid JSON/);
    fs.writeFileSync(bad, "[1, 2]");
    expect(() => readModel(bad)).toThrow(/bad\.json: expected a JSON object/);
    fs.writeFileSync(bad, JSON.stringify({ hello: 1 }));
    expect(() => readModel(bad)).toThrow(/bad\.json: format: missing; not a raspc model file/);
    const m = clone(copyModel());
    m.layers[0]!.mlp!.w1.pop();
    fs.writeFileSync(bad, JSON.stringify(m));
    expect(() => readModel(bad)).toThrow(/bad\.json: layers\[0\]\.mlp\.w1: expected 8 rows/);
  });
});

describe("writeModel is atomic", () => {
  it("leaves nothing when the directory is missing", () => {
    const file = path.join(dir, "missing", "m.json");
    expect(() => writeModel(file, copyModel())).toThrow(/directory .* does not exist/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("refuses an invalid model and keeps the old file intact", () => {
    const file = path.join(dir, "m.json");
    writeModel(file, fracModel());
    const before = fs.readFileSync(file, "utf8");
    const bad = clone(copyModel());
    bad.unembedding.pop();
    expect(() => writeModel(file, bad)).toThrow(UsageError);
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    expect(fs.readdirSync(dir)).toEqual(["m.json"]);
  });

  it("replaces an existing file and leaves no temporary file", () => {
    const file = path.join(dir, "m.json");
    writeModel(file, fracModel());
    writeModel(file, copyModel());
    expect(readModel(file)).toEqual(copyModel());
    expect(fs.readdirSync(dir)).toEqual(["m.json"]);
  });

  it("cleans up when the write itself fails", () => {
    const target = path.join(dir, "sub");
    fs.mkdirSync(target);
    expect(() => writeFileAtomic(target, "x")).toThrow(/is a directory/);
    fs.writeFileSync(path.join(dir, "file"), "x");
    expect(() => writeFileAtomic(path.join(dir, "file", "m.json"), "x")).toThrow(/not a directory/);
    expect(fs.readdirSync(dir).sort()).toEqual(["file", "sub"]);
  });
});

describe("model stats", () => {
  it("counts every weight and bias", () => {
    const s = modelStats(copyModel());
    // token 5×8 + position 5×8 + MLP (8×3 + 3 + 3×8 + 8) + unembedding 8×3
    expect(s).toMatchObject({ layers: 1, heads: 0, dModel: 8, mlpHidden: [3], params: 40 + 40 + 59 + 24 });
    expect(modelStats(fracModel())).toMatchObject({ heads: 1, headsPerLayer: [1], mlpHidden: [0] });
  });
});
