// `raspc experiment` end to end with the built CLI: a tiny sweep in parallel workers writes its run
// folders and tables; a resumed sweep keeps finished runs; bad configs and bad folders give one line,
// exit 1 and no run folder.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";
import { readModel } from "../../compiler/model/modelFile.js";
import { decodeAt } from "../../runtime/forward/outputs.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { modelFingerprint, readCheckpoint } from "../../runtime/train/checkpoint.js";
import { createTrainer } from "../../runtime/train/engines.js";
import { geometryOf, paramsOf } from "../../runtime/train/params.js";
import { MODEL_ANSWER_POSITION, TaskEncoder } from "../../runtime/train/taskBatches.js";
import { zerosLike } from "../../runtime/train/trainer.js";

const TINY = {
  task: "counter",
  preset: "quick",
  name: "tiny",
  seeds: [0, 1],
  protocols: ["FT", "reFT", "ScrFT", "randFT"],
  ft: { learningRates: [0.01], cTrain: [0, 1], iterations: 40 },
  reft: { fromLearningRates: [0.01], learningRates: [0.001], iterations: 20 },
  randft: { learningRates: [0.01], iterations: 20 },
  scrft: { learningRates: [0.01], iterations: 20 },
  eval: { every: 10, samples: 60 },
  checkpointEvery: 10,
};

let dir: string;
beforeAll(() => {
  dir = scratch({ "tiny.json": JSON.stringify(TINY), "bad.json": JSON.stringify({ ...TINY, ft: { ...TINY.ft, learningRates: [0.01, 0] } }) });
});
afterAll(removeScratch);

