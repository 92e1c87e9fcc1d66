// The smaller faults of issue 12, each as the user met it: every one is one line (or a located
// diagnostic with its source line), exit 1, and nothing written where it should not be.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFailure } from "../../runtime/experiment/sweepLock.js";
import { ROOT, caretColumn, diagnostics, expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

afterAll(removeScratch);

const QUICK = JSON.stringify({ task: "counter", preset: "quick", name: "q", seeds: [0], protocols: ["ScrFT"], scrft: { learningRates: [0.01], iterations: 10 }, eval: { every: 10, samples: 30 } });

describe.concurrent("smaller faults", () => {
  it("an unwritable --out is 'cannot write: ...', not an internal error", async () => {
    const dir = scratch({ "q.json": QUICK, "afile": "x" });
    const r = await raspc(["experiment", "q.json", "--out", "afile/sub"], { cwd: dir, timeoutMs: 30_000 });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("raspc: afile/sub: cannot write: a part of the path is a file, not a folder\n");
    expect(writeFailure(Object.assign(new Error("EACCES: permission denied, mkdir"), { code: "EACCES" }))).toBe("permission denied");
  });

  it("a diagnostic inside a loaded file shows its source line and caret", async () => {
    const dir = scratch({ "lib.rasp": 'x = 1;\ny = x + "a";\n', "main.rasp": 'load "lib.rasp";\nout = tokens;\n' });
    const r = await raspc(["check", "main.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    const [d] = diagnostics(r.stderr);
    expect(d).toMatchObject({ file: "lib.rasp", line: 2, column: 5 });
    expect(d!.source).toBe('   2 | y = x + "a";');
    expect(caretColumn(d!)).toBe(5);
  });

  it("control characters from sources and tokens are shown escaped, never raw", async () => {
    const dir = scratch({ "ctl.rasp": 'x = "\u001b[31mred";\nout = tokens + 1 + \u0007"a";\n', "ok.rasp": "out = tokens;\n" });
    const r = await raspc(["check", "ctl.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unexpected character '␇'");
    expect(r.stderr).toContain('   2 | out = tokens + 1 + ␇"a";');
    // eslint-disable-next-line no-control-regex -- the assertion is that none are there
    expect(r.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    const run = await raspc(["run", "ok.rasp", "--input", '["\\u001b[2J", "b"]'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("␛[2J");
    // eslint-disable-next-line no-control-regex -- the assertion is that none are there
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it("onnxruntime's telemetry writes no :memory:.ses into the working directory when HOME is unwritable", async () => {
    const dir = scratch({ "ok.rasp": "out = tokens;\n" });
    const c = await raspc(["compile", "ok.rasp", "--vocab", '["a"]', "--max-len", "2", "-o", "m.json"], { cwd: dir });
    expect(c.code).toBe(0);
    const r = await raspc(["exec", "m.json", "--input", '["a"]'], { cwd: dir, env: { HOME: "/proc" } });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(fs.readdirSync(dir).sort()).toEqual(["m.json", "ok.rasp"]);
  });

  it("compile -o naming the program itself, or an empty -o, is refused and the program kept", async () => {
    const dir = scratch({ "x.rasp": "out = tokens;\n" });
    const same = await raspc(["compile", "x.rasp", "--vocab", '["a"]', "--max-len", "2", "-o", "./x.rasp"], { cwd: dir });
    expect(same.code).toBe(1);
    expect(same.stderr).toBe("raspc: -o ./x.rasp: that is the input file; writing there would destroy it\n");
    expect(fs.readFileSync(path.join(dir, "x.rasp"), "utf8")).toBe("out = tokens;\n");
    const empty = await raspc(["compile", "x.rasp", "--vocab", '["a"]', "--max-len", "2", "-o", ""], { cwd: dir });
    expect(empty.code).toBe(1);
    expect(empty.stderr).toBe("raspc: cannot write: the output path is empty\n");
    expect(fs.readdirSync(dir)).toEqual(["x.rasp"]);
  });

  it("says 1 run and 1 layer", async () => {
    const dir = scratch({ "q.json": QUICK, "x.rasp": "out = tokens;\n" });
    const r = await raspc(["experiment", "q.json", "--out", "out"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^q: 1 run \(10 iterations of batch \d+\)/m);
    expect(r.stderr).toContain("and 1 run folder in");
    const v = await raspc(["verify", "x.rasp", "--vocab", '["a"]', "--max-len", "2", "--samples", "2"], { cwd: dir, timeoutMs: 30_000 });
    expect(v.stdout).toMatch(/: 0 layers, d_model/);
    const a = scratch({ "a.rasp": "out = aggregate(select(indices, indices, ==), tokens);\n" });
    const v1 = await raspc(["verify", "a.rasp", "--vocab", '["a"]', "--max-len", "2", "--samples", "2"], { cwd: a, timeoutMs: 30_000 });
    expect(v1.stdout).toMatch(/: 1 layer, d_model/);
  });

  it("a number token that overflows is 'not a finite number'", async () => {
    const dir = scratch({ "ok.rasp": "out = tokens;\n" });
    const r = await raspc(["run", "ok.rasp", "--input", "[1e400]"], { cwd: dir });
    expect(r.stderr).toBe("raspc: --input: token 0 is not a finite number (JSON numbers past about 1.8e308 overflow)\n");
  });

  it("fuzz --vocab with tokens equal as values is one line, before any engine is started", async () => {
    const r = await raspc(["fuzz", "--vocab", '[1,"a",true]', "--programs", "1", "--inputs", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe('raspc: --vocab: token 2 (true) equals token 0 (1) as RASP compares values (True == 1, 1.0 == 1); list each token once\n');
  });

  it("run refuses an input past the interpreter's limit instead of running for hours", async () => {
    const dir = scratch({ "ok.rasp": "out = selector_width(select(tokens, tokens, ==));\n", "big.jsonl": JSON.stringify(Array.from({ length: 10_001 }, () => "a")) + "\n" });
    const r = await raspc(["run", "ok.rasp", "--inputs", "big.jsonl"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("raspc: big.jsonl: input 1: the input has 10001 tokens; the interpreter's limit is 10,000 (its selectors grow with the square of the length)\n");
  });

  it("the README's sort.rasp error is what the CLI prints", async () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const shown = /\$ node bin\/raspc\.js run rasp-programs\/sort\.rasp --input '\["b","a"\]'\n([\s\S]*?)\n```/.exec(readme)![1]!;
    const r = await raspc(["run", "rasp-programs/sort.rasp", "--input", '["b","a"]']);
    expect(r.stderr.trimEnd()).toBe(shown);
  });
});
