// The experiment config: a file with only a task resolves to the paper's setup; presets fill what a
// file leaves out (nested objects field by field, arrays whole); a relative program is found beside
// the config file; and every field, nested ones and array elements included, rejects a bad value
// with one line that names it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { usageErrorMessage } from "../common/usageError.js";
import {
  EXPERIMENT_CONFIG_SCHEMA,
  loadExperimentConfig,
  packageRoot,
  parseExperimentConfig,
  type ExperimentConfig,
} from "../../runtime/experiment/config.js";
import { jsonSyntaxError } from "../../runtime/experiment/jsonSyntax.js";
import { loadPretrainConfig } from "../../runtime/pretrain/config.js";
import { PRESETS, PRESET_NAMES, QUICK_TASK_SETTINGS, TASK_COLDNESS } from "../../runtime/experiment/presets.js";
import { DEFAULT_SPECS } from "../../runtime/tasks/data.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-config-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function writeFile(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

const failure = usageErrorMessage;

const parse = (json: unknown): ExperimentConfig => parseExperimentConfig(json, "exp.json");
const parseError = (json: unknown): string => failure(() => parse(json));

const PAPER_LRS = [1e-1, 1e-2, 1e-3, 1e-4];
const PAPER_C_TRAIN = [0, 0.2, 0.5, 0.6, 0.8, 0.9, 1];

describe("defaults", () => {
  it("a file with only the Counter task resolves to the paper's setup", () => {
    expect(parse({ task: "counter" })).toEqual({
      name: "counter-paper",
      task: "counter",
      program: path.join(packageRoot(), "rasp-programs", "counter.rasp"),
      operandVariable: "operand",
      oPt: "a",
      oFt: "b",
      q: 1,
      length: 10,
      maxLen: 10,
      coldness: null,
      seeds: [0],
      protocols: ["FT", "reFT", "ScrFT"],
      engine: "ort",
      backend: "cpu",
      threads: 0,
      training: { batchSize: 96, momentum: 0.9, warmupFraction: 0.2, finalLrFraction: 0.01, noiseStd: 1e-4, gradClip: 1 },
      ft: { learningRates: PAPER_LRS, cTrain: PAPER_C_TRAIN, ptMix: [0], iterations: 10_000 },
      reft: { fromLearningRates: [1e-2], learningRates: PAPER_LRS, iterations: 10_000 },
      randft: { learningRates: [1e-2], iterations: 10_000 },
      scrft: { learningRates: PAPER_LRS, iterations: 10_000 },
      eval: { every: 100, samples: 1000, stratify: null },
      checkpointEvery: 1000,
    });
  });

  it("Max-identifier compiles with coldness 10 in both presets, Counter with the compiler's; a file may set either", () => {
    for (const preset of ["paper", "quick"] as const) {
      expect(parse({ task: "max_identifier", preset }).coldness).toBe(TASK_COLDNESS.max_identifier);
      expect(parse({ task: "counter", preset }).coldness).toBeNull();
    }
    expect(TASK_COLDNESS.max_identifier).toBe(10);
    expect(parse({ task: "counter", coldness: 12.5 }).coldness).toBe(12.5);
    expect(parse({ task: "max_identifier", coldness: null }).coldness).toBeNull();
  });

  it("Max-identifier takes its own spec, program and operand variable", () => {
    const c = parse({ task: "max_identifier" });
    const spec = DEFAULT_SPECS.max_identifier;
    expect({ oPt: c.oPt, oFt: c.oFt, q: c.q, length: c.length }).toEqual({ oPt: spec.oPt, oFt: spec.oFt, q: spec.q, length: spec.length });
    expect(c.name).toBe("max_identifier-paper");
    expect(c.program).toBe(path.join(packageRoot(), "rasp-programs", "max_identifier.rasp"));
    expect(c.operandVariable).toBe("o_pt");
  });

  it("the default programs exist and define the default operand variables", () => {
    for (const task of ["counter", "max_identifier"] as const) {
      const c = parse({ task });
      expect(fs.readFileSync(c.program, "utf8")).toMatch(new RegExp(`^${c.operandVariable}\\s*=`, "m"));
    }
    expect(JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")).name).toBe("raspc");
  });

  it("maxLen follows the length unless given; a given name is kept; $schema and description are ignored", () => {
    expect(parse({ task: "counter", length: 12 }).maxLen).toBe(12);
    expect(parse({ task: "counter", length: 12, maxLen: 16 }).maxLen).toBe(16);
    const c = parse({ task: "counter", name: "my-run.1", $schema: "./schema.json", description: "a try" });
    expect(c.name).toBe("my-run.1");
    expect(Object.keys(c)).not.toContain("$schema");
    expect(Object.keys(c)).not.toContain("description");
    expect(Object.keys(c)).not.toContain("preset");
  });

  it("an empty sweep is allowed for a protocol that is not selected", () => {
    const c = parse({ task: "counter", protocols: ["FT"], scrft: { learningRates: [] }, reft: { fromLearningRates: [] } });
    expect(c.scrft.learningRates).toEqual([]);
    expect(parse({ task: "counter", protocols: ["randFT", "reFT"], ft: { learningRates: [], cTrain: [] } }).protocols).toEqual(["randFT", "reFT"]);
  });

  it("the result is frozen and shares nothing with the presets", () => {
    const c = parse({ task: "counter" });
    expect(() => (c.ft.learningRates as number[]).push(1)).toThrow();
    expect(() => ((c.training as { batchSize: number }).batchSize = 1)).toThrow();
    expect(PRESETS.paper.ft?.learningRates).toEqual(PAPER_LRS);
    expect(parse({ task: "counter" }).training.batchSize).toBe(96);
  });

  it("every resolved field is described by the schema, nested ones too", () => {
    const props = EXPERIMENT_CONFIG_SCHEMA.properties as Record<string, { properties?: object }>;
    const c = parse({ task: "counter" }) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(c)) {
      expect(props, key).toHaveProperty([key]);
      if (typeof value === "object" && value !== null && !Array.isArray(value)) {
        expect(Object.keys(props[key]!.properties ?? {}).sort(), key).toEqual(Object.keys(value).sort());
      }
    }
  });
});

