// Random RASP programs as fast-check arbitraries, for differential fuzzing of the compiler.
//
// A program is drawn as a *recipe*: a list of choices, each a tuple of small natural numbers, which
// `buildProgram` reads one by one into statements. Every number is taken modulo the options that are
// valid at that point (operands of a fitting type, comparisons those types allow, constants the
// operand can actually hold), so any recipe builds a well-typed program. Shrinking works on the
// program itself, not on its recipe (a recipe with one choice dropped reads the rest differently):
// see programArbitrary and shrinkProgram.ts.
//
// The programs stay inside what the compiler is meant to accept: value sets are kept small, None is
// kept out of numerical s-ops and out of `or`s over different s-ops, categorical aggregates mostly
// get selections that pick one key (verify leaves out positions where differing values are
// averaged, so other selections are allowed now and then), numerical aggregates mostly average 0/1
// values. Operands are drawn mostly from s-ops nothing reads yet, so that little is dead code.
import fc from "fast-check";
import { applyBinary, applyNegate, applyNot, atomEquals, indicator, isNumeric, roundHalfEven, type Atom, type AtomBinaryOp } from "../../compiler/rasp/values.js";
import { equatable, imageOf, oneToOne, orderable, sortedUnique, valueClass, type Facts, type SOpFacts, type SelectorFacts } from "./facts.js";
import { aggregateMeans } from "../../compiler/passes/valueSets.js";
import { programShrinks } from "./shrinkProgram.js";
import { compact, renderable, type ArithOp, type CompareOp, type Expr, type GeneratedProgram, type Operand, type SelectCmp, type Statement } from "./program.js";

export { renderProgram } from "./program.js";
export type { GeneratedProgram } from "./program.js";

export interface GeneratorOptions {
  /** The tokens inputs are made of: strings, small numbers, or a mix. */
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  /** Most statements in a program (default 14); dead ones are dropped, so most programs have fewer. */
  readonly maxNodes?: number;
  /** Longest chain of operations from a built-in to any s-op (default 8). */
  readonly maxDepth?: number;
  /** Largest value set a categorical s-op may have (default 32). */
  readonly maxValues?: number;
  /** Constructs to leave out, to fuzz past a known compiler bug (AVOIDABLE says what each one is). */
  readonly avoid?: readonly Avoidable[];
}

/**
 * Constructs the generator can leave out, each the trigger of a known compiler bug, so that a run
 * finds the other bugs instead of that one over and over (`raspc fuzz --avoid`, and the CI-sized
 * fuzz test while test/fuzz/regressions/known-failing.json lists the bug).
 */
export const AVOIDABLE = {
  "numerical-sum": "an affine sequence map of numerical s-ops (`x + y`) is always marked numerical(...), never left for the compiler to infer",
  "numerical-bool": "no comparison is marked numerical(...), so no numerical s-op holds booleans",
  "mean-of-equal-floats": "a categorical aggregate whose selection may pick several keys aggregates no fractional numbers",
} as const;
export type Avoidable = keyof typeof AVOIDABLE;

/** One choice: [operation, then four numbers the operation reads as it needs]. */
export type Choice = readonly [number, number, number, number, number];
export type Recipe = readonly Choice[];

const CHOICE_MAX = 0xffff;

export const DEFAULT_MAX_NODES = 14;
export const DEFAULT_MAX_DEPTH = 8;
export const DEFAULT_MAX_VALUES = 32;
/** Largest product of value sets a sequence map may read (its lookup table's size). */
const MAX_TABLE = 400;
/** Largest value set of a numerical aggregate. */
const MAX_MEANS = 400;

/** The recipes programs are built from (programArbitrary draws one per program). */
export function recipeArbitrary(opts: Pick<GeneratorOptions, "maxNodes">): fc.Arbitrary<Recipe> {
  const n = fc.nat({ max: CHOICE_MAX });
  return fc.array(fc.tuple(n, n, n, n, n), { minLength: 1, maxLength: opts.maxNodes ?? DEFAULT_MAX_NODES });
}

/**
 * Well-typed programs over `opts.vocab`. Generation draws a recipe; shrinking works on the program
 * itself (programShrinks: cut it short, bypass a statement, plainer operands), which needs no
 * context, so a program found elsewhere (a fuzz run's failure) can be handed to fc.check as an
 * example and shrunk.
 */
export function programArbitrary(opts: GeneratorOptions): fc.Arbitrary<GeneratedProgram> {
  return new ProgramArbitrary(opts);
}

class ProgramArbitrary extends fc.Arbitrary<GeneratedProgram> {
  private readonly recipes: fc.Arbitrary<Recipe>;

