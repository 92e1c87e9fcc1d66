// The names every program starts with: Weiss's built-in s-ops (`tokens`, `indices`, `length` and
// the typed token views), Python's constants, and the functions that are not keywords.
import { RaspError } from "../language/diagnostics.js";
import { make, isSOp, isSelector, type Encoding, type IndicesOp, type LengthOp, type SOp, type TokensOp } from "../rasp/ops.js";
import { AtomError, pyStr, truthy, type Atom } from "../rasp/values.js";
import { BuiltinFunction, kindOf, type BuiltinContext, type Env, type Value } from "./values.js";

export interface Primitives {
  readonly tokens: TokensOp;
  readonly indices: IndicesOp;
  readonly length: LengthOp;
}

function toInt(x: Atom): Atom {
  if (typeof x === "boolean") return x ? 1 : 0;
  if (typeof x === "number") return Math.trunc(x);
  if (typeof x === "string" && /^\s*[-+]?\d+\s*$/.test(x)) return Number(x);
  throw new AtomError(`cannot convert ${pyStr(x)} to int`);
}

function toFloat(x: Atom): Atom {
  if (typeof x === "boolean") return x ? 1 : 0;
  if (typeof x === "number") return x;
  const v = typeof x === "string" ? Number(x) : NaN;
  if (typeof x === "string" && x.trim() !== "" && Number.isFinite(v)) return v;
  throw new AtomError(`cannot convert ${pyStr(x)} to float`);
}

function annotate(encoding: Encoding) {
  return (args: Value[], ctx: BuiltinContext): Value => {
    const v = args[0]!;
    if (!isSOp(v)) throw new RaspError(`${encoding}() annotates an s-op, got ${kindOf(v)}`, ctx.argRanges[0]!);
    if (v.encoding !== null && v.encoding !== encoding) {
      throw new RaspError(`'${v.label}' is already annotated ${v.encoding}; it cannot also be ${encoding}`, ctx.range);
    }
    v.encoding = encoding;
    return v;
  };
}

export function installBuiltins(env: Env): Primitives {
  const tokens = make.tokens();
  const indices = make.indices();
  const length = make.length();
  env.set("tokens", tokens);
  env.set("tokens_asis", tokens);
  env.set("indices", indices);
  env.set("length", length);
  // Weiss's typed views of the input. Tokens already keep their JSON type here (tokens_asis).
  const view = (name: string, f: (x: Atom) => Atom): SOp => make.map(f, tokens, name, null);
  env.set("tokens_str", view("tokens_str", pyStr));
  env.set("tokens_int", view("tokens_int", toInt));
  env.set("tokens_float", view("tokens_float", toFloat));
  env.set("tokens_bool", view("tokens_bool", truthy));
  env.set("True", true);
  env.set("False", false);
  env.set("None", null);
  env.set(
    "selector_width",
    new BuiltinFunction("selector_width", 1, (args, ctx) => {
      const s = args[0]!;
      if (!isSelector(s)) throw new RaspError(`selector_width() needs a selector, got ${kindOf(s)}`, ctx.argRanges[0]!);
      return make.selectorWidth(s, `selector_width(${s.label})`, ctx.range);
    }),
  );
  env.set("numerical", new BuiltinFunction("numerical", 1, annotate("numerical")));
  env.set("categorical", new BuiltinFunction("categorical", 1, annotate("categorical")));
  return { tokens, indices, length };
}
