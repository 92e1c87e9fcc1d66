// Pretraining a gpt from a config: the loss falls on a toy copy task, a run resumed from a
// checkpoint ends bit-identical to an uninterrupted one, and bad configs and foreign checkpoints
// are refused with one line naming the field, before anything is written.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parsePretrainConfig, type PretrainConfig } from "../../runtime/pretrain/config.js";
import { PRETRAIN_FILES, pretrain } from "../../runtime/pretrain/run.js";
import { toyBatch } from "../../runtime/pretrain/tasks.js";
import { raspc } from "../helpers/cli.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-pretrain-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TINY = {
  kind: "gpt-pretrain",
  name: "tiny",
  task: { name: "copy", symbols: 4, length: 3 },
  model: { nLayer: 1, nHead: 2, nEmbd: 16 },
  schedule: { peak: 1e-2, iterations: 120, warmupFraction: 0.1, finalFraction: 0.1 },
  batchSize: 32,
  evalEvery: 40,
  evalSamples: 64,
  checkpointEvery: 40,
  threads: 1,
};
const config = (over: Record<string, unknown> = {}): PretrainConfig => parsePretrainConfig({ ...TINY, ...over }, "tiny.json");

describe("toy tasks", () => {
  it("copy and reverse: targets ignored on the random row, the rest determined", () => {
    const c = toyBatch({ name: "copy", symbols: 5, length: 4 }, 2, 1, 3);
    const r = toyBatch({ name: "reverse", symbols: 5, length: 4 }, 2, 1, 3);
    expect(Array.from(c.ids.slice(0, 8))).toEqual(Array.from(r.ids.slice(0, 5)).concat([c.ids[5]!, c.ids[6]!, c.ids[7]!]));
    // Row x0..x3, separator 5 at position 4, then the answer; targets from position 3 on.
    const row = Array.from(c.ids.slice(0, 4));
    expect(c.ids[4]).toBe(5);
    expect(Array.from(c.targets.slice(0, 8))).toEqual([-1, -1, -1, 5, ...row]);
    expect(Array.from(r.targets.slice(0, 8))).toEqual([-1, -1, -1, 5, ...[...row].reverse()]);
    expect(toyBatch({ name: "copy", symbols: 5, length: 4 }, 2, 1, 3).ids).toEqual(c.ids);
  });
});

describe("gpt pretraining", () => {
  it("drives the held-out loss down and resumes bit-identically", async () => {
    const c = config();
    const whole = path.join(tmp, "whole");
    const s = await pretrain({ config: c, runDir: whole, resume: false });
    expect(s.status).toBe("done");
    expect(s.initial.evalLoss).toBeGreaterThan(1.2);
    // The answer tokens are learnable: the held-out loss falls well below the initial ~log(5).
    console.log(`held-out loss ${s.initial.evalLoss.toFixed(3)} -> ${s.final.evalLoss.toFixed(4)}, answer accuracy ${s.final.seqAcc}`);
    expect(s.final.evalLoss).toBeLessThan(0.5 * s.initial.evalLoss);
    const cut = path.join(tmp, "cut");
    // Killed after 50 steps: the checkpoint is at 40, steps 41-50 are run again on resume.
    const partial = await pretrain({ config: c, runDir: cut, resume: false, stopAfter: 50 });
    expect(partial.steps).toBe(50);
    expect(fs.existsSync(path.join(cut, PRETRAIN_FILES.summary))).toBe(false);
    await pretrain({ config: c, runDir: cut, resume: true });
    for (const f of [PRETRAIN_FILES.metrics, PRETRAIN_FILES.checkpoint]) {
      expect(fs.readFileSync(path.join(cut, f), "utf8"), f).toBe(fs.readFileSync(path.join(whole, f), "utf8"));
    }
  });

  it("refuses a checkpoint from another model shape, naming the field, and leaves the folder as it was", async () => {
    const dir = path.join(tmp, "other");
    await pretrain({ config: config({ schedule: { ...TINY.schedule, iterations: 2 } }), runDir: dir, resume: false });
    const before = fs.readFileSync(path.join(dir, PRETRAIN_FILES.metrics), "utf8");
    await expect(pretrain({ config: config({ model: { nLayer: 1, nHead: 2, nEmbd: 8 } }), runDir: dir, resume: true })).rejects.toThrow(/checkpoint\.json: fingerprint: the checkpoint is from another model/);
    expect(fs.readFileSync(path.join(dir, PRETRAIN_FILES.metrics), "utf8")).toBe(before);
  });
});

describe("pretrain configs", () => {
  it.each([
    [{ model: { nLayer: 1, nHead: 3, nEmbd: 16 } }, /tiny\.json: model: nEmbd \(16\) must be divisible by nHead \(3\)/],
    [{ optimizer: { kind: "lion" } }, /optimizer\.kind: must be "adamw", got "lion"/],
    [{ task: { name: "sort" } }, /task\.name: must be one of "copy", "reverse", got "sort"/],
    [{ batchSize: 0 }, /batchSize: must be >= 1, got 0/],
    [{ learningRate: 1 }, /learningRate: unknown field/],
    [{ schedule: { peak: -1 } }, /schedule\.peak: must be > 0, got -1/],
  ])("%o is refused with one line naming the field", (over, message) => {
    expect(() => config(over)).toThrow(message);
  });

  it("the CLI exits 1 with that line and writes nothing", async () => {
    const file = path.join(tmp, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ ...TINY, model: { nLayer: 2, nHead: 6, nEmbd: 190 } }));
    const out = path.join(tmp, "cli-out");
    const r = await raspc(["train", file, "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/model: nEmbd \(190\) must be divisible by nHead \(6\)/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