describe("raspc experiment", () => {
  it("runs a sweep in two worker processes and writes run folders, CSV and Markdown", async () => {
    const r = await raspc(["experiment", "tiny.json", "--out", "out", "--jobs", "2"], { cwd: dir, timeoutMs: 170_000 });
    expectNoCrash(r);
    expect(r.stderr).toContain("tiny: 14 runs");
    expect(r.code).toBe(0);
    const sweep = path.join(dir, "out", "tiny");
    const runs = fs.readdirSync(path.join(sweep, "runs")).sort();
    expect(runs).toEqual(
      ["FT-lr1e-2-c0", "FT-lr1e-2-c1", "ScrFT-lr1e-2", "randFT-lr1e-2", "reFT-lr1e-3-from-FT-lr1e-2-c0", "reFT-lr1e-3-from-FT-lr1e-2-c1", "reFT-lr1e-3-from-randFT-lr1e-2"].flatMap((cell) => [`${cell}-s0`, `${cell}-s1`]).sort(),
    );
    for (const run of runs) {
      const files = fs.readdirSync(path.join(sweep, "runs", run)).sort();
      expect(files).toEqual(["checkpoint.json", "config.json", "confusion.md", "final-model.json", "metrics.jsonl", "summary.json"]);
      const config = JSON.parse(fs.readFileSync(path.join(sweep, "runs", run, "config.json"), "utf8"));
      expect(config.engine).toBe("ort");
      expect(config.backend).toBe("cpu");
      expect(config.versions["onnxruntime-node"]).toMatch(/^\d+\.\d+\.\d+/);
      expect(typeof config.seed).toBe("number");
    }
    const metrics = fs.readFileSync(path.join(sweep, "runs", "FT-lr1e-2-c0-s0", "metrics.jsonl"), "utf8").trim().split("\n");
    expect(metrics.map((l) => JSON.parse(l).step)).toEqual([0, 10, 20, 30, 40]);
    const csv = fs.readFileSync(path.join(sweep, "sweep.csv"), "utf8").trim().split("\n");
    expect(csv.filter((l) => !l.includes(",baseline,")).length).toBe(15);
    expect(csv[0]).toContain("acc_pt_cte1,acc_ft_cte1,acc_pt_cte0,acc_ft_cte0");
    expect(r.stdout).toContain("## Fine-tuning (FT), as the paper's table 3");
    expect(r.stdout).toContain("## Reverse fine-tuning (reFT) of the FT models below the FT learning rate (appendix F's protocol), as the paper's table 4");
    // One row per cell, mean ± sd over the two seeds, and how many seeds reached 90%.
    expect(r.stdout).toMatch(/\| 1e-2 \| 1 \| \d+\.\d ± \d+\.\d \| \d+\.\d ± \d+\.\d \|.*\((\d)\/2\)/);
    expect(r.stdout).toContain("| *baseline: always 0* |");
    expect(r.stdout).toContain("## What each run computes");
    expect(fs.readFileSync(path.join(sweep, "runs", "FT-lr1e-2-c0-s1", "confusion.md"), "utf8")).toContain("| true \\ predicted |");
    // 14 runs in two workers: about 30 s on an idle 2-core machine, twice that beside other work.
  }, 180_000);

  it("a run's final-model.json is a schema-valid model of its trained weights: exec on it is the training engine's forward", async () => {
    const sweep = path.join(dir, "out", "tiny");
    const runFolder = path.join(sweep, "runs", "FT-lr1e-2-c0-s0");
    const config = JSON.parse(fs.readFileSync(path.join(runFolder, "config.json"), "utf8"));
    const finalFile = path.join(runFolder, "final-model.json");
    const model = readModel(finalFile); // validates against the schema, and the shapes
    const source = readModel(path.join(sweep, config.model.file));
    expect(model.trained).toEqual({ sourceModel: config.model.file, runId: "FT-lr1e-2-c0-s0", step: 40, protocol: "FT" });
    expect(model.residual).toEqual(source.residual);
    expect(model.plan).toEqual(source.plan);
    // The inverse of paramsOf: the model file holds exactly the checkpoint's float32 weights.
    const geometry = geometryOf(source);
    const ck = readCheckpoint(path.join(runFolder, "checkpoint.json"), geometry, modelFingerprint(geometry, paramsOf(source)));
    expect(paramsOf(model)).toEqual(ck.state.params);
    expect(paramsOf(model)).not.toEqual(paramsOf(source));

    // The training engine's forward on the checkpoint's parameters, against exec on the model file.
    const trainer = await createTrainer("ort", { geometry, initial: { params: ck.state.params, velocity: zerosLike(ck.state.params) }, answerPosition: MODEL_ANSWER_POSITION, threads: 1 });
    const batch = new TaskEncoder(source).trainingBatch({ task: "counter", oPt: config.task.oPt, oFt: config.task.oFt, q: config.task.q, length: config.task.length }, 7, 0, 24, null, "ft");
    const engineLogits = await trainer.logits(batch);
    trainer.dispose();
    const outputs = model.unembedding[0]!.length;
    const inputs: unknown[][] = [];
    const rows: number[][] = [];
    for (let b = 0; b < batch.batch; b++) {
      const ids = Array.from(batch.ids.subarray(b * batch.seqLen, (b + 1) * batch.seqLen));
      rows.push(ids);
      inputs.push(ids.slice(1).map((id) => model.vocab[id]));
    }
    fs.writeFileSync(path.join(dir, "ft-inputs.jsonl"), inputs.map((x) => JSON.stringify(x)).join("\n") + "\n");
    const r = await raspc(["exec", finalFile, "--inputs", "ft-inputs.jsonl", "--json"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    const execOut = r.stdout.trim().split("\n").map((l) => JSON.parse(l).output as unknown[]);
    const reference = referenceForward(model, rows);
    for (let b = 0; b < batch.batch; b++) {
      const expected = decodeAt(model, engineLogits, b * outputs);
      expect(execOut[b]![MODEL_ANSWER_POSITION - 1]).toEqual(expected);
      for (let j = 0; j < outputs; j++) {
        const ours = reference.logits[(b * reference.seqLen + MODEL_ANSWER_POSITION) * outputs + j]!;
        expect(ours).toBeCloseTo(engineLogits[b * outputs + j]!, 3);
      }
    }
  });

  it("refuses to overwrite a sweep without --resume or --force, and resumes a finished one without rerunning", async () => {
    const again = await raspc(["experiment", "tiny.json", "--out", "out"], { cwd: dir, timeoutMs: 60_000 });
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split("\n").at(-1)).toMatch(/out\/tiny already exists; pass --resume .* or --force/);
    const resumed = await raspc(["experiment", "tiny.json", "--out", "out", "--resume"], { cwd: dir, timeoutMs: 60_000 });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain("14 of 14 runs already finished");
  });

  it("refuses to resume from a checkpoint of another model, naming the file", async () => {
    const run = path.join(dir, "out", "tiny", "runs", "ScrFT-lr1e-2-s0");
    fs.rmSync(path.join(run, "summary.json"));
    const ckFile = path.join(run, "checkpoint.json");
    const ck = JSON.parse(fs.readFileSync(ckFile, "utf8"));
    fs.writeFileSync(ckFile, JSON.stringify({ ...ck, fingerprint: "0000000000000000" }));
    const r = await raspc(["experiment", "tiny.json", "--out", "out", "--resume"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ScrFT-lr1e-2-s0\/checkpoint\.json: the checkpoint is from a different model/);
  });

  it("rejects a bad config in one line naming the field, and creates nothing", async () => {
    const r = await raspc(["experiment", "bad.json", "--out", "bad-out"], { cwd: dir });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("bad.json: ft.learningRates[1]: must be > 0");
    expect(fs.existsSync(path.join(dir, "bad-out"))).toBe(false);
  });

  it("rejects empty or repeated seeds in one line naming the field, and creates nothing", async () => {
    for (const [seeds, reason] of [[[], "seeds: must not be empty"], [[1, 2, 1], "seeds: 1 appears twice (at [0] and [2])"]] as const) {
      fs.writeFileSync(path.join(dir, "seeds.json"), JSON.stringify({ ...TINY, seeds }));
      const r = await raspc(["experiment", "seeds.json", "--out", "bad-out"], { cwd: dir });
      expectNoCrash(r);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(`seeds.json: ${reason}`);
      expect(fs.existsSync(path.join(dir, "bad-out"))).toBe(false);
    }
  });

  it("rejects a backend its engine does not have", async () => {
    const r = await raspc(["experiment", "tiny.json", "--out", "bad-out", "--engine", "ort", "--backend", "wasm"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backend/);
    expect(fs.existsSync(path.join(dir, "bad-out"))).toBe(false);
  });
});