  constructor(private readonly opts: GeneratorOptions) {
    super();
    this.recipes = recipeArbitrary(opts);
  }

  generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<GeneratedProgram> {
    return new fc.Value(buildProgram(this.recipes.generate(mrng, biasFactor).value, this.opts), undefined);
  }

  canShrinkWithoutContext(value: unknown): value is GeneratedProgram {
    return isProgram(value);
  }

  shrink(value: GeneratedProgram): fc.Stream<fc.Value<GeneratedProgram>> {
    return fc.stream(programShrinks(value, this.opts.vocab)).map((p) => new fc.Value(p, undefined));
  }
}

function isProgram(x: unknown): x is GeneratedProgram {
  if (typeof x !== "object" || x === null) return false;
  const statements = (x as { statements?: unknown }).statements;
  return Array.isArray(statements) && statements.length > 0 && statements.every((s: unknown) => typeof s === "object" && s !== null && "name" in s && "expr" in s);
}

/** An input as indices into the vocabulary (shrinks to shorter inputs of earlier tokens). */
export function inputIdsArbitrary(vocabSize: number, maxLen: number): fc.Arbitrary<number[]> {
  return fc.array(fc.nat({ max: vocabSize - 1 }), { minLength: 1, maxLength: maxLen });
}

/** What each operation weighs when a choice's first number picks one. Simplest first: shrinking goes there. */
const OPERATIONS = [
  ["compare", 12],
  ["arith", 12],
  ["unary", 6],
  ["sequenceMap", 12],
  ["ternary", 5],
  ["inList", 3],
  ["contains", 2],
  ["index", 3],
  ["aggregate", 13],
  ["numericalAggregate", 10],
  ["selectorWidth", 8],
  ["numericalMap", 8],
  ["select", 8],
  ["combineSelectors", 6],
] as const;
type Operation = (typeof OPERATIONS)[number][0];
const TOTAL_WEIGHT = OPERATIONS.reduce((a, [, w]) => a + w, 0);

function operationOf(x: number): Operation {
  let r = x % TOTAL_WEIGHT;
  for (const [name, w] of OPERATIONS) {
    if (r < w) return name;
    r -= w;
  }
  throw new Error("unreachable");
}

/** One of xs, chosen by r; xs must not be empty. */
const pick = <T>(xs: readonly T[], r: number): T => {
  if (xs.length === 0) throw new Error("generator: nothing to pick from");
  return xs[r % xs.length]!;
};
const maybePick = <T>(xs: readonly T[], r: number): T | undefined => (xs.length === 0 ? undefined : xs[r % xs.length]);

const COMPARISONS: readonly CompareOp[] = ["==", "!=", "<", "<=", ">", ">="];
const SELECT_COMPARISONS: readonly SelectCmp[] = ["==", "!=", "<", "<=", ">", ">=", "always"];

/** An arithmetic step with a constant: the operator, the constants it may take, and which side. */
const ARITH_STEPS: readonly { sym: ArithOp; constants: readonly number[]; constantFirst?: boolean; linear: boolean }[] = [
  { sym: "+", constants: [1, 2, 3], linear: true },
  { sym: "-", constants: [1, 2, 3], linear: true },
  { sym: "*", constants: [2, 3, -1], linear: true },
  { sym: "%", constants: [2, 3, 4], linear: false },
  { sym: "-", constants: [0, 1, 5], constantFirst: true, linear: true },
  { sym: "/", constants: [2, 4], linear: true },
];

const binaryFn = (sym: AtomBinaryOp) => (a: Atom, b: Atom) => applyBinary(sym, a, b);

/** Builds one program from a recipe; total for every recipe. */
export function buildProgram(recipe: Recipe, opts: GeneratorOptions): GeneratedProgram {
  return new Builder(opts).build(recipe);
}

class Builder {
  private readonly maxNodes: number;
  private readonly maxDepth: number;
  private readonly maxValues: number;
  private readonly statements: Statement[] = [];
  private readonly sops: SOpFacts[] = [];
  private readonly selectors: SelectorFacts[] = [];
  private readonly builtins: SOpFacts[];
  private readonly facts = new Map<string, Facts>();
  /** Names some statement reads. */
  private readonly read = new Set<string>();
  /** Levels of depth kept free for statements that will read what is being built (see withReserve). */
  private reserve = 0;
  private readonly avoid: ReadonlySet<Avoidable>;
  /** Selects with an atom operand make a fresh constant s-op each time: a pair of its own. */
  private constants = 0;

