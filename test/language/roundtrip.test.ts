// Property: a random expression tree, printed with only the parentheses that RASP.g4's precedence
// rules require, parses back to the same tree. This checks the whole precedence table at once
// (levels, associativity, the ternary's restricted else-branch, `in` being loosest), independently
// of the hand-picked cases in parser.test.ts.
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { exprOf } from "./astText.js";

type Tree =
  | { readonly k: "leaf"; readonly text: string }
  | { readonly k: "bin"; readonly op: string; readonly l: Tree; readonly r: Tree }
  | { readonly k: "un"; readonly op: string; readonly x: Tree }
  | { readonly k: "tern"; readonly then: Tree; readonly cond: Tree; readonly other: Tree }
  | { readonly k: "index"; readonly target: Tree; readonly index: Tree }
  | { readonly k: "call"; readonly callee: Tree; readonly args: readonly Tree[] }
  | { readonly k: "list"; readonly items: readonly Tree[] }
  | { readonly k: "select"; readonly keys: Tree; readonly queries: Tree; readonly op: string };

// Binding levels, loosest first: in, ternary, and/or, comparison, + -, %, * /, ^, prefix, postfix, primary.
const BIN_LEVEL: Record<string, number> = {
  in: 1, and: 3, or: 3, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
  "+": 5, "-": 5, "%": 6, "*": 7, "/": 7, "^": 8,
};
const TERNARY = 2;
const PREFIX = 9;
const POSTFIX = 10;
const PRIMARY = 11;

function level(t: Tree): number {
  switch (t.k) {
    case "bin":
      return BIN_LEVEL[t.op]!;
    case "tern":
      return TERNARY;
    case "un":
      return PREFIX;
    case "index":
    case "call":
      return POSTFIX;
    default:
      return PRIMARY;
  }
}

/** Source text with parentheses only where a child binds more loosely than its slot allows. */
function print(t: Tree, atLeast: number): string {
  const s = raw(t);
  return level(t) < atLeast ? `(${s})` : s;
}

function raw(t: Tree): string {
  switch (t.k) {
    case "leaf":
      return t.text;
    case "bin": {
      const l = BIN_LEVEL[t.op]!;
      // Left-associative: the left operand may sit at the same level, the right one must bind tighter.
      return `${print(t.l, l)} ${t.op} ${print(t.r, l + 1)}`;
    }
    case "un":
      return `${t.op} ${print(t.x, PREFIX)}`;
    case "tern":
      // then: a logical expression or a ternary (they chain to the left); cond: any expression;
      // else: a logical expression, never an unparenthesised ternary.
      return `${print(t.then, TERNARY)} if ${print(t.cond, 1)} else ${print(t.other, TERNARY + 1)}`;
    case "index":
      return `${print(t.target, POSTFIX)}[${print(t.index, 1)}]`;
    case "call":
      return `${print(t.callee, POSTFIX)}(${t.args.map((a) => print(a, 1)).join(", ")})`;
    case "list":
      return `[${t.items.map((a) => print(a, 1)).join(", ")}]`;
    case "select":
      return `select(${print(t.keys, 1)}, ${print(t.queries, 1)}, ${t.op})`;
  }
}

/** The tree in the notation of astText.ts's sexpr. */
function expected(t: Tree): string {
  switch (t.k) {
    case "leaf":
      return t.text.startsWith('"') ? t.text : String(/^\d/.test(t.text) ? Number(t.text) : t.text);
    case "bin":
      return `(${t.op} ${expected(t.l)} ${expected(t.r)})`;
    case "un":
      return `(${t.op} ${expected(t.x)})`;
    case "tern":
      return `(if ${expected(t.cond)} ${expected(t.then)} ${expected(t.other)})`;
    case "index":
      return `(index ${expected(t.target)} ${expected(t.index)})`;
    case "call":
      return `(call ${[t.callee, ...t.args].map(expected).join(" ")})`;
    case "list":
      return `[${t.items.map(expected).join(" ")}]`;
    case "select":
      return `(select ${expected(t.keys)} ${expected(t.queries)} ${t.op})`;
  }
}

// No `len`/`select`/... among the names: followed by `(` they are keywords (`len(` is one token in RASP.g4).
const leaf = fc.oneof(
  fc.constantFrom("a", "b", "xs", "tokens", "indices", "length", "f").map((text): Tree => ({ k: "leaf", text })),
  fc.nat({ max: 99 }).map((n): Tree => ({ k: "leaf", text: String(n) })),
  fc.constantFrom('"a"', '"x y"', '""').map((text): Tree => ({ k: "leaf", text })),
);

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.record({ k: fc.constant("bin" as const), op: fc.constantFrom(...Object.keys(BIN_LEVEL)), l: tie("tree"), r: tie("tree") }),
    fc.record({ k: fc.constant("un" as const), op: fc.constantFrom("not", "-", "+"), x: tie("tree") }),
    fc.record({ k: fc.constant("tern" as const), then: tie("tree"), cond: tie("tree"), other: tie("tree") }),
    fc.record({ k: fc.constant("index" as const), target: tie("tree"), index: tie("tree") }),
    fc.record({ k: fc.constant("call" as const), callee: tie("tree"), args: fc.array(tie("tree"), { maxLength: 3 }) }),
    fc.record({ k: fc.constant("list" as const), items: fc.array(tie("tree"), { maxLength: 3 }) }),
    fc.record({ k: fc.constant("select" as const), keys: tie("tree"), queries: tie("tree"), op: fc.constantFrom("==", "!=", "<", "<=", ">", ">=") }),
  ),
}));

describe("minimal-parenthesis printing round-trips through the parser", () => {
  test.prop([tree], { numRuns: 400 })("print(tree) parses back to tree", (t) => {
    expect(exprOf(print(t, 1))).toBe(expected(t));
  });

  test.prop([tree], { numRuns: 200 })("fully parenthesised printing parses back to the same tree", (t) => {
    const full = (x: Tree): string => {
      switch (x.k) {
        case "leaf":
          return x.text;
        case "bin":
          return `(${full(x.l)} ${x.op} ${full(x.r)})`;
        case "un":
          return `(${x.op} ${full(x.x)})`;
        case "tern":
          return `(${full(x.then)} if ${full(x.cond)} else ${full(x.other)})`;
        case "index":
          return `(${full(x.target)}[${full(x.index)}])`;
        case "call":
          return `(${full(x.callee)}(${x.args.map(full).join(", ")}))`;
        case "list":
          return `[${x.items.map(full).join(", ")}]`;
        case "select":
          return `select(${full(x.keys)}, ${full(x.queries)}, ${x.op})`;
      }
    };
    expect(exprOf(full(t))).toBe(expected(t));
  });
});