describe("presets", () => {
  it("quick shortens the runs and keeps the paper's sweeps", () => {
    const c = parse({ task: "counter", preset: "quick" });
    expect(c.name).toBe("counter-quick");
    expect(c.length).toBe(QUICK_TASK_SETTINGS[c.task].length);
    expect(c.maxLen).toBe(QUICK_TASK_SETTINGS[c.task].length);
    expect(c.ft).toEqual({ learningRates: PAPER_LRS, cTrain: [0, 0.5, 1], ptMix: [0], iterations: 2000 });
    expect(c.reft).toEqual({ fromLearningRates: [1e-1, 1e-2], learningRates: [1e-2, 1e-3, 1e-4], iterations: 1000 });
    expect(c.protocols).toEqual(["FT", "reFT", "ScrFT", "randFT"]);
    expect(c.seeds).toEqual([0, 1, 2]);
    expect(parse({ task: "max_identifier", preset: "quick" }).length).toBe(10);
    expect(c.scrft).toEqual({ learningRates: PAPER_LRS, iterations: 1000 });
    expect(c.eval).toEqual({ every: 50, samples: 500, stratify: 4 });
    expect(parse({ task: "max_identifier", preset: "quick" }).eval.stratify).toBeNull();
    expect(c.checkpointEvery).toBe(500);
    expect(c.training).toEqual(parse({ task: "counter" }).training);
  });

  it("paper is the default preset", () => {
    expect(parse({ task: "counter", preset: "paper" })).toEqual(parse({ task: "counter" }));
  });

  it("a nested partial override keeps the preset's other nested fields", () => {
    const c = parse({ task: "counter", preset: "quick", training: { batchSize: 32 }, ft: { iterations: 7 } });
    expect(c.training).toEqual({ batchSize: 32, momentum: 0.9, warmupFraction: 0.2, finalLrFraction: 0.01, noiseStd: 1e-4, gradClip: 1 });
    expect(c.ft).toEqual({ learningRates: PAPER_LRS, cTrain: [0, 0.5, 1], ptMix: [0], iterations: 7 });
    expect(c.reft.iterations).toBe(1000);
    expect(c.eval).toEqual({ every: 50, samples: 500, stratify: 4 });
    expect(parse({ task: "max_identifier", preset: "quick" }).eval.stratify).toBeNull();
  });

  it("arrays replace, never merge", () => {
    const c = parse({ task: "counter", preset: "quick", ft: { cTrain: [0.5] }, protocols: ["FT"], scrft: { learningRates: [0.3] } });
    expect(c.ft.cTrain).toEqual([0.5]);
    expect(c.ft.learningRates).toEqual(PAPER_LRS);
    expect(c.protocols).toEqual(["FT"]);
    expect(c.scrft.learningRates).toEqual([0.3]);
  });

  it("every preset passes the schema and resolves for both tasks", () => {
    for (const preset of PRESET_NAMES) {
      for (const task of ["counter", "max_identifier"] as const) {
        // The preset's own values (with quick's per-task ones), given as if a user wrote them, go through the same checks.
        const own = preset === "quick" ? QUICK_TASK_SETTINGS[task] : {};
        const c = parse({ task, preset, ...PRESETS[preset], ...own, eval: { ...PRESETS[preset].eval, ...own.eval } });
        expect(c).toEqual(parse({ task, preset }));
        expect(c.name).toBe(`${task}-${preset}`);
      }
    }
  });
});

