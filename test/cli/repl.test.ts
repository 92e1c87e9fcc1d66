// `raspc repl`, end to end, driven the way a script drives it: statements piped to stdin.
import { afterAll, describe, expect, it } from "vitest";
import { diagnostics, expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

afterAll(removeScratch);

const lines = (...ls: string[]): string => ls.join("\n") + "\n";

describe.concurrent("raspc repl (piped)", () => {
  it("shows each statement's result on the running example, with no prompts or banner, and exits 0", async () => {
    const r = await raspc(["repl"], {
      input: lines(
        'is_l = tokens == "l";',
        "prevs = select(indices, indices, <);",
        "n = 3;",
        "xs = [1, 2];",
        "selector_width(prevs);",
      ),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toContain(">>");
    expect(r.stdout).not.toContain("...");
    expect(r.stdout).not.toMatch(/help/);
    expect(r.stdout).toContain("s-op: is_l");
    expect(r.stdout).toContain('Example: is_l(["h","e","l","l","o"]) = [F, F, T, T, F] (bools)');
    expect(r.stdout).toContain("selector: prevs");
    // rows are queries, columns keys: the query at position 1 ("e") selects the key at position 0
    expect(r.stdout).toMatch(/^\s+h e l l o\n\s+h \| 0 0 0 0 0\n\s+e \| 1 0 0 0 0\n\s+l \| 1 1 0 0 0\n\s+l \| 1 1 1 0 0\n\s+o \| 1 1 1 1 0$/m);
    expect(r.stdout).toContain("value: n = 3");
    expect(r.stdout).toContain("list: xs = [1, 2]");
    expect(r.stdout).toMatch(/= \[0, 1, 2, 3, 4\] \(ints\)/);
  });

  it("set example and show example, in JSON and in Weiss's string form", async () => {
    const r = await raspc(["repl"], {
      input: lines(
        "show example",
        'set example ["a","b","c"]',
        "show example",
        "indices;",
        'set example "xy";',
        "show example",
        "set example [3, 1, 2]",
        "tokens + 1;",
      ),
    });
    expect(r.code, r.stderr).toBe(0);
    const shown = r.stdout.split("\n").filter((l) => l.includes("running example:"));
    expect(shown.map((l) => l.trim())).toEqual([
      'running example: ["h","e","l","l","o"]',
      'running example: ["a","b","c"]',
      'running example: ["x","y"]',
    ]);
    expect(r.stdout).toContain('indices(["a","b","c"]) = [0, 1, 2] (ints)');
    expect(r.stdout).toContain("= [4, 2, 3] (ints)");
  });

  it("reads a def spread over several lines, and statements split across lines", async () => {
    const r = await raspc(["repl"], {
      input: lines(
        "def shift(seq, k) {",
        "  # a comment inside the body",
        "  moved = select(indices, indices - k, ==);",
        "  return aggregate(moved,",
        "                   seq);",
        "}",
        "s = shift(tokens,",
        "          1);",
        "x = 1; y = x +",
        "  1;",
      ),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("console function: shift(seq, k)");
    expect(r.stdout).toContain('s(["h","e","l","l","o"]) = [None, h, e, l, l] (strings and None)');
    expect(r.stdout).toContain("value: x = 1");
    expect(r.stdout).toContain("value: y = 2");
  });

  it("an error does not stop the session; it is reported with its session line, and the exit status is 1", async () => {
    const r = await raspc(["repl"], {
      input: lines("a = 1;", "b = nope + 1;", "c = (1 + ;", "d = a + 1;", "d;"),
    });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const ds = diagnostics(r.stderr);
    expect(ds.map((d) => [d.file, d.line, d.column])).toEqual([
      ["<repl>", 2, 5],
      ["<repl>", 3, 10],
    ]);
    expect(ds[0]!.message).toContain("unknown name 'nope'");
    expect(ds[0]!.source).toContain("b = nope + 1;");
    expect(r.stdout).toContain("value: d = 2");
    expect(r.stdout).toMatch(/value: 2\n$/);
  });

  it("an s-op that fails only on the running example is defined, and the failure points at its definition", async () => {
    const r = await raspc(["repl"], { input: lines("x = 1;", "bad = tokens + 1;", "set example [1, 2]", "bad;") });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    const [d] = diagnostics(r.stderr);
    expect(d).toMatchObject({ file: "<repl>", line: 2, column: 7 });
    expect(d!.message).toMatch(/bad is defined, but fails on the running example/);
    expect(r.stdout).toContain("= [2, 3] (ints)");
  });

  it("exit ends the session: later lines are not run", async () => {
    const r = await raspc(["repl"], { input: lines("a = 1;", "exit", "b = nope;") });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("value: a = 1");
    expect(r.stdout).not.toContain("b");
  });

  it("quit and end of input also end it; an unfinished statement at the end is an error", async () => {
    const quit = await raspc(["repl"], { input: lines("quit()") });
    expect(quit.code).toBe(0);
    const eof = await raspc(["repl"], { input: "x = 1;\ndef f(a) {\n  return a;\n" });
    expect(eof.code).toBe(1);
    expectNoCrash(eof);
    const [d] = diagnostics(eof.stderr);
    expect(d).toMatchObject({ file: "<repl>", line: 3 });
    expect(d!.message).toMatch(/ended inside a statement/);
  });

  it("loads FILE first, then runs the piped statements against it", async () => {
    const dir = scratch({
      "lib.rasp": 'load "more/helper.rasp";\nflip = select(indices, length - indices - 1, ==);\nout = aggregate(flip, tokens);\n',
      "more/helper.rasp": "def twice(x) {\n  return x + x;\n}\n",
    });
    const r = await raspc(["repl", "lib.rasp"], { cwd: dir, input: lines("out;", "twice(indices);") });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/loaded "lib\.rasp": functions: twice\(x\); s-ops: out; selectors: flip/);
    expect(r.stdout).toContain('out(["h","e","l","l","o"]) = [o, l, l, e, h] (strings)');
    expect(r.stdout).toContain("= [0, 2, 4, 6, 8] (ints)");
  });

  it("a FILE with errors is reported, and the session goes on", async () => {
    const dir = scratch({ "broken.rasp": "x = 1;\ny = ;\n" });
    const r = await raspc(["repl", "broken.rasp"], { cwd: dir, input: lines("z = 2;") });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(diagnostics(r.stderr)[0]).toMatchObject({ file: "broken.rasp", line: 2 });
    expect(r.stdout).toContain("value: z = 2");
  });

  it("a missing FILE is one line, and the session goes on", async () => {
    const r = await raspc(["repl", "/nonexistent/nothing.rasp"], { input: lines("z = 2;") });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stderr).toMatch(/nothing\.rasp: no such file/);
    expect(r.stdout).toContain("value: z = 2");
  });

  it("load works from the prompt, and a load cycle is reported without ending the session", async () => {
    const dir = scratch({
      "lib.rasp": "def inc(x) {\n  return x + 1;\n}\n",
      "a.rasp": 'load "b.rasp";\n',
      "b.rasp": 'load "a.rasp";\n',
    });
    const r = await raspc(["repl"], { cwd: dir, input: lines('load "lib.rasp";', "inc(indices);", 'load "a.rasp";', "ok = 1;") });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stdout).toContain('loaded "lib.rasp": functions: inc(x)');
    expect(r.stdout).toContain("= [1, 2, 3, 4, 5] (ints)");
    expect(r.stderr).toMatch(/load cycle: a\.rasp -> b\.rasp -> a\.rasp/);
    expect(r.stdout).toContain("value: ok = 1");
  });

  it("help lists the commands and the exit status rule", async () => {
    const r = await raspc(["repl"], { input: lines("help") });
    expect(r.code).toBe(0);
    for (const word of ["set example", "show example", "exit", "load", "exit status"]) expect(r.stdout).toContain(word);
  });

  it("bad `set example` arguments are errors that leave the example as it was", async () => {
    const r = await raspc(["repl"], { input: lines("set example []", "set example [[1]]", "set example", "show example") });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stderr.trim().split("\n")).toHaveLength(3);
    expect(r.stdout).toContain('running example: ["h","e","l","l","o"]');
  });

  it("accepts Windows line endings and deep nesting without crashing", async () => {
    const deep = "y = " + "(".repeat(5000) + "1" + ")".repeat(5000) + ";";
    const r = await raspc(["repl"], { input: `x = 1;\r\n${deep}\r\nz = x + 1;\r\n` });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stdout).toContain("value: x = 1");
    expect(r.stdout).toContain("value: z = 2");
    expect(diagnostics(r.stderr)[0]).toMatchObject({ file: "<repl>", line: 2 });
  });
});
