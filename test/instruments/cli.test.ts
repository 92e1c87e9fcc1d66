// `raspc prune` and `raspc probe` as a user runs them (the built CLI) on a compiled Counter model
// inside a small sweep folder (so the sweep's test sets and baselines are found) and outside one:
// the tables, the figure files, and every refusal as one line, exit 1, with nothing written.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { writeModel } from "../../compiler/model/modelFile.js";
import { COUNTER_VOCAB } from "../../runtime/tasks/data.js";
import { expectNoCrash, raspc, removeScratch, ROOT, scratch } from "../helpers/cli.js";

let sweep: string;
let loose: string;

beforeAll(() => {
  const model = compileFile(path.join(ROOT, "rasp-programs/counter.rasp"), { vocab: [...COUNTER_VOCAB], maxLen: 10 });
  // A sweep folder as raspc experiment leaves it, as far as the instruments read it.
  sweep = scratch({ "experiment.json": JSON.stringify({ task: "counter", preset: "quick", program: path.join(ROOT, "rasp-programs/counter.rasp"), eval: { samples: 200 } }) });
  fs.mkdirSync(path.join(sweep, "models"));
  writeModel(path.join(sweep, "models", "pt.json"), model);
  loose = scratch({});
  writeModel(path.join(loose, "counter.json"), model);
});
afterAll(removeScratch);

function oneLine(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  expectNoCrash(r);
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
}

describe("raspc prune", () => {
  it("prints the curve against the sweep's baselines, the zeroed weights by name, and writes the figures", async () => {
    const out = scratch({});
    const png = path.join(out, "curve.svg");
    const r = await raspc(["prune", path.join(sweep, "models", "pt.json"), "--k", "3,0,1", "--show", "2", "-o", png, "--save", out], { timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scored on sweep raspc-cli-\w+'s test sets \(200 per set, seed 0/);
    expect(r.stdout).toContain("| K | C_Te=1 Acc O_PT | C_Te=1 Acc O_FT | C_Te=0 Acc O_PT | C_Te=0 Acc O_FT |");
    // The compiled model counts a perfectly before pruning.
    expect(r.stdout).toMatch(/^\| 0 \| 100\.0 \| [\d.]+ \| 100\.0 \| [\d.]+ \|$/m);
    expect(r.stdout).toMatch(/^\| 3 \| /m);
    expect(r.stdout).toMatch(/^\| \*baseline: always \d\* \|/m);
    expect(r.stdout).toMatch(/the first 2 of 3 weights zeroed/);
    expect(r.stdout).toMatch(/^ {2}1\. \S+\[.+\] {2}saliency [-\d.e+]+/m);
    expect(r.stdout).toMatch(/predicted answers at K = 0, C_Te = 0:/);
    expect(fs.readFileSync(png, "utf8")).toMatch(/^<svg/);
    expect(fs.readFileSync(path.join(out, "curve-classes.svg"), "utf8")).toMatch(/^<svg/);
    expect(fs.readdirSync(path.join(out, "figures")).sort()).toEqual(["prune-classes-pt-weight.json", "prune-pt-weight.json"]);
  });

  it("refuses K beyond the eligible weights, naming how many there are", async () => {
    const r = await raspc(["prune", path.join(sweep, "models", "pt.json"), "--params", "l1.wq", "--k", "0,100000"]);
    oneLine(r, /^raspc: --k 100000: pt has only \d+ eligible weights \(in l1\.wq\)$/);
  });

  it("refuses bad input in one line before any work: a model outside a sweep without --task, a tensor, a figure format", async () => {
    const model = path.join(loose, "counter.json");
    oneLine(await raspc(["prune", model]), /not in a sweep folder .*--task counter\|max_identifier, or the sweep with --experiment DIR/);
    oneLine(await raspc(["prune", model, "--task", "counter", "--params", "l9.w1"]), /--params l9\.w1: no such tensor in counter \(did you mean l0\.w1\?\); its tensors are tok, pos/);
    oneLine(await raspc(["prune", model, "--task", "counter", "--k", "1,x"]), /--k: "x" is not a non-negative integer/);
    const out = scratch({});
    oneLine(await raspc(["prune", model, "--task", "counter", "-o", path.join(out, "curve.txt")]), /cannot tell the format from "\.txt"; use \.svg, \.png, \.json/);
    oneLine(await raspc(["prune", model, "--task", "max_identifier"]), /its vocabulary lacks j, k, .*is it a max_identifier model/);
    oneLine(await raspc(["prune", loose]), /a folder without final-model\.json/);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it("prunes a model outside a sweep on fresh test sets of --task", async () => {
    const r = await raspc(["prune", path.join(loose, "counter.json"), "--task", "counter", "--test-samples", "100", "--k", "0,2", "--granularity", "neuron", "--params", "l0.w1", "--json"], { timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { granularity: string; eligible: number; points: { k: number; acc: { ptC0: number } }[]; zeroed: { name: string }[] };
    expect(json.granularity).toBe("neuron");
    expect(json.eligible).toBe(22);
    expect(json.points.map((p) => p.k)).toEqual([0, 2]);
    expect(json.points[0]!.acc.ptC0).toBe(1);
    expect(json.zeroed.map((z) => z.name)).toEqual([expect.stringMatching(/^l0\.w1\[\* → hidden \d+/), expect.stringMatching(/^l0\.w1\[\* → hidden \d+/)]);
  });
});

describe("raspc probe", () => {
  it("prints accuracy per probed stream beside the majority class, and writes the figure", async () => {
    const out = scratch({});
    const r = await raspc(["probe", path.join(sweep, "models", "pt.json"), "--target", "count_a,pt", "--iters", "20", "--test-samples", "100", "-o", path.join(out, "probe.json")], { timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^linear probes of the residual stream at position 2 \(the answer position\), counter, O_PT a, O_FT b/);
    expect(r.stdout).toMatch(/20 AdamW iterations of batch 96, lr 0\.001 × 0\.1 at 10, 15, 18/);
    expect(r.stdout).toContain("| model | embed | block 0 | block 1 | majority class |");
    expect(r.stdout).toMatch(/^\| pt \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \(always \d+\) \|$/m);
    // pt names count_a: one table, not two.
    expect(r.stdout.match(/^count_a: count of a \(O_PT\)/gm)).toHaveLength(1);
    const fig = JSON.parse(fs.readFileSync(path.join(out, "probe.json"), "utf8")) as { format: string; id: string };
    expect(fig.format).toBe("raspc-figure");
    expect(fig.id).toBe("probe-count_a-pt");
  });

  it("refuses an unknown target with the list of valid ones, and options out of range", async () => {
    const model = path.join(sweep, "models", "pt.json");
    oneLine(await raspc(["probe", model, "--target", "count_z"]), /--target count_z: not a target of the counter task .*its targets are count_a, count_b, count_c, .*count_i \(and pt, ft for O_PT = a, O_FT = b\)$/);
    oneLine(await raspc(["probe", model, "--iters", "100", "--milestones", "50,100"]), /--milestones 100: past the last iteration \(99\)/);
    oneLine(await raspc(["probe", model, "--lr", "0"]), /--lr must be a positive number, got "0"/);
    oneLine(await raspc(["probe", model, "--position", "11"]), /--position 11: the task's sequences have model positions 0 \(BOS\) to 10/);
    oneLine(await raspc(["probe", path.join(loose, "counter.json")]), /not in a sweep folder/);
  });
});
