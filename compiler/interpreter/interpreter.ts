// The RASP interpreter. Running a program does not touch any input: like Weiss's REPL and Tracr,
// it builds the graph of s-ops and selectors (compiler/rasp/ops.ts), and the graph is evaluated on
// inputs afterwards. Meta-level values (atoms, lists, dicts, functions) are computed eagerly.
import * as path from "node:path";
import type * as A from "../language/ast.js";
import { ParseFailure, RaspError, fileStart } from "../language/diagnostics.js";
import { parseProgram } from "../language/parse.js";
import { make, isSOp, isSelector, type Affine, type SOp, type Selector } from "../rasp/ops.js";
import { GraphEvaluator, type SelectorMatrix } from "../rasp/evaluate.js";
import { AtomError, applyBinary, applyNegate, applyNot, atomEquals, indicator, roundHalfEven, type Atom, type AtomBinaryOp } from "../rasp/values.js";
import { BuiltinFunction, Env, RaspDict, RaspFunction, formatValue, isAtom, kindOf, truthyValue, type ListValue, type Value } from "./values.js";
import { installBuiltins, type Primitives } from "./builtins.js";
import { readSourceFile } from "./sourceFiles.js";
import { closestName } from "../common/closestName.js";

export { ParseFailure };

/** What one top-level statement did, for the REPL to show. */
export type StatementOutcome =
  | { readonly kind: "assigned"; readonly names: readonly string[]; readonly values: readonly Value[] }
  | { readonly kind: "value"; readonly value: Value }
  | { readonly kind: "defined"; readonly name: string }
  | { readonly kind: "none" };

const MAX_CALL_DEPTH = 200;

/** What `--set NAME=VALUE` can bind: a string, number or boolean. */
export type OverrideValue = string | number | boolean;

export interface InterpreterOptions {
  /** Reads a source file; defaults to the file system with UTF-8 validation. */
  readonly readFile?: (file: string) => string;
  /**
   * Values that replace what the program assigns to these global names (`raspc compile --set
   * operand=b`): the one way to build a program's variants, such as the counter compiled for
   * another operand, without editing its source.
   */
  readonly overrides?: ReadonlyMap<string, OverrideValue>;
}

type AffineOp = "+" | "-" | "*" | "/" | "neg";

/**
 * The affine form of `op` applied to these operands (s-op slots and constant atoms), when it has one
 * on numbers: a sum or difference of s-ops and numeric constants, an s-op times or divided by a
 * numeric constant, a negation. The compiler uses it only where every input is numerically encoded,
 * so string concatenation under `+` never reaches it.
 */
function affineOf(op: AffineOp, slots: readonly ({ sop: number } | { atom: Atom })[], inputs: number): Affine | undefined {
  const coefficients = new Array<number>(inputs).fill(0);
  const constant = (s: { sop: number } | { atom: Atom }): number | undefined => ("atom" in s && typeof s.atom === "number" ? s.atom : undefined);
  if (op === "neg") {
    const s = slots[0]!;
    if (!("sop" in s)) return undefined;
    coefficients[s.sop] = -1;
    return { coefficients, bias: 0 };
  }
  const [a, b] = slots as [{ sop: number } | { atom: Atom }, { sop: number } | { atom: Atom }];
  if (op === "+" || op === "-") {
    let bias = 0;
    for (const [s, sign] of [[a, 1], [b, op === "+" ? 1 : -1]] as const) {
      if ("sop" in s) coefficients[s.sop]! += sign;
      else {
        const c = constant(s);
        if (c === undefined) return undefined;
        bias += sign * c;
      }
    }
    return { coefficients, bias };
  }
  if (op === "*") {
    const [s, c] = "sop" in a ? [a, constant(b)] : [b, constant(a)];
    if (!("sop" in s) || c === undefined) return undefined;
    coefficients[s.sop] = c;
    return { coefficients, bias: 0 };
  }
  const c = constant(b);
  if (!("sop" in a) || c === undefined || c === 0) return undefined;
  coefficients[a.sop] = 1 / c;
  return { coefficients, bias: 0 };
}

