// Diagnostics of the front end: every syntax error names the right line and column, several
// errors are reported in one run, and messages read as English rather than parser internals.
import { describe, expect, it } from "vitest";
import { formatDiagnostic, oneLine, rangeAt, spanning, type Diagnostic } from "../../compiler/language/diagnostics.js";
import { MAX_NESTING, parseProgram } from "../../compiler/language/parse.js";
import { Interpreter, ParseFailure } from "../../compiler/interpreter/interpreter.js";

/** `line:col message` for each diagnostic of a source that must fail to parse. */
function errors(source: string): string[] {
  const r = parseProgram("t.rasp", source);
  expect(r.program).toBeNull();
  expect(r.diagnostics.length).toBeGreaterThan(0);
  return r.diagnostics.map((d) => `${d.range.startLine}:${d.range.startColumn} ${d.message}`);
}

/** Words that would mean parser internals leaked into a message. */
const INTERNALS = /-->|<--|Token sequences|\bEOF\b|Semicolon|Identifier|LParen|RParen|ComparisonOp|forLoop|functionDef|idsList|exprsList|Expr\b|primary|NoViableAlt|Exception/;

describe("syntax error positions and messages", () => {
  const cases: [string, string, string][] = [
    ["an unknown character", "x = 1 $ 2;", "1:7 unexpected character '$'"],
    ["a non-ASCII character outside strings", "é = 1;", "1:1 unexpected character 'é'"],
    ["an unclosed string", 'x = "abc;\ny = 2;', "1:5 this string is not closed on its line"],
    ["a missing semicolon before the next line", "x = 1\ny = 2;", "2:1 expected ';' but found 'y'"],
    ["a missing semicolon before a closing brace", "def f(x) { return x }", "1:21 expected ';' but found '}'"],
    ["a float without digits after the dot", "x = 1.;", "1:6 unexpected character '.'"],
    ["a missing operand", "x = 1 +* 2;", "1:8 unexpected '*': expected an expression"],
    ["an empty right-hand side", "x = ;", "1:5 unexpected ';': expected an expression"],
    ["an empty index", "x = tokens[];", "1:12 unexpected ']': expected an expression"],
    ["an unclosed list", "x = [1, 2;", "1:10 expected ']' but found ';'"],
    ["an unclosed parenthesis", "x = (1;\ny = 2;", "1:7 expected ')' but found ';'"],
    ["a dict entry without a value", "x = {1: 2, 3};", "1:13 expected ':' but found '}'"],
    ["a function without return", "def f() { x = 1; }", "1:18 expected 'return' but found '}'"],
    ["a def without a name", "def (x) { return x; }", "1:5 expected a name but found '('"],
    ["an empty loop body", "for i in [1] { }", "1:16 unexpected '}': expected a statement (a loop body cannot be empty)"],
    ["select with `=` for a comparison", "x = select(a, b, =);", "1:18 expected a comparison (==, !=, <, <=, >, >=) but found '='"],
    ["select with two arguments", "x = select(a, b);", "1:16 expected ',' but found ')'"],
    ["aggregate with one argument", "x = aggregate(a);", "1:16 expected ',' but found ')'"],
    ["load without a string", "load foo;", "1:6 expected a string but found 'foo'"],
    ["a stray closing brace", "x = 1; }", "1:8 unexpected '}': expected the start of a statement"],
    ["a stray semicolon", "x = 1;;", "1:7 unexpected ';': expected the start of a statement"],
    ["return outside a function", "return 1;", "1:1 unexpected 'return': expected the start of a statement"],
    ["two names in a row", "x y = 1;", "1:3 unexpected 'y' after 'x': expected '=', ';' or an operator"],
    ["a dangling comma in the targets", "a, = 1;", "1:4 unexpected '=': expected a name to assign to"],
    ["a name alone at the end of the file", "x = 1;\ny", "2:1 unexpected end of file after 'y': expected '=', ';' or an operator"],
  ];
  it.each(cases)("%s", (_what, source, expected) => {
    const found = errors(source);
    expect(found[0]).toBe(expected);
  });

  it("never shows parser internals in any of those messages", () => {
    for (const [, source] of cases) for (const e of errors(source)) expect(e).not.toMatch(INTERNALS);
  });

  it("points an end of file inside an open construct at the last token", () => {
    const [e] = errors("x = 1;\ny = (1 +");
    expect(e).toBe("2:8 unexpected end of file: expected an expression");
    expect(errors("def f(x) {\n  y = x;\n")[0]).toMatch(/^2:8 .*end of file/);
  });

  it("reports a position for an empty-looking program that fails", () => {
    expect(errors(";")).toEqual(["1:1 unexpected ';': expected the start of a statement"]);
  });
});

