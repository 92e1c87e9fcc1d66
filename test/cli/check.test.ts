// `raspc check FILE`, end to end: what a user sees for good files and for every kind of bad one.
import { afterAll, describe, expect, it } from "vitest";
import { caretColumn, diagnostics, expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

afterAll(removeScratch);

describe.concurrent("raspc check", () => {
  it("accepts a good program: exit 0, prints ok, nothing on stderr", async () => {
    const dir = scratch({ "good.rasp": "prevs = select(indices, indices, <);\nout = selector_width(prevs);\n" });
    const r = await raspc(["check", "good.rasp"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("good.rasp: ok\n");
    expect(r.stderr).toBe("");
  });

  it("accepts the shipped programs", async () => {
    for (const f of ["rasp-programs/counter.rasp", "rasp-programs/weiss/rasplib_examples.rasp"]) {
      const r = await raspc(["check", f]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain("ok");
    }
  });

  it("reports several syntax errors at once, each with file:line:col, the source line and a caret", async () => {
    const dir = scratch({ "syn.rasp": "x = (1 + ;\ny = 3 3;\nok = 1;\nz = ];\n" });
    const r = await raspc(["check", "syn.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stdout).toBe("");
    const ds = diagnostics(r.stderr);
    expect(ds.map((d) => [d.file, d.line])).toEqual([
      ["syn.rasp", 1],
      ["syn.rasp", 2],
      ["syn.rasp", 4],
    ]);
    for (const d of ds) {
      expect(d.source, `no source line for ${d.message}`).toBeDefined();
      expect(caretColumn(d)).toBe(d.column);
    }
    expect(ds[0]!.source).toContain("x = (1 + ;");
    expect(ds[0]!.column).toBe(10); // the ';' where an operand should be
    expect(ds[1]!.column).toBe(7); // the second 3
  });

  it("reports an unclosed string and an unknown character", async () => {
    const dir = scratch({ "lex.rasp": 'x = "abc;\ny = 1 $ 2;\n' });
    const r = await raspc(["check", "lex.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const ds = diagnostics(r.stderr);
    expect(ds.length).toBeGreaterThanOrEqual(2);
    expect(ds.some((d) => d.line === 1 && /string/.test(d.message))).toBe(true);
    expect(ds.some((d) => d.line === 2 && d.column === 7 && d.message.includes("$"))).toBe(true);
  });

  it("reports unknown names, with a suggestion for a typo, all in one run", async () => {
    const dir = scratch({ "names.rasp": "a = tokns == 1;\nout = undefined_thing + indices;\n" });
    const r = await raspc(["check", "names.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const ds = diagnostics(r.stderr);
    expect(ds).toHaveLength(2);
    expect(ds[0]).toMatchObject({ line: 1, column: 5 });
    expect(ds[0]!.message).toMatch(/unknown name 'tokns'.*did you mean 'tokens'/);
    expect(ds[1]).toMatchObject({ line: 2, column: 7 });
    expect(ds[1]!.message).toContain("unknown name 'undefined_thing'");
  });

  it("reports calls with the wrong number of arguments", async () => {
    const dir = scratch({ "arity.rasp": "def f(a, b) {\n  return a + b;\n}\nx = f(tokens);\ny = selector_width(select(indices, indices, ==), 1);\n" });
    const r = await raspc(["check", "arity.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const ds = diagnostics(r.stderr);
    expect(ds.map((d) => d.line)).toEqual([4, 5]);
    expect(ds[0]!.message).toMatch(/f\(\) takes 2 arguments, got 1/);
    expect(ds[1]!.message).toMatch(/selector_width\(\) takes 1 argument, got 2/);
  });

  it("reports a selector where an s-op is needed, and an s-op where a selector is needed", async () => {
    const sel = scratch({ "t.rasp": "s = select(indices, indices, ==);\nout = s + 1;\n" });
    const r1 = await raspc(["check", "t.rasp"], { cwd: sel });
    expect(r1.code).toBe(1);
    expectNoCrash(r1);
    const [d1] = diagnostics(r1.stderr);
    expect(d1).toMatchObject({ file: "t.rasp", line: 2, column: 7 });
    expect(d1!.message).toMatch(/selector/);
    expect(d1!.source).toContain("out = s + 1;");

    const agg = scratch({ "t.rasp": "out = aggregate(tokens, indices);\n" });
    const r2 = await raspc(["check", "t.rasp"], { cwd: agg });
    expect(r2.code).toBe(1);
    expectNoCrash(r2);
    const [d2] = diagnostics(r2.stderr);
    expect(d2).toMatchObject({ line: 1, column: 17 });
    expect(d2!.message).toMatch(/aggregate's first argument must be a selector, got an s-op/);
  });

  it("reports a load cycle in one line with its location", async () => {
    const dir = scratch({ "a.rasp": 'x = 1;\nload "b.rasp";\nout = tokens;\n', "b.rasp": '# b loads a back\nload "a.rasp";\n' });
    const r = await raspc(["check", "a.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const first = r.stderr.split("\n")[0]!;
    expect(first).toMatch(/^b\.rasp:2:6: error: load cycle: a\.rasp -> b\.rasp -> a\.rasp$/);
    expect(diagnostics(r.stderr)).toHaveLength(1);
  });

  it("resolves load relative to the loading file, not the working directory", async () => {
    const dir = scratch({
      "progs/main.rasp": 'load "lib/double.rasp";\nout = double(indices);\n',
      "progs/lib/double.rasp": 'load "helper.rasp";\ndef double(x) {\n  return plus(x, x);\n}\n',
      "progs/lib/helper.rasp": "def plus(a, b) {\n  return a + b;\n}\n",
    });
    const r = await raspc(["check", "progs/main.rasp"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const run = await raspc(["run", "main.rasp", "--input", '["a","b","c"]', "--json"], { cwd: `${dir}/progs` });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ input: ["a", "b", "c"], output: [0, 2, 4] });
  });

  it("names the loaded file and the load statement when a loaded file is missing", async () => {
    const dir = scratch({ "main.rasp": 'load "nowhere.rasp";\nout = tokens;\n' });
    const r = await raspc(["check", "main.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const [d] = diagnostics(r.stderr);
    expect(d).toMatchObject({ file: "main.rasp", line: 1, column: 6 });
    expect(d!.message).toContain("nowhere.rasp");
  });

  it("rejects a file that is not UTF-8 with one line naming the file", async () => {
    const bytes = Buffer.concat([Buffer.from("out = tokens;\n# caf"), Buffer.from([0xe9, 0xff, 0x0a])]);
    const dir = scratch({ "latin1.rasp": bytes });
    const r = await raspc(["check", "latin1.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/latin1\.rasp: not valid UTF-8/);
  });

  it("handles a 100k-character line: accepted when fine, and an error on it is shown cut to a window", async () => {
    const long = "out = tokens;" + " ".repeat(100_000) + "# end\n";
    const badLine = "x = [" + "1, ".repeat(33_000) + "1 $ 2];\n";
    const dir = scratch({ "long.rasp": long, "bad.rasp": badLine });
    const ok = await raspc(["check", "long.rasp"], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await raspc(["check", "bad.rasp"], { cwd: dir });
    expect(bad.code).toBe(1);
    expectNoCrash(bad);
    const [d] = diagnostics(bad.stderr);
    expect(d).toMatchObject({ line: 1, column: badLine.indexOf("$") + 1 });
    expect(d!.source).toContain("$");
    for (const line of bad.stderr.split("\n")) expect(line.length).toBeLessThan(400);
  });

  it("rejects an expression chain too long to check with a clear error, not a crash", async () => {
    const dir = scratch({ "chain.rasp": "out = " + Array(50_000).fill("1").join(" + ") + ";\n" });
    const r = await raspc(["check", "chain.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const [d] = diagnostics(r.stderr);
    expect(d).toMatchObject({ file: "chain.rasp", line: 1 });
    expect(d!.message).toMatch(/too deep/);
  });

  it("rejects 5000 nested parentheses with a clear error, not a crash", async () => {
    const dir = scratch({ "deep.rasp": "out = " + "(".repeat(5000) + "1" + ")".repeat(5000) + ";\n" });
    const r = await raspc(["check", "deep.rasp"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const ds = diagnostics(r.stderr);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ file: "deep.rasp", line: 1 });
    expect(ds[0]!.message).toMatch(/nest/);
    for (const line of r.stderr.split("\n")) expect(line.length).toBeLessThan(400);
  });

  it("reports a missing file or a directory in one line", async () => {
    const dir = scratch({ "sub/x.rasp": "out = tokens;\n" });
    const missing = await raspc(["check", "missing.rasp"], { cwd: dir });
    expect(missing.code).toBe(1);
    expectNoCrash(missing);
    expect(missing.stderr).toBe("raspc: missing.rasp: no such file\n");
    const directory = await raspc(["check", "sub"], { cwd: dir });
    expect(directory.code).toBe(1);
    expectNoCrash(directory);
    expect(directory.stderr.trim().split("\n")).toHaveLength(1);
    expect(directory.stderr).toContain("sub");
  });

  it("treats an empty file as a program with no statements", async () => {
    const dir = scratch({ "empty.rasp": "" });
    const r = await raspc(["check", "empty.rasp"], { cwd: dir });
    expect(r.code).toBe(0);
    expectNoCrash(r);
  });
});

describe.concurrent("raspc usage errors", () => {
  it("an unknown command exits 2 and says what is unknown", async () => {
    const r = await raspc(["frobnicate", "x.rasp"]);
    expect(r.code).toBe(2);
    expectNoCrash(r);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("an unknown option exits 2", async () => {
    const r = await raspc(["check", "--bogus", "x.rasp"]);
    expect(r.code).toBe(2);
    expectNoCrash(r);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
  });

  it("a missing argument exits 2", async () => {
    const r = await raspc(["check"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument/);
  });

  it("--help and --version exit 0", async () => {
    const help = await raspc(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/check/);
    expect(help.stdout).toMatch(/repl/);
    const version = await raspc(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