export class Interpreter {
  readonly globals: Env;
  readonly primitives: Primitives;
  /** Every source text seen, by file name, so diagnostics can quote lines. */
  readonly sources = new Map<string, string>();
  private readonly readFile: (file: string) => string;
  private readonly loading: string[] = [];
  private callDepth = 0;
  private readonly overrides: ReadonlyMap<string, OverrideValue>;
  /** Override names some global assignment used. */
  readonly overridden = new Set<string>();
  /** Nodes that already carry a user-chosen name; later assignments don't rename them. */
  private readonly named = new WeakSet<object>();

  constructor(options: InterpreterOptions = {}) {
    this.readFile = options.readFile ?? readSourceFile;
    this.overrides = options.overrides ?? new Map();
    const root = new Env(null, "builtins");
    this.primitives = installBuiltins(root);
    this.globals = new Env(root, "globals");
  }

  /** Runs a file's statements in the global environment. Throws ParseFailure or RaspError. */
  runFile(file: string): StatementOutcome[] {
    return this.runSource(file, this.readFile(file));
  }

  runSource(file: string, source: string): StatementOutcome[] {
    this.sources.set(file, source);
    const parsed = parseProgram(file, source);
    if (!parsed.program) throw new ParseFailure(parsed.diagnostics);
    return this.runProgram(parsed.program);
  }

  /** Runs an already parsed program (its source must be in `sources` for diagnostics). */
  runProgram(program: A.Program): StatementOutcome[] {
    this.sources.set(program.file, program.source);
    return this.guardStack(program.file, () => program.statements.map((s) => this.execTop(s)));
  }

  /** The value of a global name, or undefined. */
  global(name: string): Value | undefined {
    return this.globals.lookup(name);
  }

