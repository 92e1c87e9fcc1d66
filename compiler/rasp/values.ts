// Atoms — the values an s-op holds at one position — with Python's rules, as both reference
// implementations (Weiss's REPL and Tracr) inherit them from Python: `/` is true division, `%`
// takes the divisor's sign, `round` rounds half to even, `"a" * 3` is "aaa", `True == 1`.
//
// Numbers are JavaScript numbers; Python's int/float split is not kept (see docs/language.md):
// every operation gives Python's value, and an integral float prints like an int.

export type Atom = number | string | boolean | null;

/** Raised for a Python-level type or value error inside an operation; callers attach a location. */
export class AtomError extends Error {}

export function isNumeric(a: Atom): a is number | boolean {
  return typeof a === "number" || typeof a === "boolean";
}

function num(a: Atom, op: string): number {
  if (typeof a === "number") return a;
  if (typeof a === "boolean") return a ? 1 : 0;
  throw new AtomError(`cannot apply '${op}' to ${describeAtom(a)}`);
}

export function typeName(a: Atom): string {
  if (a === null) return "None";
  if (typeof a === "boolean") return "bool";
  if (typeof a === "string") return "string";
  return Number.isInteger(a) ? "int" : "float";
}

export function describeAtom(a: Atom): string {
  if (a === null) return "None"; // not "None None"
  return `${typeName(a)} ${formatAtom(a)}`;
}

/** Python truthiness. */
export function truthy(a: Atom): boolean {
  if (a === null) return false;
  if (typeof a === "string") return a.length > 0;
  if (typeof a === "number") return a !== 0;
  return a;
}

/** Python `==`: numbers and booleans compare by value, strings only with strings. */
export function atomEquals(a: Atom, b: Atom): boolean {
  if (a === b) return true;
  if (isNumeric(a) && isNumeric(b)) return num(a, "==") === num(b, "==");
  return false;
}