  constructor(private readonly opts: GeneratorOptions) {
    this.maxNodes = opts.maxNodes ?? DEFAULT_MAX_NODES;
    this.maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.maxValues = opts.maxValues ?? DEFAULT_MAX_VALUES;
    this.avoid = new Set(opts.avoid ?? []);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    const base = { kind: "sop", nullable: false, numerical: false, depth: 0 } as const;
    this.builtins = [
      { ...base, name: "tokens", values: sortedUnique(opts.vocab), injective: false, uniform: false },
      { ...base, name: "indices", values: range(0, opts.maxLen), injective: true, uniform: false },
      { ...base, name: "length", values: range(1, opts.maxLen + 1), injective: false, uniform: true },
    ];
    for (const b of this.builtins) this.facts.set(b.name, b);
  }

  build(recipe: Recipe): GeneratedProgram {
    for (const choice of recipe) {
      if (this.statements.length >= this.maxNodes) break;
      this.step(choice);
    }
    // Selectors after the last s-op are read by nothing; the last s-op is the output.
    while (this.statements.length > 0 && this.facts.get(this.statements.at(-1)!.name)!.kind === "selector") this.statements.pop();
    if (this.statements.length === 0) this.compare([0, 0, 0, 0, 0]);
    return compact(this.statements);
  }

  private room(): number {
    return this.maxNodes - this.statements.length;
  }

  private step(c: Choice): void {
    const op = operationOf(c[0]);
    const [, a, b, d, e] = c;
    switch (op) {
      case "compare":
        return this.compare(c);
      case "arith":
        return this.arith(a, b, d, e);
      case "unary":
        return this.unary(a, b, d);
      case "sequenceMap":
        return this.sequenceMap(a, b, d, e);
      case "ternary":
        return this.ternary(a, b, d, e);
      case "inList":
        return this.inList(a, b, d);
      case "contains":
        return this.contains(a, b);
      case "index":
        return this.index(a, b);
      case "aggregate":
        return this.aggregate(a, b, d, e);
      case "numericalAggregate":
        return this.numericalAggregate(a, b, d, e);
      case "selectorWidth":
        return this.selectorWidth(a, b, d);
      case "numericalMap":
        return this.numericalMap(a, b, d, e);
      case "select":
        this.select(a, b, d, e);
        return;
      case "combineSelectors":
        this.combineSelectors(a, b, d, e);
        return;
    }
  }

  // ---- operands ----

  /**
   * S-ops that may be read: those nothing reads yet (most recent first), then the others, then the
   * built-ins. `pick(candidates, r)` is uniform over them for large r; `operand` favours the unread.
   */
  private candidates(ok: (f: SOpFacts) => boolean): SOpFacts[] {
    const recent = [...this.sops].reverse();
    const all = [...recent.filter((f) => !this.read.has(f.name)), ...recent.filter((f) => this.read.has(f.name)), ...this.builtins];
    return all.filter((f) => f.depth < this.maxDepth - this.reserve && f.values.length > 0 && ok(f));
  }

  /**
   * Seven times in eight an s-op that nothing reads yet (when `ok` accepts one), else any of them:
   * without the bias most statements would be dead code, read by nothing the output depends on.
   */
  private biased(all: readonly SOpFacts[], r: number): SOpFacts | undefined {
    const unread = all.filter((f) => f.depth > 0 && !this.read.has(f.name));
    return maybePick((r & 7) !== 0 && unread.length > 0 ? unread : all, r >> 3);
  }

  private maybeOperand(ok: (f: SOpFacts) => boolean, r: number): SOpFacts | undefined {
    return this.biased(this.candidates(ok), r);
  }

  /** `maybeOperand` where `ok` accepts a built-in, so there is always one. */
  private operand(ok: (f: SOpFacts) => boolean, r: number): SOpFacts {
    const f = this.maybeOperand(ok, r);
    if (!f) throw new Error("generator: no operand fits");
    return f;
  }

  /** Selectors that may be read, most recent first. */
  private selectorCandidates(ok: (f: SelectorFacts) => boolean = () => true): SelectorFacts[] {
    return [...this.selectors].reverse().filter((f) => f.depth < this.maxDepth - this.reserve && ok(f));
  }

  private fresh(): string {
    return `t${this.statements.length + 1}`;
  }

