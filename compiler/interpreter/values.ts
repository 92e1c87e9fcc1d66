// The values a RASP program manipulates while it runs: atoms, s-ops and selectors (graph nodes),
// and the meta-level lists, dicts and functions that programs use to build them.
import type { FunctionDef, SourceRange } from "../language/ast.js";
import { isSelector, isSOp, type SOp, type Selector } from "../rasp/ops.js";
import { atomKey, formatAtom, type Atom } from "../rasp/values.js";

export type Value = Atom | SOp | Selector | ListValue | RaspDict | RaspFunction | BuiltinFunction;
export type ListValue = Value[];

/** A dict with Python's key equality (1, 1.0 and True are one key). Keys are atoms, as in Weiss's REPL. */
export class RaspDict {
  private readonly entries = new Map<string | number, { key: Atom; value: Value }>();

  get size(): number {
    return this.entries.size;
  }
  set(key: Atom, value: Value): void {
    this.entries.set(atomKey(key), { key, value });
  }
  get(key: Atom): Value | undefined {
    return this.entries.get(atomKey(key))?.value;
  }
  has(key: Atom): boolean {
    return this.entries.has(atomKey(key));
  }
  keys(): Atom[] {
    return [...this.entries.values()].map((e) => e.key);
  }
  items(): [Atom, Value][] {
    return [...this.entries.values()].map((e) => [e.key, e.value]);
  }
}

export class Env {
  private readonly vars = new Map<string, Value>();
  constructor(readonly parent: Env | null, readonly name: string) {}

  lookup(name: string): Value | undefined {
    const v = this.vars.get(name);
    if (v !== undefined) return v;
    return this.parent?.lookup(name);
  }
  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }
  set(name: string, value: Value): void {
    this.vars.set(name, value);
  }
  /** Every name visible from here, innermost first; for "did you mean" suggestions and the REPL. */
  names(): string[] {
    return [...new Set([...this.vars.keys(), ...(this.parent?.names() ?? [])])];
  }
  ownEntries(): [string, Value][] {
    return [...this.vars.entries()];
  }
}

/** A user function: `def name(params) { body; return e; }`, closing over the environment it was defined in. */
export class RaspFunction {
  constructor(readonly def: FunctionDef, readonly closure: Env) {}
  get name(): string {
    return this.def.name.name;
  }
  get arity(): number {
    return this.def.params.length;
  }
}

export interface BuiltinContext {
  readonly range: SourceRange;
  readonly argRanges: readonly SourceRange[];
}

export class BuiltinFunction {
  constructor(
    readonly name: string,
    readonly arity: number,
    readonly call: (args: Value[], ctx: BuiltinContext) => Value,
  ) {}
}

export function isAtom(v: Value): v is Atom {
  return v === null || typeof v === "number" || typeof v === "string" || typeof v === "boolean";
}

/** The kind of a value in words, for error messages ("expected an s-op, got a selector"). */
export function kindOf(v: Value): string {
  if (isAtom(v)) return `an atom (${v === null ? "None" : typeof v === "string" ? `string "${v}"` : formatAtom(v)})`;
  if (isSOp(v)) return `an s-op (${v.label})`;
  if (isSelector(v)) return `a selector (${v.label})`;
  if (Array.isArray(v)) return "a list";
  if (v instanceof RaspDict) return "a dict";
  if (v instanceof RaspFunction) return `a function (${v.name})`;
  return `a built-in function (${v.name})`;
}

export function truthyValue(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof RaspDict) return v.size > 0;
  if (isAtom(v)) return v !== null && v !== false && v !== 0 && v !== "";
  return true;
}

/** How a meta value prints in the REPL. */
export function formatValue(v: Value): string {
  if (isAtom(v)) return typeof v === "string" ? JSON.stringify(v) : formatAtom(v);
  if (Array.isArray(v)) return "[" + v.map(formatValue).join(", ") + "]";
  if (v instanceof RaspDict) return "{" + v.items().map(([k, x]) => `${formatValue(k)}: ${formatValue(x)}`).join(", ") + "}";
  if (v instanceof RaspFunction) return `function ${v.name}(${v.def.params.map((p) => p.name).join(", ")})`;
  if (v instanceof BuiltinFunction) return `built-in function ${v.name}`;
  return isSOp(v) ? `s-op ${v.label}` : `selector ${v.label}`;
}
