// `raspc experiment` end to end with the built CLI: a tiny sweep in parallel workers writes its run
// folders and tables; a resumed sweep keeps finished runs; bad configs and bad folders give one line,
// exit 1 and no run folder.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, expectNoCrash, raspc, removeScratch, scratch } from "./cliHarness.js";

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
  ensureBuilt();
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
      expect(files).toEqual(["checkpoint.json", "config.json", "confusion.md", "metrics.jsonl", "summary.json"]);
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
