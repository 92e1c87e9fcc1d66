// The REPL session in-process (no terminal, no child process): when input counts as finished,
// how results are shown, and how errors point into the session's text.
import { describe, expect, it } from "vitest";
import { classifyChunk } from "../../compiler/cli/repl/input.js";
import { formatSelectorGrid, formatSequence } from "../../compiler/cli/repl/display.js";
import { CONTINUATION_PROMPT, PROMPT, ReplSession } from "../../compiler/cli/repl/session.js";

function session(): { s: ReplSession; out: string[]; err: string[]; feed: (...lines: string[]) => void } {
  const out: string[] = [];
  const err: string[] = [];
  const s = new ReplSession({ out: (l) => out.push(l), err: (t) => err.push(t) });
  return { s, out, err, feed: (...lines) => lines.forEach((l) => s.feed(l)) };
}

describe("when REPL input is finished", () => {
  const kind = (text: string): string => classifyChunk("<repl>", "", text).kind;

  it.each([
    ["x = 1", "incomplete"],
    ["x", "incomplete"],
    ["x = 1; y", "incomplete"],
    ["def f(x) {", "incomplete"],
    ["def f(x) {\n  y = x;", "incomplete"],
    ["def f(x) {\n  return x;", "incomplete"],
    ["for i in range(3) {", "incomplete"],
    ["x = [1,\n2", "incomplete"],
    ["x = {1: 2}", "incomplete"],
    ["x = select(indices,", "incomplete"],
    ['load "a.rasp"', "incomplete"],
  ])("%j is unfinished", (text, expected) => expect(kind(text)).toBe(expected));

  it.each([
    ["x = 1;", "complete"],
    ["def f(x) {\n  return x;\n}", "complete"],
    ["for i in range(3) {\n  x = i;\n}", "complete"],
    ["x = 1; y = 2;", "complete"],
    ["", "empty"],
    ["   # just a comment", "empty"],
  ])("%j is finished", (text, expected) => expect(kind(text)).toBe(expected));

  it.each([
    ["x = ) 1"],
    ["x = (1 + ;"],
    ["x = (1 + )"],
    ["x = 1;;"],
    ['x = "abc'],
    ["x = 1)"],
    ["def f(x) {\n  y = ) x;"],
  ])("%j is an error at once, not a reason to wait", (text) => expect(kind(text)).toBe("error"));

  it("cuts a finished chunk into its top-level statements", () => {
    const text = 'a = 1; def f(x) {\n  y = {1: 2};\n  return x;\n}\nload "z.rasp"; b = (a);';
    const state = classifyChunk("<repl>", "", text);
    expect(state.kind).toBe("complete");
    if (state.kind !== "complete") return;
    expect(state.statements.map((s) => text.slice(s.start, s.end).trim())).toEqual([
      "a = 1;",
      "def f(x) {\n  y = {1: 2};\n  return x;\n}",
      'load "z.rasp";',
      "b = (a);",
    ]);
    expect(state.statements.map((s) => s.load)).toEqual([false, false, true, false]);
  });
});

describe("how the REPL shows values", () => {
  it("prints sequences as Weiss does: T/F for booleans, a type tag, repeats folded", () => {
    expect(formatSequence([true, false])).toBe("[T, F] (bools)");
    expect(formatSequence([1, 2, 3])).toBe("[1, 2, 3] (ints)");
    expect(formatSequence([1, 2.5])).toBe("[1, 2.5] (floats)");
    expect(formatSequence([3, 3, 3])).toBe("[3]*3 (ints)");
    expect(formatSequence(["a", null])).toBe("[a, None] (strings and None)");
    expect(formatSequence([null])).toBe("[None] (Nones)");
  });

  it("prints a selector with queries as rows and keys as columns", () => {
    // keys 0,1 / queries 0,1; query 1 selects key 0 only
    const grid = formatSelectorGrid(["a", "bb"], [Uint8Array.of(0, 0), Uint8Array.of(1, 0)], "");
    expect(grid).toEqual(["      a bb", " a |  0  0", "bb |  1  0"]);
  });

  it("shows an assignment of each kind of value", () => {
    const { out, err, feed } = session();
    feed("s = tokens == \"l\";", "sel = select(tokens, tokens, ==);", "n = 2.5;", 'w = "hi";', "l = [1, [2]];", 'd = {"k": indices};');
    feed("def f(a, b) { return a; }", "a, b = 1, 2;", "f;", "selector_width;");
    expect(err).toEqual([]);
    expect(out).toContain("     s-op: s");
    expect(out).toContain('         Example: s(["h","e","l","l","o"]) = [F, F, T, T, F] (bools)');
    expect(out).toContain("     selector: sel");
    expect(out).toContain("             l | 0 0 1 1 0");
    expect(out).toContain("     value: n = 2.5");
    expect(out).toContain('     value: w = "hi"');
    expect(out).toContain("     list: l = [");
    expect(out).toContain("     dict: d = {");
    expect(out).toContain('         "k": s-op: indices');
    expect(out).toContain("     console function: f(a, b)");
    expect(out).toContain("     value: a = 1");
    expect(out).toContain("     value: b = 2");
    expect(out.filter((l) => l === "     console function: f(a, b)")).toHaveLength(2);
    expect(out).toContain("     built-in function: selector_width");
  });

  it("an unnamed s-op is shown under its source text", () => {
    const { out, feed } = session();
    feed("indices + 1;");
    expect(out).toEqual(["     s-op: indices + 1", '         Example: indices + 1(["h","e","l","l","o"]) = [1, 2, 3, 4, 5] (ints)']);
  });

  it("examples off hides the example rows", () => {
    const { out, feed } = session();
    feed("examples off", "x = indices;", "examples on", "y = indices;");
    expect(out).toEqual(["     s-op: x", "     s-op: y", '         Example: y(["h","e","l","l","o"]) = [0, 1, 2, 3, 4] (ints)']);
  });
});

