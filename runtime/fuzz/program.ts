// The programs the fuzzer generates, as a small typed AST that renders to ordinary RASP source: one
// assignment per line, each one operation, so that what a failure leaves behind is a real .rasp file
// a person can read, run and edit, and every intermediate s-op has a name in a compiled model's plan.
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { Atom } from "../../compiler/rasp/values.js";

/** Something a statement reads: an earlier statement's name, a built-in s-op, or an atom. */
export type Operand = { readonly ref: string } | { readonly atom: Atom };

export type ArithOp = "+" | "-" | "*" | "/" | "%";
export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";
/** A select's comparison; `always` is Tracr's always-true one, written as an `or` of `<=` and `>`. */
export type SelectCmp = CompareOp | "always";

export type Expr =
  | { readonly op: "binary"; readonly sym: ArithOp | CompareOp | "and" | "or"; readonly left: Operand; readonly right: Operand }
  | { readonly op: "unary"; readonly sym: "not" | "-" | "indicator" | "round"; readonly arg: Operand }
  | { readonly op: "ternary"; readonly then: Operand; readonly cond: Operand; readonly otherwise: Operand }
  /** `x in [a, b]`: elementwise membership. */
  | { readonly op: "inList"; readonly item: Operand; readonly list: readonly Atom[] }
  /** `a in x`: whether the atom occurs anywhere in the input. */
  | { readonly op: "contains"; readonly item: Atom; readonly sop: Operand }
  /** `x[i]`: the value at one position, everywhere. */
  | { readonly op: "index"; readonly sop: Operand; readonly at: number }
  | { readonly op: "select"; readonly keys: Operand; readonly queries: Operand; readonly cmp: SelectCmp }
  | { readonly op: "selectorAnd" | "selectorOr"; readonly left: string; readonly right: string }
  | { readonly op: "selectorNot"; readonly inner: string }
  /** `default` undefined: no default, so an empty selection is None. */
  | { readonly op: "aggregate"; readonly selector: string; readonly sop: Operand; readonly default?: Atom }
  | { readonly op: "selectorWidth"; readonly selector: string };

export interface Statement {
  readonly name: string;
  readonly expr: Expr;
  /** Wraps the expression in `numerical(...)`, which marks the s-op it makes. */
  readonly numerical?: boolean;
  /** Wraps it in `categorical(...)` (an aggregate of a numerical s-op that is to copy, not average). */
  readonly categorical?: boolean;
}

export interface GeneratedProgram {
  /** In order; the last one is named `out` and is an s-op. */
  readonly statements: readonly Statement[];
}

export const OUTPUT_NAME = "out";

/** An atom as RASP source. Only atoms the lexer can read back exactly are allowed. */
export function renderAtom(a: Atom): string {
  if (a === null) return "None";
  if (a === true) return "True";
  if (a === false) return "False";
  if (typeof a === "number") {
    // No exponent forms and no `.5`: RASP has only `[0-9]+` and `[0-9]+.[0-9]+`.
    const text = String(Math.abs(a));
    if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`the number ${a} cannot be written as a RASP literal`);
    return a < 0 ? `-${text}` : text;
  }
  if (a.includes('"') || /[\r\n]/.test(a)) throw new UsageError(`the string ${JSON.stringify(a)} cannot be written as a RASP literal (RASP strings have no escapes)`);
  return `"${a}"`;
}

/** Whether `renderAtom` can write the atom. */
export function renderable(a: Atom): boolean {
  try {
    renderAtom(a);
    return true;
  } catch {
    return false;
  }
}

function operand(o: Operand): string {
  if ("ref" in o) return o.ref;
  // A negative literal is prefix minus, which binds tighter than every binary operator, so it
  // needs no parentheses; they only make the line easier to read.
  const text = renderAtom(o.atom);
  return text.startsWith("-") ? `(${text})` : text;
}

