// Selector literals (compiler/passes/selectorLiterals.ts) on their own: a selector tree becomes the
// conjunction one attention head can test, `not` pushed to the leaves, leaves over one key/query
// pair merged into one table; an `or` over several pairs is left to oneHeadSelector (refused here).
import { describe, expect, it } from "vitest";
import { loadProgram } from "../../compiler/interpreter/program.js";
import { selectorLiterals, type NodeLiteral } from "../../compiler/passes/selectorLiterals.js";
import { isSOp, type Selector } from "../../compiler/rasp/ops.js";

/** The selector named `sel` in a program that defines it from tokens and indices. */
function selector(expr: string): Selector {
  const program = loadProgram("inline.rasp", () => `sel = ${expr};\n`);
  const v = program.interpreter.global("sel");
  if (!v || isSOp(v)) throw new Error("not a selector");
  return v as Selector;
}

const SMALL = [0, 1, 2, 3, 4];

/** A literal's table over small integers, as [key][query]. */
function table(l: NodeLiteral): boolean[][] {
  return SMALL.map((k) => SMALL.map((q) => l.table(k, q)));
}

function expected(test: (k: number, q: number) => boolean): boolean[][] {
  return SMALL.map((k) => SMALL.map((q) => test(k, q)));
}

describe("selectorLiterals", () => {
  it("a plain select is one literal with its comparison as the table", () => {
    const ls = selectorLiterals(selector("select(tokens, indices, <)"));
    expect(ls).toHaveLength(1);
    expect(ls[0]!.keys.kind).toBe("tokens");
    expect(ls[0]!.queries.kind).toBe("indices");
    expect(table(ls[0]!)).toEqual(expected((k, q) => k < q));
  });

  it("merges an `or` of selects over one key/query pair into one table", () => {
    const ls = selectorLiterals(selector("select(tokens, indices, <) or select(tokens, indices, ==)"));
    expect(ls).toHaveLength(1);
    expect(table(ls[0]!)).toEqual(expected((k, q) => k <= q));
  });

  it("an `and` over two pairs is two literals, one per pair", () => {
    const ls = selectorLiterals(selector("select(tokens, tokens, ==) and select(indices, indices, <=)"));
    expect(ls.map((l) => [l.keys.kind, l.queries.kind])).toEqual([
      ["tokens", "tokens"],
      ["indices", "indices"],
    ]);
    expect(table(ls[0]!)).toEqual(expected((k, q) => k === q));
    expect(table(ls[1]!)).toEqual(expected((k, q) => k <= q));
  });

  it("pushes `not` to the leaves (De Morgan): not (A or B) over two pairs is not A and not B", () => {
    const ls = selectorLiterals(selector("not (select(tokens, tokens, ==) or select(indices, indices, <))"));
    expect(ls).toHaveLength(2);
    expect(table(ls[0]!)).toEqual(expected((k, q) => k !== q));
    expect(table(ls[1]!)).toEqual(expected((k, q) => !(k < q)));
  });

  it("two conjuncts over the same pair become one literal: both tables and-ed", () => {
    const ls = selectorLiterals(selector("select(indices, indices, <=) and select(indices, indices, >=)"));
    expect(ls).toHaveLength(1);
    expect(table(ls[0]!)).toEqual(expected((k, q) => k === q));
  });

  it("refuses an `or` over two pairs, which raspToGraph must first rewrite with oneHeadSelector", () => {
    expect(() => selectorLiterals(selector("select(tokens, tokens, ==) or select(indices, indices, <)"))).toThrow(/several key\/query pairs/);
  });
});
