// Every config problem is found before anything is written: one line naming the config field (not a
// CLI flag), exit 1, and no output folder afterwards, so a corrected rerun needs no --force.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

afterAll(removeScratch);

const BASE = { task: "counter", preset: "quick", name: "t", protocols: ["ScrFT"], scrft: { learningRates: [0.01], iterations: 10 }, eval: { every: 10, samples: 30 } };
const cfg = (extra: Record<string, unknown>) => JSON.stringify({ ...BASE, ...extra });

const cases: [string, string, RegExp][] = [
  ["a program with a syntax error", cfg({ program: "broken.rasp" }), /^raspc: c\.json: program: .*broken\.rasp:2:5: error: /],
  ["an operandVariable the program lacks", cfg({ operandVariable: "nope" }), /^raspc: c\.json: operandVariable: .*counter\.rasp has no global named 'nope'\n$/],
  ["a length over 512", cfg({ length: 600 }), /^raspc: c\.json: length: must be <= 512, got 600\n$/],
  ["a maxLen over 512", cfg({ maxLen: 513 }), /^raspc: c\.json: maxLen: must be <= 512, got 513\n$/],
  ["an absurd iteration count", cfg({ scrft: { learningRates: [0.01], iterations: 1e15 } }), /^raspc: c\.json: scrft\.iterations: must be <= 10000000, got 1000000000000000\n$/],
  ["an absurd batch", cfg({ training: { batchSize: 1e8 } }), /^raspc: c\.json: training\.batchSize: must be <= 16384, got 100000000\n$/],
  ["a coldness that overflows float32", cfg({ coldness: 1e308 }), /^raspc: c\.json: coldness: must be <= 1000000, got 1e\+308\n$/],
  ["a key given twice", '{"task": "counter", "preset": "quick", "name": "t",\n  "name": "u"}', /^raspc: c\.json:2:3: "name" appears twice in this object\n$/],
  ["an unavailable CUDA provider", cfg({ backend: "cuda" }), /^raspc: c\.json: backend: onnxruntime-node's CUDA provider did not start \(.*\); .* or use the cpu backend\n$/],
];

describe.concurrent("experiment configs are checked before anything is written", () => {
  for (const [name, config, expected] of cases) {
    it(name, async () => {
      const dir = scratch({ "c.json": config, "broken.rasp": "x = 1;\ny = ;\nout = tokens;\n" });
      const r = await raspc(["experiment", "c.json", "--out", "out"], { cwd: dir, timeoutMs: 30_000 });
      expectNoCrash(r);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n").filter((l) => l !== "")).toHaveLength(1);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/--set|--max-len|--backend/);
      expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
    });
  }

  it("--resume on a missing folder, and --resume with --force, are refused", async () => {
    const dir = scratch({ "c.json": cfg({}) });
    const missing = await raspc(["experiment", "c.json", "--out", "out", "--resume"], { cwd: dir, timeoutMs: 30_000 });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("raspc: out/t: no sweep to resume there (the folder does not exist); leave out --resume to start it\n");
    expect(fs.existsSync(path.join(dir, "out", "t"))).toBe(false);
    const both = await raspc(["experiment", "c.json", "--out", "out", "--resume", "--force"], { cwd: dir, timeoutMs: 30_000 });
    expect(both.code).toBe(1);
    expect(both.stderr).toBe("raspc: --resume continues a sweep and --force deletes it; give one of them\n");
  });
});