  /** `mark` wraps the expression in `numerical(...)` or `categorical(...)`, which decides its encoding. */
  private addSOp(expr: Expr, f: Omit<SOpFacts, "kind" | "name" | "depth">, reads: readonly Facts[], mark: boolean | { numerical?: boolean; categorical?: boolean } = false): SOpFacts {
    const { numerical = false, categorical = false } = typeof mark === "boolean" ? { numerical: mark } : mark;
    const name = this.fresh();
    const facts: SOpFacts = { kind: "sop", name, depth: 1 + Math.max(0, ...reads.map((r) => r.depth)), ...f, numerical: (f.numerical || numerical) && !categorical };
    for (const r of reads) this.read.add(r.name);
    this.statements.push({ name, expr, ...(numerical ? { numerical: true } : {}), ...(categorical ? { categorical: true } : {}) });
    this.sops.push(facts);
    this.facts.set(name, facts);
    return facts;
  }

  private addSelector(expr: Expr, f: Omit<SelectorFacts, "kind" | "name" | "depth">, reads: readonly Facts[]): SelectorFacts {
    const name = this.fresh();
    const facts: SelectorFacts = { kind: "selector", name, depth: 1 + Math.max(0, ...reads.map((r) => r.depth)), ...f };
    for (const r of reads) this.read.add(r.name);
    this.statements.push({ name, expr });
    this.selectors.push(facts);
    this.facts.set(name, facts);
    return facts;
  }

  // ---- elementwise operations ----

  /** `x cmp c` with c one of x's values: the fallback of every other operation, always possible. */
  private compare(c: Choice): void {
    const [, a, b, d] = c;
    const x = this.operand(() => true, a);
    const cls = valueClass(x.values);
    const cmps = cls === "mixed" ? COMPARISONS.slice(0, 2) : COMPARISONS;
    const sym = pick(cmps, b);
    const k = pick(x.values, d);
    const img = imageOf([x.values], (v) => applyBinary(sym, v, k), Infinity);
    // Now and then the flag itself is numerical, as `numerical(x == k)`.
    const numerical = !x.nullable && c[4] % 6 === 5 && !this.avoid.has("numerical-bool");
    this.addSOp({ op: "binary", sym, left: { ref: x.name }, right: { atom: k } }, { values: img?.values ?? [true, false], nullable: x.nullable, numerical: false, injective: false, uniform: x.uniform }, [x], numerical);
  }

  private arith(a: number, b: number, d: number, e: number): void {
    const x = this.maybeOperand(isNumberClass, a);
    if (!x) return this.compare([0, a, b, d, e]);
    for (let i = 0; i < ARITH_STEPS.length; i++) {
      const s = ARITH_STEPS[(b + i) % ARITH_STEPS.length]!;
      const k = pick(s.constants, d);
      const f = s.constantFirst ? (v: Atom) => applyBinary(s.sym, k, v) : (v: Atom) => applyBinary(s.sym, v, k);
      const img = imageOf([x.values], f, this.maxValues);
      if (!img) continue;
      const numerical = !x.nullable && e % 4 === 0;
      const left: Operand = s.constantFirst ? { atom: k } : { ref: x.name };
      const right: Operand = s.constantFirst ? { ref: x.name } : { atom: k };
      this.addSOp(
        { op: "binary", sym: s.sym, left, right },
        { values: img.values, nullable: x.nullable, numerical: x.numerical && s.linear, injective: x.injective && oneToOne(x.values, f), uniform: x.uniform },
        [x],
        numerical,
      );
      return;
    }
    this.compare([0, a, b, d, e]);
  }

  private unary(a: number, b: number, d: number): void {
    const x = this.operand(() => true, a);
    const numeric = isNumberClass(x);
    const options: ("not" | "indicator" | "-" | "round")[] = numeric ? ["not", "indicator", "-", "round"] : ["not", "indicator"];
    const sym = pick(options, b);
    const f = sym === "not" ? applyNot : sym === "indicator" ? indicator : sym === "-" ? applyNegate : roundHalfEven;
    const img = imageOf([x.values], f, this.maxValues);
    if (!img) return this.compare([0, a, b, d, 0]);
    const numerical = sym === "indicator" && !x.nullable && d % 3 === 0;
    this.addSOp(
      { op: "unary", sym, arg: { ref: x.name } },
      { values: img.values, nullable: x.nullable, numerical: x.numerical && sym === "-", injective: x.injective && oneToOne(x.values, f), uniform: x.uniform },
      [x],
      numerical,
    );
  }