describe("recovery: several errors in one run", () => {
  it("reports an error on every bad line, in source order", () => {
    const found = errors("x = 1 +* 2;\n\n  y = ;\nz = 3;\nw = (;\nok = [1];\nv = [;");
    expect(found.map((e) => e.split(" ")[0])).toEqual(["1:8", "3:7", "5:6", "7:6"]);
  });

  it("carries on after a statement that cannot start (the parser restarts after the next ';')", () => {
    const found = errors("x y = 1;\nz = ;\nok = 2;\nw = [;");
    expect(found.map((e) => e.split(" ")[0])).toEqual(["1:3", "2:5", "4:6"]);
  });

  it("carries on after an error inside a function body", () => {
    const found = errors("def f() { x y = 1; return x; }\nz = ;");
    expect(found[0]).toBe("1:13 unexpected 'y' after 'x': expected '=', ';' or an operator");
    expect(found.at(-1)).toBe("2:5 unexpected ';': expected an expression");
  });

  it("reports lexer and parser errors together, ordered by position", () => {
    const found = errors("a = 1 $ 2;\nb = ;\nc = @;");
    expect(found[0]).toBe("1:7 unexpected character '$'");
    expect(found).toContain("2:5 unexpected ';': expected an expression");
    expect(found).toContain("3:5 unexpected character '@'");
    const offsets = parseProgram("t.rasp", "a = 1 $ 2;\nb = ;\nc = @;").diagnostics.map((d) => d.range.startOffset);
    expect(offsets).toEqual([...offsets].sort((p, q) => p - q));
  });

  it("reports each place once", () => {
    for (const src of ["x y = 1;", "a, = 1;", "return 1;\nx = ;", "é = 1;"]) {
      const ds = parseProgram("t.rasp", src).diagnostics;
      const places = ds.map((d) => d.range.startOffset);
      expect(new Set(places).size).toBe(places.length);
    }
  });

  it("caps the number of diagnostics for a hopeless file", () => {
    const r = parseProgram("t.rasp", "x = ;\n".repeat(500) + "y y;\n".repeat(500));
    expect(r.diagnostics.length).toBeGreaterThan(10);
    expect(r.diagnostics.length).toBeLessThanOrEqual(50);
  });
});

describe("deep nesting", () => {
  it("rejects brackets nested deeper than the limit with a diagnostic", () => {
    const src = `x = ${"(".repeat(MAX_NESTING + 5)}1${")".repeat(MAX_NESTING + 5)};`;
    const r = parseProgram("t.rasp", src);
    expect(r.program).toBeNull();
    expect(r.diagnostics[0]!.message).toMatch(/nest deeper than/);
  });

  it("parses nesting just under the limit", () => {
    const src = `x = ${"[".repeat(MAX_NESTING - 1)}1${"]".repeat(MAX_NESTING - 1)};`;
    expect(parseProgram("t.rasp", src).program).not.toBeNull();
  });

  it("does not crash on a very long chain of prefix operators", () => {
    const r = parseProgram("t.rasp", `x = ${"- ".repeat(50_000)}1;`);
    expect(r.program !== null || r.diagnostics.length > 0).toBe(true);
  });

  it("parses a very long flat chain of binary operators", () => {
    const r = parseProgram("t.rasp", `x = 1${" + 1".repeat(20_000)};`);
    expect(r.diagnostics).toEqual([]);
  });
});

describe("formatting", () => {
  const source = "x = 1;\ny = tokens +* 2;\n";
  const d: Diagnostic = { severity: "error", message: "unexpected '*': expected an expression", range: rangeAt("t.rasp", source, source.indexOf("*")) };

  it("rangeAt converts an offset to a 1-based line and column", () => {
    expect([d.range.startLine, d.range.startColumn, d.range.endColumn]).toEqual([2, 13, 13]);
    const r = rangeAt("t.rasp", "ab\ncd\nef", 7, 2);
    expect([r.startLine, r.startColumn, r.endColumn, r.endOffset]).toEqual([3, 2, 3, 9]);
  });

  it("spanning joins two ranges", () => {
    const r = spanning(rangeAt("f", "abc\ndef", 1), rangeAt("f", "abc\ndef", 5));
    expect([r.startLine, r.startColumn, r.endLine, r.endColumn]).toEqual([1, 2, 2, 2]);
  });

  it("prints file:line:col, the source line, and a caret under the column", () => {
    const text = formatDiagnostic(d, new Map([["t.rasp", source]]));
    const lines = text.split("\n");
    expect(lines[0]).toBe("t.rasp:2:13: error: unexpected '*': expected an expression");
    expect(lines[1]).toBe("   2 | y = tokens +* 2;");
    expect(lines[2]!.indexOf("^")).toBe(lines[1]!.indexOf("*"));
    expect(oneLine(d)).toBe(lines[0]);
  });

  it("underlines a whole token", () => {
    const r = parseProgram("t.rasp", "load foo;");
    const text = formatDiagnostic(r.diagnostics[0]!, new Map([["t.rasp", "load foo;"]]));
    expect(text.split("\n")[2]).toMatch(/\| {6}\^\^\^$/);
  });

  it("prints only the head line when the source is unknown", () => {
    expect(formatDiagnostic(d, new Map())).toBe("t.rasp:2:13: error: unexpected '*': expected an expression");
  });

  it("cuts very long lines to a window around the error", () => {
    const long = "x = " + "a + ".repeat(200) + "$ + 1;";
    const r = parseProgram("t.rasp", long);
    const text = formatDiagnostic(r.diagnostics[0]!, new Map([["t.rasp", long]]));
    const [, shown, caret] = text.split("\n");
    expect(shown!.length).toBeLessThan(200);
    expect(shown![caret!.indexOf("^")]).toBe("$");
  });

  it("keeps the caret aligned when the line has tabs", () => {
    const src = "\tx = 1 $;";
    const r = parseProgram("t.rasp", src);
    const [, shown, caret] = formatDiagnostic(r.diagnostics[0]!, new Map([["t.rasp", src]])).split("\n");
    expect(shown![caret!.indexOf("^")]).toBe("$");
  });
});

describe("the interpreter surfaces parse errors as ParseFailure", () => {
  it("with every diagnostic, and no stack trace in the messages", () => {
    let caught: unknown;
    try {
      new Interpreter().runSource("t.rasp", "x = ;\ny = (;");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ParseFailure);
    const ds = (caught as ParseFailure).diagnostics;
    expect(ds.map((x) => x.range.startLine)).toEqual([1, 2]);
    for (const x of ds) expect(x.message).not.toMatch(/\n|at .*\.ts:\d+/);
  });
});
