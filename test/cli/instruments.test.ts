// `raspc attn`, `raspc patch` and `raspc diff` end to end on a compiled Counter laid out like a
// sweep (SWEEP/models/pt.json beside SWEEP/experiment.json, so the task is found), a hand-edited
// copy, and a model of another geometry: the tables, --json, and the one-line refusals.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

let dir: string;
const VOCAB = '["a","b","c","d","e","f","g","h","i"]';
const INPUT = '["a","b","a","c","a","b","d","e","f","g"]'; // 3 a's, 2 b's

beforeAll(async () => {
  dir = scratch({ "sweep/experiment.json": JSON.stringify({ name: "t", task: "counter", oPt: "a", oFt: "b", q: 1, length: 10 }) });
  fs.mkdirSync(path.join(dir, "sweep/models"));
  const program = path.resolve("rasp-programs/counter.rasp");
  for (const [out, maxLen] of [["sweep/models/pt.json", "10"], ["short.json", "6"]] as const) {
    const r = await raspc(["compile", program, "--vocab", VOCAB, "--max-len", maxLen, "-o", out], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
  }
  // A hand edit: layer 1's value weights read the direction tokens:c a little.
  const model = JSON.parse(fs.readFileSync(path.join(dir, "sweep/models/pt.json"), "utf8")) as { residual: string[]; layers: { attention: { wv: number[][] }[] }[] };
  const row = model.residual.indexOf("tokens:c");
  model.layers[1]!.attention[0]!.wv[row]![0]! += 0.5;
  fs.writeFileSync(path.join(dir, "edited.json"), JSON.stringify(model));
}, 120_000);
afterAll(removeScratch);

const PT = "sweep/models/pt.json";
/** Each test spawns several CLI processes (each loads onnxruntime-node): about a second apiece on an idle 2-core machine, many times that on a busy one. */
const SLOW = 240_000;

describe.concurrent("raspc attn", () => {
  it("prints each head's top keys and, with the task found beside the model, the mass on the operands at the answer position", async () => {
    const r = await raspc(["attn", PT, "edited.json", "--input", INPUT, "--queries", "2:3"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("L0H0 count_a: each query row's top 3 keys");
    expect(r.stdout).toMatch(/at the answer position \(query 2, token b\): attention on the positions of the O_PT operand "a" \(3 of them\) and the O_FT operand "b" \(2\)/);
    // Both models' counting heads: 3/4 on the a's, 1/4 on BOS, nothing on the b's.
    const rows = r.stdout.split("\n").filter((l) => /L0H0 count_a\s+0\.750\s+0\.000\s+0\.250\s+0\.000$/.test(l));
    expect(rows.map((l) => l.trim().split(/\s+/)[0])).toEqual(["pt", "edited"]);
  }, SLOW);

  it("--json carries the patterns, and --sample draws the task's input", async () => {
    const r = await raspc(["attn", PT, "--sample", "3", "--seed", "1", "--json", "--layer", "0"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { input: string[]; positions: string[]; heads: { layer: number; pattern: number[][] }[] };
    expect(j.input).toHaveLength(10);
    expect(j.positions).toEqual(["BOS", ...j.input]);
    expect(j.heads.map((h) => h.layer)).toEqual([0]);
    const a = j.input.filter((t) => t === "a").length;
    expect(j.heads[0]!.pattern[2]![0]).toBeCloseTo(1 / (a + 1), 4);
  }, SLOW);

  it("--mlp --units shows the chosen hidden units of each MLP by position", async () => {
    const r = await raspc(["attn", PT, "--input", INPUT, "--mlp", "--units", "0:3"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pt layer 0 MLP: hidden units 0\.\.2 of 22/);
    expect(r.stdout.split("\n").filter((l) => /^\s+\d+ count_a\s/.test(l))).toHaveLength(3);
  }, SLOW);

  it("refuses bad windows, filters and inputs in one line", async () => {
    const cases: [string[], RegExp][] = [
      [["--input", INPUT, "--keys", "5:2"], /--keys 5:2: needs START < END <= 11/],
      [["--input", INPUT, "--layer", "7"], /no head matches the --layer\/--head filter; its heads are layer 0 head 0, layer 1 head 0/],
      [["--input", INPUT, "--units", "0:2"], /--units selects MLP hidden units; add --mlp/],
      [["--input", '["a","z"]'], /token "z" at position 1 is not in the model's vocabulary/],
      [[], /give exactly one of --input JSON/],
    ];
    for (const [args, message] of cases) {
      const r = await raspc(["attn", PT, ...args], { cwd: dir, timeoutMs: 60_000 });
      expectNoCrash(r);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    const r = await raspc(["attn", "short.json", "--sample", "0"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--sample needs the model's task.*give --task counter/);
  }, SLOW);
});

describe.concurrent("raspc patch", () => {
  it("a model patched with itself (CMAP) shows no effect anywhere", async () => {
    const r = await raspc(["patch", PT, "--from", PT, "--batch", "20", "--json"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { inputs: number; ldRecipient: number; ldDonor: number; ldEverything: number; components: string[]; parts: { part: string; meanEffect: number[] }[] };
    expect(j.components).toEqual(["L0H0 count_a", "L0 MLP", "L1H0 out"]);
    expect(j.parts.map((p) => p.part)).toEqual(["pattern", "out"]);
    for (const p of j.parts) for (const e of p.meanEffect) expect(Math.abs(e)).toBeLessThan(1e-5);
    expect(j.ldEverything).toBeCloseTo(j.ldRecipient, 5);
    expect(j.ldDonor).toBe(j.ldRecipient);
  }, SLOW);

  it("between a clean and a corrupted input, the counting head closes the whole gap", async () => {
    const corrupt = '["a","b","c","c","a","b","d","e","f","g"]'; // one a fewer
    const r = await raspc(["patch", PT, "--clean", INPUT, "--corrupt", corrupt, "--part", "pattern"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("clean activations patched into the corrupted run");
    expect(r.stdout).toMatch(/L0H0 count_a\s+pattern\s+-2\.000\s+1\.000\s+1\.00/);
    expect(r.stdout).toMatch(/L1H0 out\s+pattern\s+0\.000\s+0\.000/);
  }, SLOW);

  it("refuses another geometry, mismatched inputs and unknown parts in one line", async () => {
    const cases: [string[], RegExp][] = [
      [["--from", "short.json", "--batch", "5"], /patching short into pt needs two models of one geometry, and .* in pt but .* in short/],
      [["--clean", INPUT, "--corrupt", '["a","b"]'], /--clean has 10 tokens and --corrupt 2/],
      [["--from", PT, "--part", "mlp"], /--part: unknown part "mlp"; the parts of a head are pattern, z, out/],
      [["--clean", INPUT], /needs both --clean JSON and --corrupt JSON/],
      [["--clean", '["a","b","c"]', "--corrupt", '["c","b","c"]'], /the clean input's O_PT and O_FT answers are the same/],
    ];
    for (const [args, message] of cases) {
      const r = await raspc(["patch", PT, ...args], { cwd: dir, timeoutMs: 60_000 });
      expectNoCrash(r);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
  }, SLOW);
});

describe.concurrent("figures", () => {
  it("-o writes SVG/PNG, --save adds figure files raspc report can load, for each command", async () => {
    const runs: [string[], string][] = [
      [["attn", PT, "--input", INPUT, "-o", "attn.svg", "--save", "rep"], "attn.svg"],
      [["patch", PT, "--from", "edited.json", "--batch", "10", "-o", "cmap.png", "--save", "rep"], "cmap.png"],
      [["diff", PT, "edited.json", "-o", "diff.svg", "--save", "rep"], "diff.matrices.svg"],
    ];
    for (const [args, file] of runs) {
      const r = await raspc(args, { cwd: dir, timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(fs.statSync(path.join(dir, file)).size).toBeGreaterThan(1000);
    }
    expect(fs.readFileSync(path.join(dir, "attn.svg"), "utf8")).toMatch(/^<svg/);
    const figures = fs.readdirSync(path.join(dir, "rep/figures")).sort();
    expect(figures.map((f) => f.split("-")[0])).toEqual(["attn", "cmap", "diff", "diff"]);
    const report = await raspc(["report", "rep", "-o", "rep.html"], { cwd: dir, timeoutMs: 60_000 });
    expect(report.code, report.stderr).toBe(0);
    expect((fs.readFileSync(path.join(dir, "rep.html"), "utf8").match(/<figure/g) ?? []).length).toBe(4);
  }, SLOW);

  it("refuses an -o it cannot write before computing anything", async () => {
    for (const [args, message] of [
      [["attn", PT, "--input", INPUT, "-o", "x.gif"], /-o x\.gif: cannot tell the format from "\.gif"; use \.svg, \.png, \.json/],
      [["diff", PT, PT, "-o", "nowhere/x.svg"], /-o nowhere\/x\.svg: cannot write: the folder nowhere does not exist/],
    ] as [string[], RegExp][]) {
      const r = await raspc(args, { cwd: dir, timeoutMs: 60_000 });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
    }
  }, SLOW);
});

describe.concurrent("raspc diff", () => {
  it("of a model with itself reports no change; of the hand edit, exactly its matrix and direction", async () => {
    const same = await raspc(["diff", PT, PT], { cwd: dir, timeoutMs: 60_000 });
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toContain("no residual direction changed");
    const r = await raspc(["diff", PT, "edited.json", "--json"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { matrices: { name: string; delta: number }[]; top: string[] };
    expect(j.matrices.filter((m) => m.delta > 0).map((m) => m.name)).toEqual(["l1.wv"]);
    expect(j.top).toEqual(["tokens:c"]);
  }, SLOW);

  it("refuses another geometry in one line", async () => {
    const r = await raspc(["diff", PT, "short.json"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raspc: a weight-change map needs two models of one geometry, and .* in pt but .* in short\n$/);
  }, SLOW);
});