  private sequenceMap(a: number, b: number, d: number, e: number): void {
    const x = this.operand(() => true, a);
    const cx = valueClass(x.values);
    const ys = this.candidates((y) => y !== x && equatable(cx, valueClass(y.values)) && x.values.length * y.values.length <= MAX_TABLE);
    if (ys.length === 0) return this.compare([0, a, b, d, e]);
    const y = this.biased(ys, b)!;
    const cy = valueClass(y.values);
    const syms: (ArithOp | CompareOp | "and" | "or")[] = [];
    if (isNumberClass(x) && isNumberClass(y)) syms.push("+", "-", "*", ...COMPARISONS, "and", "or");
    else if (cx === "string" && cy === "string") syms.push("+", ...COMPARISONS, "and", "or");
    else syms.push("==", "!=");
    for (let i = 0; i < syms.length; i++) {
      const sym = syms[(d + i) % syms.length]!;
      const f = binaryFn(sym);
      const img = imageOf([x.values, y.values], f, this.maxValues);
      if (!img) continue;
      const linear = sym === "+" || sym === "-";
      const numeric = img.values.every(isNumeric);
      const inferredNumerical = linear && x.numerical && y.numerical;
      const numerical = linear && numeric && !x.nullable && !y.nullable && (e % 3 === 0 || (inferredNumerical && this.avoid.has("numerical-sum")));
      // `length - indices` is as injective as indices: length is one value per input.
      const injective = (x.uniform && y.injective && img.values.length > 0 && perValueOneToOne(x.values, y.values, f, false)) ||
        (y.uniform && x.injective && perValueOneToOne(y.values, x.values, f, true));
      this.addSOp(
        { op: "binary", sym, left: { ref: x.name }, right: { ref: y.name } },
        { values: img.values, nullable: x.nullable || y.nullable, numerical: inferredNumerical, injective, uniform: x.uniform && y.uniform },
        [x, y],
        numerical,
      );
      return;
    }
    this.compare([0, a, b, d, e]);
  }

  private ternary(a: number, b: number, d: number, e: number): void {
    const cond = this.maybeOperand((f) => valueClass(f.values) === "bool", a);
    if (!cond) return this.compare([0, a, b, d, e]);
    const then = this.operand((f) => f !== cond, b);
    const cls = valueClass(then.values);
    const others = this.candidates((f) => f !== cond && f !== then && valueClass(f.values) === cls && cond.values.length * then.values.length * f.values.length <= MAX_TABLE);
    // Every other time, or when no s-op fits, the else-branch is one of then's own values.
    const otherwise: Operand = e % 2 === 0 || others.length === 0 ? { atom: pick(then.values, d) } : { ref: this.biased(others, d)!.name };
    const otherFacts = "ref" in otherwise ? (this.facts.get(otherwise.ref) as SOpFacts) : null;
    const values = sortedUnique([...then.values, ...(otherFacts ? otherFacts.values : [(otherwise as { atom: Atom }).atom])]);
    if (values.length > this.maxValues) return this.compare([0, a, b, d, e]);
    this.addSOp(
      { op: "ternary", then: { ref: then.name }, cond: { ref: cond.name }, otherwise },
      { values, nullable: cond.nullable || then.nullable || (otherFacts?.nullable ?? false), numerical: false, injective: false, uniform: cond.uniform && then.uniform && (otherFacts?.uniform ?? true) },
      otherFacts ? [cond, then, otherFacts] : [cond, then],
    );
  }

  private inList(a: number, b: number, d: number): void {
    const x = this.operand(() => true, a);
    const list = sortedUnique([pick(x.values, b), pick(x.values, d)]);
    this.addSOp({ op: "inList", item: { ref: x.name }, list }, { values: [false, true], nullable: x.nullable, numerical: false, injective: false, uniform: x.uniform }, [x]);
  }

  private contains(a: number, b: number): void {
    const x = this.operand((f) => !f.nullable, a);
    this.addSOp({ op: "contains", item: pick(x.values, b), sop: { ref: x.name } }, { values: [false, true], nullable: false, numerical: false, injective: false, uniform: true }, [x]);
  }

  private index(a: number, b: number): void {
    const x = this.operand((f) => !f.numerical, a);
    const at = pick([0, -1, 1, 2, -2], b);
    this.addSOp({ op: "index", sop: { ref: x.name }, at }, { values: x.values, nullable: true, numerical: false, injective: false, uniform: true }, [x]);
  }

  // ---- selectors ----

