// Checks that need no evaluation, so that one run reports several problems at once: names used
// but defined nowhere, and calls of known functions with the wrong number of arguments. Type
// errors (a selector where an s-op is needed, ...) are found when the program runs, which builds
// the graph without touching any input and so is cheap.
import * as path from "node:path";
import type * as A from "../language/ast.js";
import type { Diagnostic } from "../language/diagnostics.js";
import { parseProgram } from "../language/parse.js";
import { closestName } from "../common/closestName.js";

/** Built-in names and, for functions, their arity (null: not a function). */
export const BUILTIN_NAMES: ReadonlyMap<string, number | null> = new Map([
  ["tokens", null], ["tokens_asis", null], ["tokens_str", null], ["tokens_int", null], ["tokens_float", null], ["tokens_bool", null],
  ["indices", null], ["length", null], ["True", null], ["False", null], ["None", null],
  ["selector_width", 1], ["numerical", 1], ["categorical", 1],
]);

interface Scope {
  readonly names: Set<string>;
  readonly parent: Scope | null;
}

function has(scope: Scope | null, name: string): boolean {
  for (let s = scope; s; s = s.parent) if (s.names.has(name)) return true;
  return false;
}

/** Bound by a function parameter, local or comprehension variable rather than at top level. */
function boundLocally(scope: Scope, name: string): boolean {
  for (let s: Scope | null = scope; s && s.parent; s = s.parent) if (s.names.has(name)) return true;
  return false;
}

function allNames(scope: Scope | null): string[] {
  const out: string[] = [];
  for (let s = scope; s; s = s.parent) out.push(...s.names);
  return out;
}

/** Names a block of statements assigns, defines or loops over (not inside nested defs). */
function boundNames(statements: readonly A.Statement[], into: Set<string>): void {
  for (const s of statements) {
    if (s.kind === "assign") s.targets.forEach((t) => into.add(t.name));
    else if (s.kind === "def") into.add(s.name.name);
    else if (s.kind === "for") {
      s.targets.forEach((t) => into.add(t.name));
      boundNames(s.body, into);
    }
  }
}

export function staticCheck(program: A.Program, readFile: (file: string) => string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const globals = new Set<string>(BUILTIN_NAMES.keys());
  /** Arity of each global function; a name bound more than once, or to a non-function, is not checked. */
  const arity = new Map<string, number | null>(BUILTIN_NAMES);
  const rebound = new Set<string>();
  const seenFiles = new Set<string>();

  const collect = (statements: readonly A.Statement[], file: string): void => {
    seenFiles.add(path.resolve(file));
    boundNames(statements, globals);
    for (const s of statements) {
      if (s.kind === "def") {
        if (arity.has(s.name.name) && !BUILTIN_NAMES.has(s.name.name)) rebound.add(s.name.name);
        arity.set(s.name.name, s.params.length);
      } else if (s.kind === "assign") {
        s.targets.forEach((t) => rebound.add(t.name));
      } else if (s.kind === "load") {
        const target = path.resolve(path.dirname(file), s.path);
        if (seenFiles.has(target)) continue; // cycles are reported when the program runs
        try {
          const parsed = parseProgram(target, readFile(target));
          if (parsed.program) collect(parsed.program.statements, target);
        } catch {
          // an unreadable file is reported, with its location, when the program runs
        }
      }
    }
  };
  collect(program.statements, program.file);

  const unknown = (e: A.NameRef, scope: Scope): void => {
    const hint = closestName(e.name, allNames(scope));
    diagnostics.push({ severity: "error", message: `unknown name '${e.name}'${hint ? ` (did you mean '${hint}'?)` : ""}`, range: e.range });
  };

  const expr = (e: A.Expr, scope: Scope): void => {
    switch (e.kind) {
      case "number":
      case "string":
        return;
      case "name":
        if (!has(scope, e.name)) unknown(e, scope);
        return;
      case "unary":
      case "builtinUnary":
        return expr(e.operand, scope);
      case "binary":
        expr(e.left, scope);
        return expr(e.right, scope);
      case "ternary":
        expr(e.then, scope);
        expr(e.cond, scope);
        return expr(e.otherwise, scope);
      case "select":
        expr(e.keys, scope);
        return expr(e.queries, scope);
      case "aggregate":
        expr(e.selector, scope);
        expr(e.sop, scope);
        if (e.default) expr(e.default, scope);
        return;
      case "call": {
        expr(e.callee, scope);
        e.args.forEach((a) => expr(a, scope));
        if (e.callee.kind === "name" && !rebound.has(e.callee.name) && !boundLocally(scope, e.callee.name)) {
          const n = arity.get(e.callee.name);
          if (typeof n === "number" && n !== e.args.length) {
            diagnostics.push({ severity: "error", message: `${e.callee.name}() takes ${n} argument${n === 1 ? "" : "s"}, got ${e.args.length}`, range: e.range });
          }
        }
        return;
      }
      case "index":
        expr(e.target, scope);
        return expr(e.index, scope);
      case "list":
        return e.items.forEach((x) => expr(x, scope));
      case "dict":
        return e.entries.forEach(({ key, value }) => {
          expr(key, scope);
          expr(value, scope);
        });
      case "listComp":
      case "dictComp": {
        expr(e.iterable, scope);
        const inner: Scope = { names: new Set(e.targets.map((t) => t.name)), parent: scope };
        if (e.kind === "dictComp") expr(e.key, inner);
        return expr(e.value, inner);
      }
      case "range":
      case "zip":
        return e.args.forEach((a) => expr(a, scope));
      case "len":
        return expr(e.arg, scope);
    }
  };

  const statements = (list: readonly A.Statement[], scope: Scope): void => {
    for (const s of list) {
      switch (s.kind) {
        case "assign":
          s.values.forEach((v) => expr(v, scope));
          break;
        case "expr":
          expr(s.expr, scope);
          break;
        case "for":
          expr(s.iterable, scope);
          statements(s.body, scope);
          break;
        case "def": {
          const locals = new Set(s.params.map((p) => p.name));
          boundNames(s.body, locals);
          const inner: Scope = { names: locals, parent: scope };
          statements(s.body, inner);
          s.returns.forEach((r) => expr(r, inner));
          break;
        }
        case "load":
          break;
      }
    }
  };
  // Top-level scope: every global of the file and its loads (use-before-definition shows up when it runs).
  const top: Scope = { names: globals, parent: null };
  for (const s of program.statements) {
    try {
      statements([s], top);
    } catch (e) {
      // A very long operator chain (`1 + 1 + ... + 1`, tens of thousands of terms) is deeper than the stack.
      if (!(e instanceof RangeError)) throw e;
      diagnostics.push({ severity: "error", message: "this statement nests too deeply to check (an expression with tens of thousands of operators?)", range: s.range });
    }
  }
  return diagnostics;
}