  /** Stack exhaustion (absurdly deep expressions) becomes a diagnostic, not a crash. */
  private guardStack<T>(file: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof RangeError && /call stack/i.test(e.message)) throw new RaspError("the program nests too deeply to evaluate", fileStart(file));
      throw e;
    }
  }

  private execTop(s: A.Statement): StatementOutcome {
    return this.exec(s, this.globals);
  }

  private exec(s: A.Statement, env: Env): StatementOutcome {
    switch (s.kind) {
      case "assign":
        return this.assign(s, env);
      case "expr":
        return { kind: "value", value: this.eval(s.expr, env) };
      case "def":
        env.set(s.name.name, new RaspFunction(s, env));
        return { kind: "defined", name: s.name.name };
      case "for":
        this.forLoop(s, env);
        return { kind: "none" };
      case "load":
        this.load(s);
        return { kind: "none" };
    }
  }

  private assign(s: A.AssignStatement, env: Env): StatementOutcome {
    const evaluated = s.values.map((e) => this.eval(e, env));
    const names = s.targets.map((t) => t.name);
    let values: Value[];
    if (names.length === 1) {
      values = [evaluated.length === 1 ? evaluated[0]! : evaluated];
    } else {
      // `a, b = x, y` or `a, b = f()` where f returns two values.
      const source: Value = evaluated.length === 1 ? evaluated[0]! : evaluated;
      if (!Array.isArray(source)) throw new RaspError(`cannot unpack ${kindOf(source)} into ${names.length} names`, s.range);
      if (source.length !== names.length) {
        throw new RaspError(`expected ${names.length} values to assign to ${names.join(", ")}, got ${source.length}`, s.range);
      }
      values = source;
    }
    names.forEach((name, i) => {
      let v = values[i]!;
      const override = env === this.globals ? this.overrides.get(name) : undefined;
      if (override !== undefined) {
        v = override;
        this.overridden.add(name);
      }
      this.nameNode(v, name);
      env.set(name, v);
    });
    return { kind: "assigned", names, values };
  }

  private nameNode(v: Value, name: string): void {
    if ((isSOp(v) || isSelector(v)) && !this.named.has(v)) {
      if (v.kind !== "tokens" && v.kind !== "indices" && v.kind !== "length") v.label = name;
      this.named.add(v);
    }
  }

  private forLoop(s: A.ForLoop, env: Env): void {
    const iterable = this.eval(s.iterable, env);
    for (const item of this.iterate(iterable, s.iterable.range, "a for loop")) {
      this.bindTargets(s.targets, item, env, s.range);
      for (const st of s.body) this.exec(st, env);
    }
  }

  private iterate(v: Value, range: A.SourceRange, what: string): Value[] {
    if (Array.isArray(v)) return v;
    if (v instanceof RaspDict) return v.keys();
    throw new RaspError(`${what} needs a list or dict to iterate over, got ${kindOf(v)}`, range);
  }

  private bindTargets(targets: readonly A.Identifier[], item: Value, env: Env, range: A.SourceRange): void {
    if (targets.length === 1) {
      env.set(targets[0]!.name, item);
      return;
    }
    if (!Array.isArray(item) || item.length !== targets.length) {
      throw new RaspError(`cannot unpack ${kindOf(item)} into ${targets.length} names (${targets.map((t) => t.name).join(", ")})`, range);
    }
    targets.forEach((t, i) => env.set(t.name, item[i]!));
  }

  private load(s: A.LoadStatement): void {
    const from = s.range.file;
    const target = path.resolve(path.dirname(from), s.path);
    const shown = path.relative(process.cwd(), target) || target;
    // The files being loaded, outermost first, ending with the one this statement is in (each once).
    const fromPath = path.resolve(from);
    const pushFrom = this.loading[this.loading.length - 1] !== fromPath;
    const stack = pushFrom ? [...this.loading, fromPath] : this.loading;
    const cycleAt = stack.indexOf(target);
    if (cycleAt >= 0) {
      const chain = [...stack.slice(cycleAt), target].map((f) => path.relative(process.cwd(), f) || f);
      throw new RaspError(`load cycle: ${chain.join(" -> ")}`, s.pathRange);
    }
    let text: string;
    try {
      text = this.readFile(target);
    } catch (e) {
      throw new RaspError(`cannot load "${s.path}": ${(e as Error).message}`, s.pathRange);
    }
    if (pushFrom) this.loading.push(fromPath);
    this.loading.push(target);
    try {
      this.sources.set(shown, text);
      const parsed = parseProgram(shown, text);
      if (!parsed.program) throw new ParseFailure(parsed.diagnostics);
      for (const st of parsed.program.statements) this.exec(st, this.globals);
    } finally {
      this.loading.pop();
      if (pushFrom) this.loading.pop();
    }
  }

  // ---------------------------------------------------------------- expressions

  eval(e: A.Expr, env: Env): Value {
    switch (e.kind) {
      case "number":
      case "string":
        return e.value;
      case "name":
        return this.lookup(e, env);
      case "unary":
        return this.unary(e, env);
      case "builtinUnary":
        return this.builtinUnary(e, env);
      case "binary":
        return this.binary(e, env);
      case "ternary":
        return this.ternary(e, env);
      case "select":
        return this.select(e, env);
      case "aggregate":
        return this.aggregate(e, env);
      case "call":
        return this.call(e, env);
      case "index":
        return this.index(e, env);
      case "list":
        return e.items.map((x) => this.eval(x, env));
      case "dict": {
        const d = new RaspDict();
        for (const { key, value } of e.entries) d.set(this.dictKey(key, env), this.eval(value, env));
        return d;
      }
      case "listComp":
        return this.iterate(this.eval(e.iterable, env), e.iterable.range, "a list comprehension").map((item) => {
          const inner = new Env(env, "comprehension");
          this.bindTargets(e.targets, item, inner, e.range);
          return this.eval(e.value, inner);
        });
      case "dictComp": {
        const d = new RaspDict();
        for (const item of this.iterate(this.eval(e.iterable, env), e.iterable.range, "a dict comprehension")) {
          const inner = new Env(env, "comprehension");
          this.bindTargets(e.targets, item, inner, e.range);
          d.set(this.dictKey(e.key, inner), this.eval(e.value, inner));
        }
        return d;
      }
      case "range":
        return this.range(e, env);
      case "zip":
        return this.zip(e, env);
      case "len": {
        const v = this.eval(e.arg, env);
        if (Array.isArray(v)) return v.length;
        if (v instanceof RaspDict) return v.size;
        if (typeof v === "string") return v.length;
        throw new RaspError(`len() needs a list, dict or string, got ${kindOf(v)}`, e.arg.range);
      }
    }
  }

  private lookup(e: A.NameRef, env: Env): Value {
    const v = env.lookup(e.name);
    if (v !== undefined) return v;
    const hint = closestName(e.name, env.names());
    throw new RaspError(`unknown name '${e.name}'${hint ? ` (did you mean '${hint}'?)` : ""}`, e.range);
  }

  private dictKey(e: A.Expr, env: Env): Atom {
    const k = this.eval(e, env);
    if (!isAtom(k)) throw new RaspError(`dict keys must be atoms, got ${kindOf(k)}`, e.range);
    return k;
  }

  /** A short label for a graph node made by expression `e`: its source text. */
  private label(e: A.Expr | A.SourceRange): string {
    const r = "range" in e ? e.range : e;
    const src = this.sources.get(r.file);
    const text = src ? src.slice(r.startOffset, r.endOffset).replace(/\s+/g, " ").trim() : "";
    return text.length > 48 ? text.slice(0, 45) + "..." : text || "s-op";
  }

  private atomOp<T>(range: A.SourceRange, f: () => T): T {
    try {
      return f();
    } catch (err) {
      if (err instanceof AtomError) throw new RaspError(err.message, range);
      throw err;
    }
  }

  /** An s-op operand, lifting an atom to a constant s-op. */
  private asSOp(v: Value, range: A.SourceRange, what: string): SOp {
    if (isSOp(v)) return v;
    if (isAtom(v)) return make.constant(v, range);
    throw new RaspError(`${what} must be an s-op or an atom, got ${kindOf(v)}`, range);
  }

  /**
   * Applies an atom-level operation elementwise when any operand is an s-op: one s-op operand
   * gives a Map (the atoms are baked into the function, as Tracr does for `x + 1`); several give a
   * SequenceMap. Repeated operands (`x * x`) are read once.
   */
  private lift(operands: Value[], ranges: A.SourceRange[], f: (...xs: Atom[]) => Atom, range: A.SourceRange, what: string, affineOp?: AffineOp): Value {
    const sopInputs: SOp[] = [];
    const slots: ({ sop: number } | { atom: Atom })[] = [];
    operands.forEach((v, i) => {
      if (isSOp(v)) {
        let at = sopInputs.indexOf(v);
        if (at < 0) at = sopInputs.push(v) - 1;
        slots.push({ sop: at });
      } else if (isAtom(v)) {
        slots.push({ atom: v });
      } else {
        throw new RaspError(`cannot apply ${what} to ${kindOf(v)}`, ranges[i]!);
      }
    });
    if (sopInputs.length === 0) return this.atomOp(range, () => f(...(slots as { atom: Atom }[]).map((s) => s.atom)));
    const assemble = (xs: Atom[]): Atom[] => slots.map((s) => ("sop" in s ? xs[s.sop]! : s.atom));
    const label = this.label(range);
    const linear = affineOp ? affineOf(affineOp, slots, sopInputs.length) : undefined;
    if (sopInputs.length === 1) return make.map((x) => f(...assemble([x])), sopInputs[0]!, label, range, linear);
    return make.sequenceMap((...xs) => f(...assemble(xs)), sopInputs, label, range, linear);
  }

  private unary(e: A.UnaryExpr, env: Env): Value {
    const v = this.eval(e.operand, env);
    if (e.op === "not") {
      if (isSelector(v)) return make.not(v, this.label(e), e.range);
      if (isSOp(v)) return this.lift([v], [e.operand.range], applyNot, e.range, "'not'");
      return !truthyValue(v);
    }
    if (e.op === "+") {
      if (isSOp(v)) return v;
      return this.lift([v], [e.operand.range], (x) => applyBinary("+", 0, x), e.range, "unary '+'");
    }
    return this.lift([v], [e.operand.range], applyNegate, e.range, "unary '-'", "neg");
  }

  private builtinUnary(e: A.BuiltinUnaryExpr, env: Env): Value {
    const v = this.eval(e.operand, env);
    return this.lift([v], [e.operand.range], e.op === "round" ? roundHalfEven : indicator, e.range, `${e.op}()`);
  }

  private binary(e: A.BinaryExpr, env: Env): Value {
    const left = this.eval(e.left, env);
    const right = this.eval(e.right, env);
    if (e.op === "in") return this.contains(e, left, right);
    const hasSelector = isSelector(left) || isSelector(right);
    if (e.op === "and" || e.op === "or") {
      if (isSelector(left) && isSelector(right)) return e.op === "and" ? make.and(left, right, this.label(e), e.range) : make.or(left, right, this.label(e), e.range);
      if (hasSelector) throw new RaspError(`'${e.op}' combines two selectors or two s-ops/atoms, not ${kindOf(isSelector(left) ? right : left)} with a selector`, e.opRange);
      if (!isSOp(left) && !isSOp(right)) return truthyValue(left) === (e.op === "or") ? left : right;
    }
    if (hasSelector) throw new RaspError(`cannot apply '${e.op}' to a selector (selectors combine only with and, or, not)`, isSelector(left) ? e.left.range : e.right.range);
    if (Array.isArray(left) || Array.isArray(right)) return this.listBinary(e, left, right);
    const op = e.op as AtomBinaryOp;
    const affine = op === "+" || op === "-" || op === "*" || op === "/" ? op : undefined;
    return this.lift([left, right], [e.left.range, e.right.range], (a, b) => applyBinary(op, a, b), e.range, `'${e.op}'`, affine);
  }

  private listBinary(e: A.BinaryExpr, left: Value, right: Value): Value {
    if (Array.isArray(left) && Array.isArray(right)) {
      if (e.op === "+") return [...left, ...right];
      if (e.op === "==") return valuesEqual(left, right);
      if (e.op === "!=") return !valuesEqual(left, right);
    }
    const list = Array.isArray(left) ? left : (right as ListValue);
    const other = Array.isArray(left) ? right : left;
    if (e.op === "*" && typeof other === "number" && Number.isInteger(other)) {
      return Array.from({ length: Math.max(0, other) }, () => list).flat();
    }
    if (e.op === "==" || e.op === "!=") return e.op === "!=";
    throw new RaspError(`cannot apply '${e.op}' to ${kindOf(left)} and ${kindOf(right)}`, e.opRange);
  }

  /** `x in container`, following Weiss's REPL. */
  private contains(e: A.BinaryExpr, item: Value, container: Value): Value {
    if (isSOp(item)) {
      const list = this.atomList(container, e.right.range, `'s-op in X' needs X to be a list of atoms`);
      return make.map((x) => list.some((y) => atomEquals(x, y)), item, this.label(e), e.range);
    }
    if (isAtom(item)) {
      if (Array.isArray(container)) return container.some((y) => isAtom(y) && atomEquals(item, y));
      if (container instanceof RaspDict) return container.has(item);
      if (typeof container === "string" && typeof item === "string") return container.includes(item);
      if (isSOp(container)) {
        // "is this atom anywhere in the sequence": the mean of an indicator over all positions is > 0.
        const all = make.select(container, container, "true", "all positions", e.range);
        const hit = make.map((x) => (atomEquals(x, item) ? 1 : 0), container, this.label(e.left) + " ==", e.range);
        hit.encoding = "numerical";
        const frac = make.aggregate(all, hit, 0, this.label(e), e.range);
        frac.encoding = "numerical";
        return make.map((x) => (x as number) > 0, frac, this.label(e), e.range);
      }
      throw new RaspError(`'atom in X' needs X to be a list, dict, string or s-op, got ${kindOf(container)}`, e.right.range);
    }
    throw new RaspError(`'A in X' needs A to be an s-op or an atom, got ${kindOf(item)}`, e.left.range);
  }

  private atomList(v: Value, range: A.SourceRange, message: string): Atom[] {
    if (!Array.isArray(v) || !v.every(isAtom)) throw new RaspError(`${message}, got ${kindOf(v)}`, range);
    return v as Atom[];
  }

  private ternary(e: A.TernaryExpr, env: Env): Value {
    const cond = this.eval(e.cond, env);
    if (isSelector(cond)) throw new RaspError("the condition of 'x if c else y' must be an s-op or an atom, got a selector", e.cond.range);
    if (!isSOp(cond)) return this.eval(truthyValue(cond) ? e.then : e.otherwise, env); // lazy, as in Weiss's REPL
    const a = this.eval(e.then, env);
    const b = this.eval(e.otherwise, env);
    return this.lift([cond, a, b], [e.cond.range, e.then.range, e.otherwise.range], (c, x, y) => (c !== null && c !== false && c !== 0 && c !== "" ? x : y), e.range, "'x if c else y'");
  }

  private select(e: A.SelectExpr, env: Env): Value {
    const keys = this.asSOp(this.eval(e.keys, env), e.keys.range, "select's keys");
    const queries = this.asSOp(this.eval(e.queries, env), e.queries.range, "select's queries");
    return make.select(keys, queries, e.op, this.label(e), e.range);
  }

  private aggregate(e: A.AggregateExpr, env: Env): Value {
    const sel = this.eval(e.selector, env);
    if (!isSelector(sel)) throw new RaspError(`aggregate's first argument must be a selector, got ${kindOf(sel)}`, e.selector.range);
    const sop = this.asSOp(this.eval(e.sop, env), e.sop.range, "aggregate's second argument");
    let dflt: Atom = null;
    if (e.default) {
      const d = this.eval(e.default, env);
      if (!isAtom(d)) throw new RaspError(`aggregate's default must be an atom, got ${kindOf(d)}`, e.default.range);
      dflt = d;
    }
    return make.aggregate(sel, sop, dflt, this.label(e), e.range);
  }

  private call(e: A.CallExpr, env: Env): Value {
    const callee = this.eval(e.callee, env);
    const args = e.args.map((a) => this.eval(a, env));
    if (callee instanceof RaspFunction) return this.callFunction(callee, args, e);
    if (callee instanceof BuiltinFunction) {
      if (args.length !== callee.arity) throw new RaspError(`${callee.name}() takes ${callee.arity} argument${callee.arity === 1 ? "" : "s"}, got ${args.length}`, e.range);
      return callee.call(args, { range: e.range, argRanges: e.args.map((a) => a.range) });
    }
    if (isSOp(callee) || isSelector(callee)) return this.apply(callee, args, e);
    throw new RaspError(`cannot call ${kindOf(callee)}`, e.callee.range);
  }

  private callFunction(f: RaspFunction, args: Value[], e: A.CallExpr): Value {
    if (args.length !== f.arity) {
      throw new RaspError(`${f.name}() takes ${f.arity} argument${f.arity === 1 ? "" : "s"} (${f.def.params.map((p) => p.name).join(", ")}), got ${args.length}`, e.range);
    }
    if (this.callDepth >= MAX_CALL_DEPTH) throw new RaspError(`calls nest deeper than ${MAX_CALL_DEPTH} (runaway recursion in ${f.name}?)`, e.range);
    const local = new Env(f.closure, f.name);
    f.def.params.forEach((p, i) => local.set(p.name, args[i]!));
    this.callDepth++;
    try {
      for (const st of f.def.body) this.exec(st, local);
      const results = f.def.returns.map((r) => this.eval(r, local));
      return results.length === 1 ? results[0]! : results;
    } finally {
      this.callDepth--;
    }
  }

  /** `sop(input)`: evaluate an s-op (or selector) on an input, as Weiss's REPL allows. */
  private apply(node: SOp | Selector, args: Value[], e: A.CallExpr): Value {
    if (args.length !== 1) throw new RaspError(`applying an s-op or selector takes one input, got ${args.length} arguments`, e.range);
    const arg = args[0]!;
    const input: Atom[] | null = typeof arg === "string" ? [...arg] : Array.isArray(arg) && arg.every(isAtom) ? (arg as Atom[]) : null;
    if (!input || input.length === 0) throw new RaspError(`an s-op is applied to a non-empty list of atoms or a string, got ${kindOf(arg)}`, e.args[0]!.range);
    const value = new GraphEvaluator(node).run(input).get(node.id)!;
    if (isSOp(node)) return value as Atom[];
    return (value as SelectorMatrix).map((row) => [...row].map((x) => x === 1));
  }

  private index(e: A.IndexExpr, env: Env): Value {
    const target = this.eval(e.target, env);
    const idx = this.eval(e.index, env);
    if (isSOp(idx) && (Array.isArray(target) || typeof target === "string" || target instanceof RaspDict)) return this.lookupTable(e, target, idx);
    if (Array.isArray(target) || typeof target === "string") {
      if (typeof idx !== "number" || !Number.isInteger(idx)) throw new RaspError(`an index into a ${Array.isArray(target) ? "list" : "string"} must be an integer, got ${kindOf(idx)}`, e.index.range);
      const n = target.length;
      if (idx >= n || idx < -n) throw new RaspError(`index ${idx} is out of range for a ${Array.isArray(target) ? "list" : "string"} of length ${n}`, e.index.range);
      return target[idx < 0 ? n + idx : idx]!;
    }
    if (target instanceof RaspDict) {
      if (!isAtom(idx)) throw new RaspError(`a dict key must be an atom, got ${kindOf(idx)}`, e.index.range);
      const v = target.get(idx);
      if (v === undefined) throw new RaspError(`key ${formatValue(idx)} is not in the dict`, e.index.range);
      return v;
    }
    if (isSOp(target)) {
      // s[i]: every position reads position i (from the end when i < 0), as Weiss's REPL does.
      if (typeof idx !== "number" || !Number.isInteger(idx)) throw new RaspError(`an index into an s-op must be an integer, got ${kindOf(idx)}`, e.index.range);
      const label = this.label(e);
      const where = idx >= 0 ? make.constant(idx, e.index.range) : make.map((n) => (n as number) + idx, this.primitives.length, `length${idx}`, e.index.range);
      const sel = make.select(this.primitives.indices, where, "==", `select position ${idx}`, e.range);
      return make.aggregate(sel, target, null, label, e.range);
    }
    throw new RaspError(`cannot index into ${kindOf(target)}`, e.target.range);
  }

  /**
   * `table[sop]` with a list, string or dict of atoms: an elementwise lookup, as in Weiss's REPL
   * (`b = [5, 8, 2]; b[indices]`, `d[tokens]`). A position whose index is missing is an error
   * when the s-op is evaluated, like Python's IndexError/KeyError.
   */
  private lookupTable(e: A.IndexExpr, table: ListValue | string | RaspDict, idx: SOp): Value {
    const label = this.label(e);
    if (table instanceof RaspDict) {
      const entries = table.items();
      if (!entries.every(([, v]) => isAtom(v))) throw new RaspError("an s-op can only index a dict whose values are atoms", e.target.range);
      return make.map(
        (k) => {
          const v = table.get(k);
          if (v === undefined) throw new AtomError(`key ${formatValue(k)} is not in the dict`);
          return v as Atom;
        },
        idx,
        label,
        e.range,
      );
    }
    const what = typeof table === "string" ? "string" : "list";
    const items = typeof table === "string" ? [...table] : table;
    if (!items.every(isAtom)) throw new RaspError("an s-op can only index a list of atoms", e.target.range);
    const atoms = items as Atom[];
    return make.map(
      (i) => {
        const k = typeof i === "boolean" ? Number(i) : i;
        if (typeof k !== "number" || !Number.isInteger(k)) throw new AtomError(`an index into a ${what} must be an integer, got ${formatValue(i)}`);
        if (k >= atoms.length || k < -atoms.length) throw new AtomError(`index ${k} is out of range for a ${what} of length ${atoms.length}`);
        return atoms[k < 0 ? atoms.length + k : k]!;
      },
      idx,
      label,
      e.range,
    );
  }

  private range(e: A.RangeExpr, env: Env): Value {
    if (e.args.length < 1 || e.args.length > 3) throw new RaspError(`range() takes 1 to 3 arguments, got ${e.args.length}`, e.range);
    const nums = e.args.map((a) => {
      const v = this.eval(a, env);
      if (typeof v !== "number" || !Number.isInteger(v)) throw new RaspError(`range() needs integers, got ${kindOf(v)}`, a.range);
      return v;
    });
    const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
    if (step === 0) throw new RaspError("range() step must not be zero", e.args[2]!.range);
    const count = Math.max(0, Math.ceil((stop - start) / step));
    if (count > 1_000_000) throw new RaspError(`range() would make ${count} items; the limit is 1,000,000`, e.range);
    return Array.from({ length: count }, (_, i) => start + i * step);
  }

  private zip(e: A.ZipExpr, env: Env): Value {
    const lists = e.args.map((a) => {
      const v = this.eval(a, env);
      if (!Array.isArray(v)) throw new RaspError(`zip() needs lists, got ${kindOf(v)}`, a.range);
      return v;
    });
    const n = lists[0]!.length;
    lists.forEach((l, i) => {
      if (l.length !== n) throw new RaspError(`zip() needs lists of one length: the first has ${n} items, this one ${l.length}`, e.args[i]!.range);
    });
    return Array.from({ length: n }, (_, i) => lists.map((l) => l[i]!));
  }
}

function valuesEqual(a: Value, b: Value): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]!));
  if (isAtom(a) && isAtom(b)) return atomEquals(a, b);
  return a === b;
}