  /** A select over existing s-ops, of a comparison their values allow. */
  private select(a: number, b: number, d: number, e: number): SelectorFacts {
    const k = this.operand(() => true, a);
    const ck = valueClass(k.values);
    let cmp = pick(SELECT_COMPARISONS, d);
    const fits = (q: SOpFacts) => (cmp === "==" || cmp === "!=" ? equatable(ck, valueClass(q.values)) : orderable(ck, valueClass(q.values)));
    let qs = this.candidates(fits);
    if (qs.length === 0) {
      cmp = "==";
      qs = this.candidates((q) => equatable(ck, valueClass(q.values)));
    }
    // Now and then one side is an atom: the query, as in `select(tokens, "a", ==)`, or the key.
    if (e % 12 === 4 && cmp !== "always") {
      const q = this.biased(qs, b)!;
      const atom = pick(q.values, d >> 3);
      const ordered = cmp !== "==" && cmp !== "!=";
      return this.addSelector(
        { op: "select", keys: { atom }, queries: { ref: q.name }, cmp: ordered && valueClass(q.values) === "mixed" ? "==" : cmp },
        { unique: false, nonEmpty: false, pairs: [`const${this.constants++}|${q.name}`], nullable: q.nullable },
        [q],
      );
    }
    if (e % 6 === 1 && cmp !== "always") {
      const atom = pick(k.values, b);
      return this.addSelector(
        { op: "select", keys: { ref: k.name }, queries: { atom }, cmp },
        { unique: cmp === "==" && k.injective, nonEmpty: false, pairs: [`${k.name}|const${this.constants++}`], nullable: k.nullable },
        [k],
      );
    }
    const q = this.biased(qs, b)!;
    return this.addSelector(
      { op: "select", keys: { ref: k.name }, queries: { ref: q.name }, cmp },
      {
        unique: cmp === "==" && k.injective,
        nonEmpty: cmp === "always" || (k === q && !k.nullable && (cmp === "==" || cmp === "<=" || cmp === ">=")),
        pairs: [`${k.name}|${q.name}`],
        nullable: k.nullable || q.nullable,
      },
      [k, q],
    );
  }

  /**
   * A select in which each query picks at most one key: keys that differ at every position
   * (indices, or a bijection of them), compared with `==` against any s-op of numbers, as shifts
   * (`select(indices, indices + 1, ==)`) and reversals are built.
   */
  private uniqueSelect(a: number, b: number): SelectorFacts | null {
    const ks = this.candidates((f) => f.injective && valueClass(f.values) !== "empty");
    const k = pick(ks, a);
    const qs = this.candidates((f) => equatable(valueClass(k.values), valueClass(f.values)) && f.values.some((v) => k.values.some((w) => atomEquals(v, w))));
    if (qs.length === 0) return null;
    const q = this.biased(qs, b)!;
    return this.addSelector(
      { op: "select", keys: { ref: k.name }, queries: { ref: q.name }, cmp: "==" },
      { unique: true, nonEmpty: k === q && !k.nullable, pairs: [`${k.name}|${q.name}`], nullable: k.nullable || q.nullable },
      [k, q],
    );
  }

  /** `or` and `not` may not mix selects over different s-ops when one of them can be None. */
  private static mayNegate(s: { nullable: boolean; pairs: readonly string[] }): boolean {
    return !s.nullable || new Set(s.pairs).size <= 1;
  }

  /** `and`, `or` or `not` of existing selectors (with `first` as the left one, when given). */
  private combineSelectors(a: number, b: number, d: number, e: number, first?: SelectorFacts): SelectorFacts {
    const all = this.selectorCandidates();
    if (all.length === 0) return this.select(a, b, d, e);
    const kind = pick(["or", "and", "not", "or"] as const, d);
    const left = first ?? pick(all, a);
    if (kind === "not" && Builder.mayNegate(left)) {
      return this.addSelector({ op: "selectorNot", inner: left.name }, { unique: false, nonEmpty: false, pairs: left.pairs, nullable: left.nullable }, [left]);
    }
    const union = (r: SelectorFacts) => ({ nullable: left.nullable || r.nullable, pairs: [...new Set([...left.pairs, ...r.pairs])] });
    const others = all.filter((r) => r !== left);
    const rights = kind === "or" ? others.filter((r) => Builder.mayNegate(union(r))) : others;
    const right = rights.length > 0 ? pick(rights, b) : left;
    const or = kind === "or" && right !== left;
    return this.addSelector(
      { op: or ? "selectorOr" : "selectorAnd", left: left.name, right: right.name },
      {
        unique: or ? false : left.unique || right.unique,
        nonEmpty: or ? left.nonEmpty || right.nonEmpty : left === right && left.nonEmpty,
        ...union(right),
      },
      [left, right],
    );
  }