export function renderExpr(e: Expr): string {
  switch (e.op) {
    case "binary":
      return `${operand(e.left)} ${e.sym} ${operand(e.right)}`;
    case "unary":
      if (e.sym === "not") return `not ${operand(e.arg)}`;
      if (e.sym === "-") return `-${operand(e.arg)}`;
      return `${e.sym}(${operand(e.arg)})`;
    case "ternary":
      return `${operand(e.then)} if ${operand(e.cond)} else ${operand(e.otherwise)}`;
    case "inList":
      return `${operand(e.item)} in [${e.list.map(renderAtom).join(", ")}]`;
    case "contains":
      return `${renderAtom(e.item)} in ${operand(e.sop)}`;
    case "index":
      return `${operand(e.sop)}[${e.at}]`;
    case "select": {
      const k = operand(e.keys);
      const q = operand(e.queries);
      return e.cmp === "always" ? `select(${k}, ${q}, <=) or select(${k}, ${q}, >)` : `select(${k}, ${q}, ${e.cmp})`;
    }
    case "selectorAnd":
      return `${e.left} and ${e.right}`;
    case "selectorOr":
      return `${e.left} or ${e.right}`;
    case "selectorNot":
      return `not ${e.inner}`;
    case "aggregate":
      return `aggregate(${e.selector}, ${operand(e.sop)}${e.default !== undefined ? `, ${renderAtom(e.default)}` : ""})`;
    case "selectorWidth":
      return `selector_width(${e.selector})`;
  }
}

export function renderStatement(s: Statement): string {
  const rhs = renderExpr(s.expr);
  return `${s.name} = ${s.numerical ? `numerical(${rhs})` : s.categorical ? `categorical(${rhs})` : rhs};`;
}

/** The program as .rasp source; `header` lines become `#` comments at the top. */
export function renderProgram(p: GeneratedProgram, header: readonly string[] = []): string {
  const comments = header.map((h) => (h === "" ? "#" : `# ${h}`));
  return [...comments, ...p.statements.map(renderStatement), ""].join("\n");
}

/** The names a statement reads. */
export function readsOf(e: Expr): string[] {
  const refs = (...os: Operand[]) => os.flatMap((o) => ("ref" in o ? [o.ref] : []));
  switch (e.op) {
    case "binary":
      return refs(e.left, e.right);
    case "unary":
      return refs(e.arg);
    case "ternary":
      return refs(e.then, e.cond, e.otherwise);
    case "inList":
      return refs(e.item);
    case "contains":
    case "index":
      return refs(e.sop);
    case "select":
      return refs(e.keys, e.queries);
    case "selectorAnd":
    case "selectorOr":
      return [e.left, e.right];
    case "selectorNot":
      return [e.inner];
    case "aggregate":
      return [e.selector, ...refs(e.sop)];
    case "selectorWidth":
      return [e.selector];
  }
}

/** How many statements the program has (its size, for shrinking reports and size checks). */
export function programSize(p: GeneratedProgram): number {
  return p.statements.length;
}

/** Drops what the last statement does not read, and names the rest v1, v2, ..., out. */
export function compact(statements: readonly Statement[]): GeneratedProgram {
  const live = new Set<string>([statements.at(-1)!.name]);
  for (let i = statements.length - 1; i >= 0; i--) {
    const s = statements[i]!;
    if (live.has(s.name)) for (const r of readsOf(s.expr)) live.add(r);
  }
  const kept = statements.filter((s) => live.has(s.name));
  const names = new Map<string, string>();
  kept.forEach((s, i) => names.set(s.name, i === kept.length - 1 ? OUTPUT_NAME : `v${i + 1}`));
  const rename = (n: string) => names.get(n) ?? n;
  return { statements: kept.map((s) => ({ ...s, name: rename(s.name), expr: mapNames(s.expr, rename) })) };
}

/** The expression with every name it reads passed through `f` (atoms and built-ins as `f` leaves them). */
export function mapNames(e: Expr, f: (name: string) => string): Expr {
  const op = (o: Operand): Operand => ("ref" in o ? { ref: f(o.ref) } : o);
  return mapOperands(e, op, f);
}

/** The expression with its s-op operands passed through `op` and its selector names through `sel`. */
export function mapOperands(e: Expr, op: (o: Operand) => Operand, sel: (name: string) => string = (n) => n): Expr {
  switch (e.op) {
    case "binary":
      return { ...e, left: op(e.left), right: op(e.right) };
    case "unary":
      return { ...e, arg: op(e.arg) };
    case "ternary":
      return { ...e, then: op(e.then), cond: op(e.cond), otherwise: op(e.otherwise) };
    case "inList":
      return { ...e, item: op(e.item) };
    case "contains":
    case "index":
      return { ...e, sop: op(e.sop) };
    case "select":
      return { ...e, keys: op(e.keys), queries: op(e.queries) };
    case "selectorAnd":
    case "selectorOr":
      return { ...e, left: sel(e.left), right: sel(e.right) };
    case "selectorNot":
      return { ...e, inner: sel(e.inner) };
    case "aggregate":
      return { ...e, selector: sel(e.selector), sop: op(e.sop) };
    case "selectorWidth":
      return { ...e, selector: sel(e.selector) };
  }
}
