// `raspc run FILE`, end to end: one input, a JSONL batch, --json, --sop, --all, and bad inputs.
import { afterAll, describe, expect, it } from "vitest";
import { diagnostics, expectNoCrash, raspc, removeScratch, scratch, spawnRaspc } from "../helpers/cli.js";

afterAll(removeScratch);

const REVERSE = [
  "# The input reversed, and two helpers for --sop and --all.",
  "opp = length - indices - 1;",
  "flip = select(indices, opp, ==);",
  "out = aggregate(flip, tokens);",
  "is_a = tokens == \"a\";",
  "_hidden = indices + 1;",
  "",
].join("\n");

describe.concurrent("raspc run", () => {
  it("--input prints a table of position, tokens and the output", async () => {
    const dir = scratch({ "rev.rasp": REVERSE });
    const r = await raspc(["run", "rev.rasp", "--input", '["a","b","c"]'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const rows = r.stdout.trim().split("\n").map((l) => l.split("|").map((c) => c.trim()));
    expect(rows).toEqual([
      ["position", "0 1 2"],
      ["tokens", "a b c"],
      ["out", "c b a"],
    ]);
  });

  it("keeps number tokens as numbers", async () => {
    const dir = scratch({ "inc.rasp": "out = tokens + 1;\n" });
    const r = await raspc(["run", "inc.rasp", "--input", "[1, 2.5, -3]", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ input: [1, 2.5, -3], output: [2, 3.5, -2] });
  });

  it("--inputs FILE.jsonl --json prints one JSON object per input line, skipping blank lines", async () => {
    const dir = scratch({ "rev.rasp": REVERSE, "in.jsonl": '["a","b"]\n\n["x","y","z"]\r\n["q"]\n' });
    const r = await raspc(["run", "rev.rasp", "--inputs", "in.jsonl", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { input: ["a", "b"], output: ["b", "a"] },
      { input: ["x", "y", "z"], output: ["z", "y", "x"] },
      { input: ["q"], output: ["q"] },
    ]);
  });

  it("--inputs without --json prints one table per input", async () => {
    const dir = scratch({ "rev.rasp": REVERSE, "in.jsonl": '["a","b"]\n["c"]\n' });
    const r = await raspc(["run", "rev.rasp", "--inputs", "in.jsonl"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/^out /gm)).toHaveLength(2);
  });

  it("--sop shows another s-op; a missing or non-s-op name is one line", async () => {
    const dir = scratch({ "rev.rasp": REVERSE });
    const r = await raspc(["run", "rev.rasp", "--input", '["a","b","a"]', "--sop", "is_a", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ input: ["a", "b", "a"], output: [true, false, true] });

    const missing = await raspc(["run", "rev.rasp", "--input", '["a"]', "--sop", "nope"], { cwd: dir });
    expect(missing.code).toBe(1);
    expectNoCrash(missing);
    expect(missing.stderr).toMatch(/^raspc: rev\.rasp: no variable named 'nope'\n$/);

    const selector = await raspc(["run", "rev.rasp", "--input", '["a"]', "--sop", "flip"], { cwd: dir });
    expect(selector.code).toBe(1);
    expect(selector.stderr.trim().split("\n")).toHaveLength(1);
    expect(selector.stderr).toMatch(/'flip' is a selector/);
  });

  it("a program without `out` says how to pick an s-op", async () => {
    const dir = scratch({ "noout.rasp": "x = tokens;\n" });
    const r = await raspc(["run", "noout.rasp", "--input", '["a"]'], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stderr).toMatch(/no variable named 'out'.*--sop/);
  });

  it("--all shows every named s-op (not _private ones), with the output last", async () => {
    const dir = scratch({ "rev.rasp": REVERSE });
    const r = await raspc(["run", "rev.rasp", "--input", '["a","b"]', "--all", "--json"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(["input", "opp", "is_a", "out"]);
    expect(record).toMatchObject({ opp: [1, 0], is_a: [true, false], out: ["b", "a"] });

    const table = await raspc(["run", "rev.rasp", "--input", '["a","b"]', "--all"], { cwd: dir });
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n").map((l) => l.split("|")[0]!.trim())).toEqual(["position", "tokens", "opp", "is_a", "out", ""]);
  });

  it("a runtime error names the input it happened on and the program location", async () => {
    const dir = scratch({ "mean.rasp": "out = aggregate(select(indices, indices, <=), tokens);\n" });
    const r = await raspc(["run", "mean.rasp", "--input", '["a","b"]'], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const [d] = diagnostics(r.stderr);
    expect(d).toMatchObject({ file: "mean.rasp", line: 1, column: 7 });
    expect(d!.message).toContain('["a","b"]');
  });

  it("needs exactly one of --input and --inputs", async () => {
    const dir = scratch({ "rev.rasp": REVERSE, "in.jsonl": '["a"]\n' });
    for (const args of [[], ["--input", '["a"]', "--inputs", "in.jsonl"]]) {
      const r = await raspc(["run", "rev.rasp", ...args], { cwd: dir });
      expect(r.code).not.toBe(0);
      expectNoCrash(r);
      expect(r.stderr).toMatch(/--input/);
    }
  });

  const badInputs: [string, string, RegExp][] = [
    ["not JSON", "[a, b]", /not valid JSON/],
    ["not an array", '{"a": 1}', /must be a JSON array/],
    ["a bare string", '"abc"', /must be a JSON array/],
    ["an empty array", "[]", /empty/],
    ["nested arrays as tokens", '[["a"], "b"]', /token 0 is an array/],
    ["objects as tokens", '["a", {"b": 1}]', /token 1 is (an )?object/],
  ];
  for (const [what, input, reason] of badInputs) {
    it(`--input that is ${what}: exit 1, one line naming --input`, async () => {
      const dir = scratch({ "rev.rasp": REVERSE });
      const r = await raspc(["run", "rev.rasp", "--input", input], { cwd: dir });
      expect(r.code).toBe(1);
      expectNoCrash(r);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^raspc: --input: /);
      expect(lines[0]).toMatch(reason);
    });

    it(`--inputs with a line that is ${what}: exit 1, one line naming file:line`, async () => {
      const dir = scratch({ "rev.rasp": REVERSE, "batch.jsonl": `["ok"]\n\n${input}\n["ok"]\n` });
      const r = await raspc(["run", "rev.rasp", "--inputs", "batch.jsonl", "--json"], { cwd: dir });
      expect(r.code).toBe(1);
      expectNoCrash(r);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^raspc: batch\.jsonl:3: /);
      expect(lines[0]).toMatch(reason);
    });
  }

  it("--inputs that is missing or holds no inputs: one line naming the file", async () => {
    const dir = scratch({ "rev.rasp": REVERSE, "blank.jsonl": "\n\n" });
    const missing = await raspc(["run", "rev.rasp", "--inputs", "nope.jsonl"], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^raspc: nope\.jsonl: .*\n$/);
    const blank = await raspc(["run", "rev.rasp", "--inputs", "blank.jsonl"], { cwd: dir });
    expect(blank.code).toBe(1);
    expect(blank.stderr).toMatch(/^raspc: blank\.jsonl: no inputs/);
  });

  it("a bad input is reported before the program's own errors", async () => {
    const dir = scratch({ "broken.rasp": "out = ;\n" });
    const r = await raspc(["run", "broken.rasp", "--input", "[]"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raspc: --input: /);
  });

  it("an unknown option to run exits 2", async () => {
    const dir = scratch({ "rev.rasp": REVERSE });
    const r = await raspc(["run", "rev.rasp", "--input", '["a"]', "--frobnicate"], { cwd: dir });
    expect(r.code).toBe(2);
    expectNoCrash(r);
    expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it("a reader that stops early (`| head -1`) causes no stack trace", async () => {
    const dir = scratch({ "rev.rasp": REVERSE, "many.jsonl": '["a","b","c"]\n'.repeat(20_000) });
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawnRaspc(["run", "rev.rasp", "--inputs", "many.jsonl", "--json"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      child.stdout!.once("data", () => child.stdout!.destroy());
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
    expect(result.stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(result.code).toBe(0);
  });
});