describe("the REPL session", () => {
  it("asks for more with the continuation prompt, and Ctrl-C (cancel) drops the half statement", () => {
    const { s, out, feed } = session();
    expect(s.prompt).toBe(PROMPT);
    feed("x = (1 +");
    expect(s.prompt).toBe(CONTINUATION_PROMPT);
    expect(s.cancel()).toBe(true);
    expect(s.prompt).toBe(PROMPT);
    expect(s.cancel()).toBe(false);
    feed("x = 2;");
    expect(out).toEqual(["     value: x = 2"]);
  });

  it("numbers errors by session line, across statements and commands", () => {
    const { s, err, feed } = session();
    feed("a = 1;", "show example", "def g(x) {", "  return x + nope;", "}", "g(1);");
    expect(s.errors).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^<repl>:4:14: error: unknown name 'nope'\n {3}4 \| {3}return x \+ nope;\n {5}\| {14}\^{4}$/);
  });

  it("runs the statements of a line one by one: results before an error are shown", () => {
    const { s, out, err, feed } = session();
    feed("a = 1; b = nope; c = 3;");
    expect(out).toEqual(["     value: a = 1"]);
    expect(err[0]).toMatch(/^<repl>:1:12: error: unknown name 'nope'/);
    expect(s.interpreter.global("c")).toBeUndefined();
  });

  it("a runtime failure on the example points at the line that built the failing node", () => {
    const { err, feed } = session();
    feed("x = 1;", "mean = aggregate(select(indices, indices, <=), tokens);", "x;", "mean;");
    expect(err).toHaveLength(2);
    expect(err[0]).toMatch(/^<repl>:2:8: error: mean is defined, but fails on the running example/);
    expect(err[1]).toMatch(/^<repl>:2:8: error: Fails on the running example/);
  });

  it("set example accepts JSON, Weiss's string form, and RASP expressions", () => {
    const { s, err, feed } = session();
    feed('set example ["a", 1, true, null]');
    expect(s.example).toEqual(["a", 1, true, null]);
    feed('set example "héllo"');
    expect(s.example).toEqual(["h", "é", "l", "l", "o"]);
    feed("set example range(3);");
    expect(s.example).toEqual([0, 1, 2]);
    feed("n = 2;", 'set example ["x"] * n');
    expect(s.example).toEqual(["x", "x"]);
    expect(err).toEqual([]);
    feed("set example tokens");
    expect(err[0]).toMatch(/^<repl>:6:13: error: set example: the example must be a list/);
    expect(s.example).toEqual(["x", "x"]);
  });

  it("exit, quit and quit() end the session; later lines are ignored", () => {
    for (const word of ["exit", "quit", "quit()", "exit;"]) {
      const { s, out, feed } = session();
      feed(word, "x = 1;");
      expect(s.exited).toBe(true);
      expect(out).toEqual([]);
    }
  });

  it("a name that looks like a command still works as RASP when used in a statement", () => {
    const { s, out, feed } = session();
    feed("help = 1;", "set = 2;", "help;", "examples = 3;");
    expect(s.errors).toBe(0);
    expect(out).toEqual(["     value: help = 1", "     value: set = 2", "     value: 1", "     value: examples = 3"]);
  });

  it("end of input inside a statement is one error", () => {
    const { s, err, feed } = session();
    feed("def f(x) {");
    s.end();
    expect(s.errors).toBe(1);
    expect(err[0]).toMatch(/^<repl>:1:10: error: .*ended inside a statement/);
  });

  it("names lists what the session defined", () => {
    const { out, feed } = session();
    feed("names", "x = indices;", "def f(a) { return a; }", "names");
    expect(out[0]).toBe("     no names defined yet");
    expect(out[out.length - 1]).toBe("     functions: f(a); s-ops: x");
  });
});
