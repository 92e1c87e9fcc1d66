// Test helpers for the parser suites: a compact S-expression rendering of AST nodes (so a test
// can state a whole tree on one line) and a parse-or-fail helper.
import { expect } from "vitest";
import type { Expr, Program, Statement } from "../../compiler/language/ast.js";
import { parseProgram } from "../../compiler/language/parse.js";

/**
 * `(op a b)` for binary operators, `(op a)` for prefix ones, `(if cond then else)` for the
 * ternary, `[a b]` for lists, `{k:v}` for dicts. Strings are JSON-quoted so that `"a"` and the
 * name `a` differ.
 */
export function sexpr(e: Expr): string {
  switch (e.kind) {
    case "number":
      return String(e.value);
    case "string":
      return JSON.stringify(e.value);
    case "name":
      return e.name;
    case "unary":
      return `(${e.op} ${sexpr(e.operand)})`;
    case "builtinUnary":
      return `(${e.op} ${sexpr(e.operand)})`;
    case "binary":
      return `(${e.op} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case "ternary":
      return `(if ${sexpr(e.cond)} ${sexpr(e.then)} ${sexpr(e.otherwise)})`;
    case "select":
      return `(select ${sexpr(e.keys)} ${sexpr(e.queries)} ${e.op})`;
    case "aggregate":
      return `(aggregate ${sexpr(e.selector)} ${sexpr(e.sop)}${e.default ? " " + sexpr(e.default) : ""})`;
    case "call":
      return `(call ${[e.callee, ...e.args].map(sexpr).join(" ")})`;
    case "index":
      return `(index ${sexpr(e.target)} ${sexpr(e.index)})`;
    case "list":
      return `[${e.items.map(sexpr).join(" ")}]`;
    case "dict":
      return `{${e.entries.map((x) => `${sexpr(x.key)}:${sexpr(x.value)}`).join(" ")}}`;
    case "listComp":
      return `[${sexpr(e.value)} for ${e.targets.map((t) => t.name).join(",")} in ${sexpr(e.iterable)}]`;
    case "dictComp":
      return `{${sexpr(e.key)}:${sexpr(e.value)} for ${e.targets.map((t) => t.name).join(",")} in ${sexpr(e.iterable)}}`;
    case "range":
      return `(range ${e.args.map(sexpr).join(" ")})`;
    case "zip":
      return `(zip ${e.args.map(sexpr).join(" ")})`;
    case "len":
      return `(len ${sexpr(e.arg)})`;
  }
}

/** One statement per line: `a,b = 1 2`, `expr`, `def f(x) {...} return ...`, `for ...`, `load "p"`. */
export function statementText(s: Statement): string {
  switch (s.kind) {
    case "assign":
      return `${s.targets.map((t) => t.name).join(",")} = ${s.values.map(sexpr).join(" ")}`;
    case "expr":
      return sexpr(s.expr);
    case "def":
      return `def ${s.name.name}(${s.params.map((p) => p.name).join(",")}) {${s.body.map(statementText).join("; ")}} return ${s.returns.map(sexpr).join(" ")}`;
    case "for":
      return `for ${s.targets.map((t) => t.name).join(",")} in ${sexpr(s.iterable)} {${s.body.map(statementText).join("; ")}}`;
    case "load":
      return `load ${JSON.stringify(s.path)}`;
  }
}

/** Parses a program that must be free of errors; a failure shows the diagnostics. */
export function parseOk(source: string, file = "test.rasp"): Program {
  const r = parseProgram(file, source);
  expect(r.diagnostics.map((d) => `${d.range.startLine}:${d.range.startColumn}: ${d.message}`)).toEqual([]);
  expect(r.program).not.toBeNull();
  return r.program!;
}

/** The S-expression of the single expression in `x = <source>;`. */
export function exprOf(source: string): string {
  const p = parseOk(`x = ${source};`);
  const s = p.statements[0]!;
  if (s.kind !== "assign") throw new Error(`expected an assignment, got ${s.kind}`);
  expect(s.values).toHaveLength(1);
  return sexpr(s.values[0]!);
}