  /**
   * The selector an aggregate or selector_width reads: an existing one that `ok` accepts, a new
   * select (one that picks a single key when `wantUnique`), or now and then a new select combined
   * with an existing selector by `and`, `or` or `not` (an `and` with a single-key selection still
   * picks a single key). Null when there is no room for a new statement and nothing fits.
   */
  private selectorFor(a: number, b: number, d: number, e: number, ok: (s: SelectorFacts) => boolean, wantUnique: boolean): SelectorFacts | null {
    const existing = this.selectorCandidates(ok);
    const mode = e % 4;
    const unread = existing.filter((f) => !this.read.has(f.name));
    const anyExisting = () => (existing.length > 0 ? pick(mode === 1 && unread.length > 0 ? unread : existing, a) : null);
    // A new select needs a statement of its own and a level of depth below the reader.
    if ((existing.length > 0 && (mode === 1 || mode === 2)) || this.room() < 2 || !this.fits(1)) return anyExisting();
    const combine = mode === 3 && this.room() >= 3 && this.fits(2);
    const made = this.withReserve(combine ? 2 : 1, () => (wantUnique ? this.uniqueSelect(a, b) : this.select(a, b, d, e >> 2)));
    if (!made || !combine) return made;
    if (!wantUnique) return this.withReserve(1, () => this.combineSelectors(a >> 3, b >> 3, d >> 3, e, made));
    // Keep a single-key selection single-key: only an `and` with it does.
    const other = this.withReserve(2, () =>
      this.room() >= 4 ? this.select(a >> 3, b >> 3, d >> 3, e >> 3) : maybePick(this.selectorCandidates().filter((f) => f !== made), a >> 3),
    );
    if (!other) return made;
    return this.withReserve(1, () =>
      this.addSelector(
        { op: "selectorAnd", left: made.name, right: other.name },
        { unique: true, nonEmpty: false, pairs: [...new Set([...made.pairs, ...other.pairs])], nullable: made.nullable || other.nullable },
        [made, other],
      ),
    );
  }

  /** Whether `levels` more operations fit above a built-in under the depth limit. */
  private fits(levels: number): boolean {
    return this.maxDepth - this.reserve - levels > 0;
  }

  /** Runs `f` with operands limited to `levels` fewer levels of depth (room for what will read its result). */
  private withReserve<T>(levels: number, f: () => T): T {
    const before = this.reserve;
    this.reserve += levels;
    try {
      return f();
    } finally {
      this.reserve = before;
    }
  }

  // ---- aggregates ----

  private aggregate(a: number, b: number, d: number, e: number): void {
    // Now and then the value is numerical and the aggregate is marked categorical: it copies the
    // selected value (read through a discretising MLP) instead of averaging.
    const copyable = e % 5 === 2 ? this.maybeOperand((f) => f.numerical && !f.nullable, a) : undefined;
    const x = copyable ?? this.operand((f) => !f.numerical, a);
    // A value that is the same at every position agrees with itself under any selection.
    const anySelection = x.uniform || e % 7 === 3;
    const sel = this.selectorFor(b, a, d, e, (s) => anySelection || s.unique, !anySelection);
    if (!sel) return this.compare([0, a, b, d, e]);
    if (!sel.unique && this.avoid.has("mean-of-equal-floats") && x.values.some((v) => typeof v === "number" && !Number.isInteger(v))) return this.compare([0, a, b, d, e]);
    // The default: none, one of the values, or one of another kind (a token, -1).
    const foreign = [this.opts.vocab[0]!, -1].filter(renderable);
    const dflt = d % 3 === 1 ? pick(x.values, b >> 3) : d % 3 === 2 && (e & 8) !== 0 ? pick(foreign, b >> 3) : undefined;
    const values = dflt === undefined ? x.values : sortedUnique([...x.values, dflt]);
    this.addSOp(
      { op: "aggregate", selector: sel.name, sop: { ref: x.name }, ...(dflt !== undefined ? { default: dflt } : {}) },
      { values, nullable: x.nullable || dflt === undefined, numerical: false, injective: false, uniform: x.uniform && sel.nonEmpty },
      [sel, x],
      { categorical: x.numerical },
    );
  }