describe("program path", () => {
  const rasp = fs.readFileSync(path.join(packageRoot(), "rasp-programs", "counter.rasp"), "utf8");

  it("a relative program is resolved against the config file's folder, not the working directory", () => {
    const program = writeFile("progs/mine.rasp", rasp);
    const file = writeFile("configs/exp.json", JSON.stringify({ task: "counter", program: "../progs/mine.rasp" }));
    const inside = writeFile("configs/progs/mine.rasp", rasp);
    expect(loadExperimentConfig(file, {}, { allowOutside: true }).program).toBe(program);
    expect(parseExperimentConfig({ task: "counter", program: "../progs/mine.rasp" }, file, { allowOutside: true }).program).toBe(program);
    expect(parseExperimentConfig({ task: "counter", program: "progs/mine.rasp" }, file).program).toBe(inside);
  });

  it("a program outside the config's folder tree is refused unless allowed, symbolic links resolved", () => {
    const file = writeFile("configs/exp.json", "{}");
    writeFile("progs/mine.rasp", rasp);
    const root = path.relative(process.cwd(), path.join(fs.realpathSync(tmp), "configs"));
    expect(failure(() => parseExperimentConfig({ task: "counter", program: "../progs/mine.rasp" }, file))).toBe(
      `${file}: program: ../progs/mine.rasp is outside the config's folder (${root}); pass --allow-outside to allow it`,
    );
    fs.symlinkSync(path.join(tmp, "progs", "mine.rasp"), path.join(tmp, "configs", "link.rasp"));
    expect(failure(() => parseExperimentConfig({ task: "counter", program: "link.rasp" }, file))).toMatch(/program: link\.rasp is outside the config's folder/);
  });

  it("an absolute program is kept", () => {
    const program = writeFile("abs/mine.rasp", rasp);
    expect(parseExperimentConfig({ task: "counter", program }, "exp.json", { allowOutside: true }).program).toBe(program);
  });

  it("a missing program or a folder is named", () => {
    const file = writeFile("configs/missing.json", JSON.stringify({ task: "counter", program: "nope.rasp" }));
    expect(failure(() => loadExperimentConfig(file))).toBe(`${file}: program: no such file: ${path.join(tmp, "configs", "nope.rasp")}`);
    expect(failure(() => parse({ task: "counter", program: tmp }))).toBe(`exp.json: program: not a file: ${tmp}`);
  });
});

describe("every field's errors name the field in one line", () => {
  const c = (extra: Record<string, unknown>) => ({ task: "counter", ...extra });
  const m = (extra: Record<string, unknown>) => ({ task: "max_identifier", ...extra });
  // [the config, the field path the message must give, a piece of the reason]
  const cases: [unknown, string, string][] = [
    // the whole file
    [[], "", "the config must be a JSON object, got an array"],
    [null, "", "the config must be a JSON object, got null"],
    ["counter", "", "the config must be a JSON object"],
    [{}, "task", "missing"],
    [c({ nmae: "x" }), "nmae", "unknown field (did you mean name?)"],
    [c({ zzzzzzzz: 1 }), "zzzzzzzz", "unknown field (the fields here are description, preset, name, task"],
    [c({ "a b": 1 }), '["a b"]', "unknown field"],
    [c({ $schema: 5 }), "$schema", "must be a string, got 5"],
    [c({ description: ["x"] }), "description", "must be a string"],
    [c({ preset: "fast" }), "preset", 'must be one of "paper", "quick", got "fast"'],
    [c({ preset: "Quick" }), "preset", '(did you mean "quick"?)'],
    [c({ preset: 1 }), "preset", "must be one of"],
    // task and program
    [{ task: "count" }, "task", 'must be one of "counter", "max_identifier", got "count" (did you mean "counter"?)'],
    [{ task: 5 }, "task", "must be one of"],
    [{ task: "Max_Identifier" }, "task", '(did you mean "max_identifier"?)'],
    [c({ name: 5 }), "name", "must be a string, got 5"],
    [c({ name: "a/b" }), "name", "must use only letters, digits, '.', '_' and '-', got \"a/b\""],
    [c({ name: "" }), "name", "must use only letters"],
    [c({ name: ".." }), "name", 'must not be "." or ".."'],
    [c({ program: 5 }), "program", "must be a string"],
    [c({ program: "" }), "program", "must not be empty"],
    [c({ program: "/no/such/dir/x.rasp" }), "program", "no such file: /no/such/dir/x.rasp"],
    [c({ operandVariable: 5 }), "operandVariable", "must be a string"],
    [c({ operandVariable: "1x" }), "operandVariable", "must be a RASP variable name"],
    // the task spec
    [c({ oPt: true }), "oPt", "must be a string or a number, got true"],
    [c({ oPt: 5 }), "oPt", "must be one of a, b, c, d, e, f, g, h, i, got 5"],
    [c({ oPt: "z" }), "oPt", 'got "z"'],
    [c({ oFt: "j" }), "oFt", "must be one of a, b"],
    [c({ oFt: null }), "oFt", "must be a string or a number, got null"],
    [c({ oFt: "a" }), "oFt", 'must differ from oPt, both are "a"'],
    [m({ oPt: "a" }), "oPt", "must be a rank from 1 to the length 10"],
    [m({ oFt: 11 }), "oFt", "must be a rank from 1 to the length 10, got 11"],
    [m({ oFt: 2.5 }), "oFt", "must be a rank"],
    [m({ q: -3 }), "q", "is impossible"],
    [c({ q: 1.5 }), "q", "must be an integer, got 1.5"],
    [c({ q: "1" }), "q", 'must be an integer, got "1"'],
    [c({ q: 20 }), "q", "cannot hold in 10 tokens"],
    [c({ length: 1 }), "length", "must be >= 2, got 1"],
    [c({ length: 10.5 }), "length", "must be an integer"],
    [m({ length: 30 }), "length", "must be at most 26"],
    [c({ maxLen: 9 }), "maxLen", "must be >= length (10), got 9"],
    [c({ length: 12, maxLen: 10 }), "maxLen", "must be >= length (12), got 10"],
    [c({ maxLen: 10.5 }), "maxLen", "must be an integer"],
    [c({ maxLen: 1 }), "maxLen", "must be >= 2"],
    [c({ coldness: 0 }), "coldness", "must be > 0, got 0"],
    [c({ coldness: -5 }), "coldness", "must be > 0, got -5"],
    [c({ coldness: "10" }), "coldness", "must be"],
    // seed, protocols, engine
    [c({ seeds: [] }), "seeds", "must not be empty"],
    [c({ seeds: [0, 1, 0] }), "seeds", "0 appears twice (at [0] and [2])"],
    [c({ seeds: 3 }), "seeds", "must be an array, got 3"],
    [c({ seeds: [-1] }), "seeds[0]", "must be >= 0, got -1"],
    [c({ seeds: [1, 0.5] }), "seeds[1]", "must be an integer"],
    [c({ seeds: [2 ** 32] }), "seeds[0]", "must be <= 4294967295"],
    [c({ seeds: ["0"] }), "seeds[0]", "must be an integer"],
    [c({ seed: 1 }), "seed", "unknown field (did you mean seeds?)"],
    [c({ protocols: [] }), "protocols", "must not be empty"],
    [c({ protocols: "FT" }), "protocols", 'must be an array, got "FT"'],
    [c({ protocols: ["FT", "ScrFT", "FT"] }), "protocols", '"FT" appears twice'],
    [c({ protocols: ["FT", "ft"] }), "protocols[1]", 'must be one of "FT", "reFT", "randFT", "ScrFT", got "ft" (did you mean "FT"?)'],
    [c({ protocols: ["reFT", "ScrFT"] }), "protocols", '"reFT" needs "FT" or "randFT"'],
    [c({ engine: "onnx" }), "engine", 'must be one of "ort", "tfjs", got "onnx"'],
    [c({ backend: "gpu" }), "backend", 'must be one of "cpu", "cuda", "wasm", "tensorflow", got "gpu"'],
    [c({ engine: "tfjs", backend: "cuda" }), "backend", '"cuda" is not a backend of engine "tfjs" (its backends are "wasm", "cpu", "tensorflow")'],
    [c({ backend: "wasm" }), "backend", 'is not a backend of engine "ort"'],
    [c({ threads: -1 }), "threads", "must be >= 0"],
    [c({ threads: 1.5 }), "threads", "must be an integer"],
    // training
    [c({ training: "fast" }), "training", 'must be an object, got "fast"'],
    [c({ training: [] }), "training", "must be an object"],
    [c({ training: { batchsize: 3 } }), "training.batchsize", "unknown field (did you mean batchSize?)"],
    [c({ training: { batchSize: 0 } }), "training.batchSize", "must be >= 1, got 0"],
    [c({ training: { batchSize: 9.5 } }), "training.batchSize", "must be an integer"],
    [c({ training: { momentum: 1 } }), "training.momentum", "must be < 1, got 1"],
    [c({ training: { momentum: -0.1 } }), "training.momentum", "must be >= 0"],
    [c({ training: { momentum: "0.9" } }), "training.momentum", "must be a number"],
    [c({ training: { warmupFraction: 1.5 } }), "training.warmupFraction", "must be <= 1"],
    [c({ training: { warmupFraction: -0.1 } }), "training.warmupFraction", "must be >= 0"],
    [c({ training: { finalLrFraction: 0 } }), "training.finalLrFraction", "must be > 0, got 0"],
    [c({ training: { finalLrFraction: 1.01 } }), "training.finalLrFraction", "must be <= 1"],
    [c({ training: { noiseStd: -1e-3 } }), "training.noiseStd", "must be >= 0"],
    [c({ training: { noiseStd: null } }), "training.noiseStd", "must be a number, got null"],
    [c({ training: { gradClip: 0 } }), "training.gradClip", "must be > 0, got 0"],
    [c({ training: { gradClip: "1" } }), "training.gradClip", "must be"],
    // ft
    [c({ ft: 1 }), "ft", "must be an object"],
    [c({ ft: { learningrates: [0.1] } }), "ft.learningrates", "unknown field (did you mean learningRates?)"],
    [c({ ft: { learningRates: 0.1 } }), "ft.learningRates", "must be an array, got 0.1"],
    [c({ ft: { learningRates: [0.1, 0] } }), "ft.learningRates[1]", "must be > 0, got 0"],
    [c({ ft: { learningRates: [-0.01] } }), "ft.learningRates[0]", "must be > 0, got -0.01"],
    [c({ ft: { learningRates: ["0.1"] } }), "ft.learningRates[0]", 'must be a number, got "0.1"'],
    [c({ ft: { learningRates: [0.1, 0.01, 0.1] } }), "ft.learningRates", "0.1 appears twice (at [0] and [2])"],
    [c({ ft: { learningRates: [] } }), "ft.learningRates", 'must not be empty when protocols include "FT"'],
    [c({ ft: { cTrain: [-0.1] } }), "ft.cTrain[0]", "must be >= 0, got -0.1"],
    [c({ ft: { cTrain: [0, 0.5, 1.5] } }), "ft.cTrain[2]", "must be <= 1, got 1.5"],
    [c({ ft: { cTrain: [true] } }), "ft.cTrain[0]", "must be a number, got true"],
    [c({ ft: { cTrain: [0.5, 0.5] } }), "ft.cTrain", "appears twice"],
    [c({ ft: { cTrain: [] } }), "ft.cTrain", 'must not be empty when protocols include "FT"'],
    [c({ ft: { iterations: 10.5 } }), "ft.iterations", "must be an integer, got 10.5"],
    [c({ ft: { iterations: 0 } }), "ft.iterations", "must be >= 1, got 0"],
    [c({ ft: { iterations: "100" } }), "ft.iterations", "must be an integer"],
    // reft
    [c({ reft: null }), "reft", "must be an object, got null"],
    [c({ reft: { iters: 5 } }), "reft.iters", "unknown field (the fields here are fromLearningRates, learningRates, iterations)"],
    [c({ reft: { fromLearningRates: [0] } }), "reft.fromLearningRates[0]", "must be > 0, got 0"],
    [c({ reft: { fromLearningRates: [0.01, 0.5] } }), "reft.fromLearningRates[1]", "0.5 is not one of ft.learningRates (0.1, 0.01, 0.001, 0.0001)"],
    [c({ ft: { learningRates: [0.1] } }), "reft.fromLearningRates[0]", "0.01 is not one of ft.learningRates (0.1)"],
    [c({ reft: { fromLearningRates: [] } }), "reft.fromLearningRates", 'must not be empty when protocols include "reFT"'],
    [c({ reft: { learningRates: [0.1, -1] } }), "reft.learningRates[1]", "must be > 0, got -1"],
    [c({ reft: { learningRates: [] } }), "reft.learningRates", 'must not be empty when protocols include "reFT"'],
    [c({ reft: { iterations: 0 } }), "reft.iterations", "must be >= 1"],
    [c({ reft: { iterations: 1.5 } }), "reft.iterations", "must be an integer"],
    // randft
    [c({ randft: "x" }), "randft", "must be an object"],
    [c({ randft: { learningRate: [0.1] } }), "randft.learningRate", "unknown field (did you mean learningRates?)"],
    [c({ randft: "x" }), "randft", "must be an object"],
    [c({ randft: { learningRates: [0] } }), "randft.learningRates[0]", "must be > 0, got 0"],
    [c({ protocols: ["randFT"], randft: { learningRates: [] } }), "randft.learningRates", 'must not be empty when protocols include "randFT"'],
    [c({ randft: { iterations: 2.5 } }), "randft.iterations", "must be an integer"],
    [c({ randft: { iterations: 0 } }), "randft.iterations", "must be >= 1"],
    // scrft
    [c({ scrft: [1] }), "scrft", "must be an object"],
    [c({ scrft: { lr: [0.1] } }), "scrft.lr", "unknown field"],
    [c({ scrft: { learningRates: [1e-3, 0] } }), "scrft.learningRates[1]", "must be > 0, got 0"],
    [c({ scrft: { learningRates: [] } }), "scrft.learningRates", 'must not be empty when protocols include "ScrFT"'],
    [c({ scrft: { iterations: 0 } }), "scrft.iterations", "must be >= 1"],
    [c({ scrft: { iterations: 99.9 } }), "scrft.iterations", "must be an integer"],
    // eval and checkpoints
    [c({ eval: [] }), "eval", "must be an object"],
    [c({ eval: { evry: 5 } }), "eval.evry", "unknown field (did you mean every?)"],
    [c({ eval: { every: 0 } }), "eval.every", "must be >= 1, got 0"],
    [c({ eval: { every: 2.5 } }), "eval.every", "must be an integer"],
    [c({ eval: { samples: 0 } }), "eval.samples", "must be >= 1"],
    [c({ eval: { samples: 1.5 } }), "eval.samples", "must be an integer"],
    [c({ ft: { ptMix: [0.5, 1.5] } }), "ft.ptMix[1]", "must be <= 1, got 1.5"],
    [c({ ft: { ptMix: [-0.1] } }), "ft.ptMix[0]", "must be >= 0, got -0.1"],
    [c({ ft: { ptMix: [] } }), "ft.ptMix", "must not be empty"],
    [c({ ft: { ptMix: 0.5 } }), "ft.ptMix", "must be an array, got 0.5"],
    [c({ eval: { stratify: 5 } }), "eval.stratify", "count 5 of a cannot carry the correlation (count b = 6) in 10 tokens"],
    [c({ eval: { stratify: 3, samples: 10 } }), "eval.samples", "must be a multiple of 4 (eval.stratify asks for each count 0..3 equally often), got 10"],
    [c({ eval: { stratify: -1 } }), "eval.stratify", "must be >= 0"],
    [c({ eval: { stratify: "4" } }), "eval.stratify", "must be an integer or null"],
    [m({ eval: { stratify: 2 } }), "eval.stratify", "only Counter's test sets can be stratified"],
    [c({ checkpointEvery: 0 }), "checkpointEvery", "must be >= 1, got 0"],
    [c({ checkpointEvery: 1.5 }), "checkpointEvery", "must be an integer"],
    [c({ checkpointevery: 5 }), "checkpointevery", "unknown field (did you mean checkpointEvery?)"],
  ];

  it.each(cases)("%j -> %s", (json, field, reason) => {
    const message = parseError(json);
    expect(message.startsWith(field === "" ? "exp.json: " : `exp.json: ${field}: `), message).toBe(true);
    expect(message).toContain(reason);
  });

  it("every field of the schema has an error case", () => {
    const named = new Set(cases.map(([, field]) => field.replace(/\[\d+\]/g, "")));
    const props = EXPERIMENT_CONFIG_SCHEMA.properties as Record<string, { properties?: object }>;
    for (const [key, schema] of Object.entries(props)) {
      expect(named, key).toContain(key);
      for (const sub of Object.keys(schema.properties ?? {})) expect(named, `${key}.${sub}`).toContain(`${key}.${sub}`);
    }
  });
});

describe("config files", () => {
  it("loads a file, naming it in errors about its fields", () => {
    const file = writeFile("ok.json", JSON.stringify({ task: "counter", preset: "quick", seeds: [3, 5] }));
    expect(loadExperimentConfig(file).seeds).toEqual([3, 5]);
    expect(loadExperimentConfig(writeFile("quick.json", JSON.stringify({ task: "counter", preset: "quick" }))).seeds).toEqual([0, 1, 2]);
    const bad = writeFile("bad-lr.json", JSON.stringify({ task: "counter", ft: { learningRates: [0.1, 0] } }));
    expect(failure(() => loadExperimentConfig(bad))).toBe(`${bad}: ft.learningRates[1]: must be > 0, got 0`);
  });

  it("a UTF-8 byte order mark is allowed", () => {
    expect(loadExperimentConfig(writeFile("bom.json", '\uFEFF{"task": "counter"}')).task).toBe("counter");
  });

  it.each([
    ['{\n  "task": "counter",\n  "seed": 1,\n}\n', "4:1", "expected a property name in double quotes, got \"}\""],
    ["not json", "1:1", 'expected a JSON value, got "n"'],
    ["", "1:1", "expected a JSON value, got the end of the file"],
    ['{"task": "counter"} x', "1:21", 'unexpected "x" after the JSON value'],
    ['{"task": "counter}', "1:19", "unterminated string"],
    ['{"task": \'counter\'}', "1:10", "expected a JSON value, got \"'\""],
    ['{\n "task": "counter"\n "seed": 1}', "3:2", "expected ',' or '}', got '\"'".replace(/'"'/, '"\\""')],
    ['{"ft": {"learningRates": [0.1 0.2]}}', "1:31", "expected ',' or ']'"],
    ['{"seed": 01}', "1:11", "expected ',' or '}'"],
  ])("non-JSON %j is reported at line:col", (text, where, reason) => {
    const file = writeFile("broken.json", text);
    const message = failure(() => loadExperimentConfig(file));
    expect(message.startsWith(`${file}:${where}: not valid JSON: `), message).toBe(true);
    expect(message).toContain(reason);
  });

  it("a missing file or a folder is named", () => {
    const missing = path.join(tmp, "nowhere", "exp.json");
    expect(failure(() => loadExperimentConfig(missing))).toBe(`${missing}: no such file`);
    expect(failure(() => loadExperimentConfig(tmp))).toBe(`${tmp}: is a directory, not an experiment config`);
  });

  // The scanner that places JSON errors must agree with JSON.parse on what is JSON at all.
  const jsonish = fc.string({ unit: fc.constantFrom(..."{}[]:,\"\\ \n\t-+.0123456789eEtrufalsn\u0001x".split("")), maxLength: 24 });
  test.prop([fc.oneof(jsonish, fc.json())], { numRuns: 3000 })("jsonSyntaxError finds an error exactly when JSON.parse fails", (text) => {
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    const found = jsonSyntaxError(text);
    // A repeated key is the one thing the scanner refuses that JSON.parse accepts.
    const repeated = found?.reason.endsWith("appears twice in this object") ?? false;
    expect(found === null || repeated).toBe(parses);
    if (found) expect(found.offset).toBeLessThanOrEqual(text.length);
  });

  it("refuses a key given twice in one object, at the second one, but not in sibling objects", () => {
    expect(jsonSyntaxError('{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}')).toBeNull();
    expect(jsonSyntaxError('{"ft": {"iterations": 1}, "ft": {}}')).toEqual({ offset: 26, reason: '"ft" appears twice in this object' });
    expect(jsonSyntaxError('{"a": {"x": 1, "\u0078": 2}}')).toEqual({ offset: 15, reason: '"x" appears twice in this object' });
  });
});

describe("the shipped configs", () => {
  it("every file in experiments/ loads", () => {
    const dir = path.join(packageRoot(), "experiments");
    const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json"));
    // Pretraining configs (`"kind": "gpt-pretrain"`, raspc train) have a loader of their own.
    const isPretrain = (f: string) => (JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { kind?: string }).kind === "gpt-pretrain";
    const sweeps = files.filter((f) => !isPretrain(f));
    expect(sweeps.length).toBeGreaterThanOrEqual(4);
    for (const f of sweeps) expect(loadExperimentConfig(path.join(dir, f)).task).toMatch(/^(counter|max_identifier)$/);
    const pretrains = files.filter(isPretrain);
    expect(pretrains.length).toBeGreaterThanOrEqual(1);
    for (const f of pretrains) {
      expect(loadPretrainConfig(path.join(dir, f)).name).toBe(f.replace(/\.json$/, ""));
      expect(() => loadExperimentConfig(path.join(dir, f))).toThrow(/kind: "gpt-pretrain" is a pretraining config; run it with raspc train$/);
    }
  });
});