/** Python's ordering: numbers with numbers, strings with strings, anything else is a type error. */
export function compareAtoms(a: Atom, b: Atom, op: string): number {
  if (isNumeric(a) && isNumeric(b)) {
    const x = num(a, op);
    const y = num(b, op);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new AtomError(`cannot compare ${describeAtom(a)} with ${describeAtom(b)} using '${op}'`);
}

function checkFinite(x: number, op: string): number {
  if (!Number.isFinite(x)) throw new AtomError(`'${op}' overflowed to a non-finite number`);
  return x;
}

/** Python's `%`: the result takes the sign of the divisor. */
export function pyMod(x: number, y: number): number {
  if (y === 0) throw new AtomError("modulo by zero");
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r === 0 ? 0 : r;
}

/** Python's round(): half to even, to an integer. */
export function roundHalfEven(a: Atom): number {
  const x = num(a, "round");
  if (!Number.isFinite(x)) throw new AtomError(`cannot round ${describeAtom(a)}`);
  const f = Math.floor(x);
  const diff = x - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The longest list or string any operation may build: `range`, string `+` and `*`, list `+` and
 * `*`. Past it a doubling loop would exhaust memory (or V8's string limit) within a few steps.
 */
export const MAX_ITEMS = 1_000_000;
export const MAX_ITEMS_TEXT = "1,000,000";

export type AtomBinaryOp = "+" | "-" | "*" | "/" | "%" | "^" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

export function applyBinary(op: AtomBinaryOp, a: Atom, b: Atom): Atom {
  switch (op) {
    case "+":
      if (typeof a === "string" && typeof b === "string") {
        if (a.length + b.length > MAX_ITEMS) throw new AtomError(`string concatenation would be ${a.length + b.length} characters long; the limit is ${MAX_ITEMS_TEXT}`);
        return a + b;
      }
      if (isNumeric(a) && isNumeric(b)) return checkFinite(num(a, op) + num(b, op), op);
      throw new AtomError(`cannot add ${describeAtom(a)} and ${describeAtom(b)}`);
    case "-":
      return checkFinite(num(a, op) - num(b, op), op);
    case "*":
      if (typeof a === "string" && isNumeric(b)) return repeat(a, b);
      if (typeof b === "string" && isNumeric(a)) return repeat(b, a);
      return checkFinite(num(a, op) * num(b, op), op);
    case "/": {
      const d = num(b, op);
      if (d === 0) throw new AtomError("division by zero");
      return num(a, op) / d;
    }
    case "%":
      return pyMod(num(a, op), num(b, op));
    case "^":
      return power(num(a, op), num(b, op));
    case "==":
      return atomEquals(a, b);
    case "!=":
      return !atomEquals(a, b);
    case "<":
      return compareAtoms(a, b, op) < 0;
    case "<=":
      return compareAtoms(a, b, op) <= 0;
    case ">":
      return compareAtoms(a, b, op) > 0;
    case ">=":
      return compareAtoms(a, b, op) >= 0;
    case "and":
      return truthy(a) ? b : a;
    case "or":
      return truthy(a) ? a : b;
  }
}

function repeat(s: string, n: number | boolean): string {
  const k = typeof n === "boolean" ? (n ? 1 : 0) : n;
  if (!Number.isInteger(k)) throw new AtomError(`cannot repeat a string a non-integer number of times (${k})`);
  if (k * s.length > MAX_ITEMS) throw new AtomError(`string repetition would be longer than ${MAX_ITEMS_TEXT} characters`);
  return k <= 0 ? "" : s.repeat(k);
}

function power(x: number, y: number): number {
  if (x === 0 && y < 0) throw new AtomError("0 cannot be raised to a negative power");
  const r = Math.pow(x, y);
  if (Number.isNaN(r)) throw new AtomError(`${x} ^ ${y} is not a real number`);
  return checkFinite(r, "^");
}

export function applyNegate(a: Atom): Atom {
  return -num(a, "-") || 0; // `|| 0` turns -0 into 0, which Python ints never show
}

export function applyNot(a: Atom): Atom {
  return !truthy(a);
}

export function indicator(a: Atom): Atom {
  return truthy(a) ? 1 : 0;
}

/** Python's str() of an atom, as Weiss's `tokens_str` sees it. */
export function pyStr(a: Atom): string {
  if (a === null) return "None";
  if (typeof a === "boolean") return a ? "True" : "False";
  if (typeof a === "number") return formatNumber(a);
  return a;
}

function formatNumber(x: number): string {
  if (Number.isInteger(x)) return String(x);
  // Up to 6 significant decimals keeps displays short and still tells values apart.
  return String(Number(x.toFixed(6)));
}

/** How an atom is shown in tables and the REPL (strings unquoted, like Weiss's display). */
export function formatAtom(a: Atom): string {
  if (a === null) return "None";
  if (typeof a === "boolean") return a ? "True" : "False";
  if (typeof a === "number") return formatNumber(a);
  return a;
}

/** A JSON input token becomes an atom as it is (Weiss's `tokens_asis`). */
export function atomFromJson(x: unknown): Atom | undefined {
  if (x === null || typeof x === "string" || typeof x === "boolean") return x;
  if (typeof x === "number" && Number.isFinite(x)) return x;
  return undefined;
}

/** A key that makes equal atoms (by Python's `==` and hash) share one entry in a Map. */
export function atomKey(a: Atom): string | number {
  // Numbers key themselves (a Map compares them by value, with 0 and -0 alike): no formatting on
  // the value-set paths, which key thousands of fractions. Strings and None get string keys, which
  // can never equal a number.
  if (a === null) return "N";
  if (typeof a === "string") return "s" + a;
  return typeof a === "boolean" ? (a ? 1 : 0) : a;
}

/** Sort order for value sets and displays: None, then numbers, then strings. */
export function atomOrder(a: Atom, b: Atom): number {
  const rank = (x: Atom): number => (x === null ? 0 : typeof x === "string" ? 2 : 1);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 1) return num(a, "sort") - num(b, "sort");
  if (ra === 2) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  return 0;
}