  /** `numerical(aggregate(sel, v, 0))` of a numerical 0/1 (or small-count) s-op, made here if none exists. */
  private numericalAggregate(a: number, b: number, d: number, e: number): void {
    // Mostly 0/1 values (Tracr's numerical aggregates); now and then a mean of means.
    const manyValues = e % 8 === 6;
    const averageable = (f: SOpFacts) =>
      f.numerical && !f.nullable && (manyValues ? f.values.length <= 16 : f.values.length <= 3 && f.values.every((v) => typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v) && v >= 0)));
    let v = e % 2 === 0 ? this.maybeOperand(averageable, a) : undefined;
    if (!v) {
      if (this.room() < 2 || !this.fits(1)) return this.compare([0, a, b, d, e]);
      const flag = this.withReserve(1, () => this.operand((f) => !f.nullable, a));
      // Usually `numerical(indicator(b))`; sometimes left categorical, for the compiler to convert.
      const annotate = d % 4 !== 3;
      v = this.addSOp({ op: "unary", sym: "indicator", arg: { ref: flag.name } }, { values: [0, 1], nullable: false, numerical: annotate, injective: false, uniform: flag.uniform }, [flag], { numerical: annotate });
    }
    const sel = this.selectorFor(b, a, d, e >> 1, () => true, false);
    if (!sel) return this.compare([0, a, b, d, e]);
    const dflt = d % 5 === 4 ? 1 : 0;
    const nums = v.values.map((x) => (x === true ? 1 : x === false ? 0 : (x as number)));
    const means = aggregateMeans(nums, this.opts.maxLen, (_, count) => count > MAX_MEANS);
    if (!means) return this.compare([0, a, b, d, e]);
    this.addSOp(
      { op: "aggregate", selector: sel.name, sop: { ref: v.name }, default: dflt },
      { values: sortedUnique([...means, dflt]), nullable: false, numerical: true, injective: false, uniform: v.uniform && sel.nonEmpty },
      [sel, v],
      { numerical: true },
    );
  }

  private selectorWidth(a: number, b: number, d: number): void {
    const sel = this.selectorFor(a, b, d, d >> 2, () => true, false);
    if (!sel) return this.compare([0, a, b, d, 0]);
    const values = Array.from({ length: this.opts.maxLen + 1 }, (_, i) => i);
    this.addSOp({ op: "selectorWidth", selector: sel.name }, { values, nullable: false, numerical: false, injective: false, uniform: false }, [sel], b % 5 === 2);
  }

  /**
   * Operations on numerical s-ops: affine ones (`2 * frac - 1`, `opens - closes`) stay numerical and
   * compile to linear MLPs; comparisons (`frac > 0.5`) are read through a discretising MLP.
   */
  private numericalMap(a: number, b: number, d: number, e: number): void {
    const x = this.maybeOperand((f) => f.numerical && !f.nullable, a);
    if (!x) return this.numericalAggregate(a, b, d, e);
    const kind = b % 3;
    if (kind === 0) {
      const ys = this.candidates((f) => f !== x && f.numerical && !f.nullable && x.values.length * f.values.length <= MAX_MEANS * 4);
      if (ys.length > 0) {
        const y = this.biased(ys, d)!;
        const sym = e % 2 === 0 ? "-" : "+";
        const img = imageOf([x.values, y.values], binaryFn(sym), MAX_MEANS * 4);
        if (img) {
          this.addSOp(
            { op: "binary", sym, left: { ref: x.name }, right: { ref: y.name } },
            { values: img.values, nullable: false, numerical: true, injective: false, uniform: x.uniform && y.uniform },
            [x, y],
            this.avoid.has("numerical-sum"),
          );
          return;
        }
      }
    }
    if (kind <= 1) {
      const s = pick(ARITH_STEPS.filter((t) => t.linear), d);
      const k = pick(s.constants, e);
      const f = s.constantFirst ? (v: Atom) => applyBinary(s.sym, k, v) : (v: Atom) => applyBinary(s.sym, v, k);
      const img = imageOf([x.values], f, MAX_MEANS * 4);
      if (img) {
        this.addSOp(
          { op: "binary", sym: s.sym, left: s.constantFirst ? { atom: k } : { ref: x.name }, right: s.constantFirst ? { ref: x.name } : { atom: k } },
          { values: img.values, nullable: false, numerical: true, injective: false, uniform: x.uniform },
          [x],
        );
        return;
      }
    }
    // A threshold among the values it takes, so both sides of it occur.
    const t = maybePick(x.values.filter(renderable), d);
    if (t === undefined) return this.compare([0, a, b, d, e]);
    const sym = pick(COMPARISONS, e);
    this.addSOp({ op: "binary", sym, left: { ref: x.name }, right: { atom: t } }, { values: [false, true], nullable: false, numerical: false, injective: false, uniform: x.uniform }, [x]);
  }
}

function isNumberClass(f: SOpFacts): boolean {
  const c = valueClass(f.values);
  return c === "number" || c === "bool";
}

/** For each value u of the uniform operand, whether v -> f(u, v) (or f(v, u)) is one-to-one. */
function perValueOneToOne(uniformValues: readonly Atom[], values: readonly Atom[], f: (a: Atom, b: Atom) => Atom, uniformSecond: boolean): boolean {
  return uniformValues.every((u) => oneToOne(values, (v) => (uniformSecond ? f(v, u) : f(u, v))));
}
