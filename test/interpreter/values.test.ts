// Atoms follow Python's value rules (both reference implementations inherit them from Python).
// The expected values below are what CPython 3 prints for the same expressions.
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import {
  AtomError, applyBinary, applyNegate, applyNot, atomEquals, atomFromJson, atomKey, atomOrder, compareAtoms,
  describeAtom, formatAtom, indicator, pyMod, pyStr, roundHalfEven, truthy, typeName, type Atom,
} from "../../compiler/rasp/values.js";

describe("pyMod: the result takes the divisor's sign", () => {
  const cases: [number, number, number][] = [
    [7, 3, 1], [-7, 3, 2], [7, -3, -2], [-7, -3, -1], [6, 3, 0], [-6, 3, 0], [0, 5, 0],
    [7.5, 2, 1.5], [-7.5, 2, 0.5], [7.5, -2, -0.5], [1, 0.5, 0], [5, 10, 5], [-5, 10, 5],
  ];
  it.each(cases)("%d %% %d == %d", (x, y, r) => {
    expect(pyMod(x, y)).toBe(r);
    expect(applyBinary("%", x, y)).toBe(r);
  });

  it("never returns -0", () => {
    expect(Object.is(pyMod(-6, 3), 0)).toBe(true);
    expect(Object.is(pyMod(-0, 3), 0)).toBe(true);
  });

  it("raises for a zero divisor", () => {
    expect(() => pyMod(1, 0)).toThrow(AtomError);
    expect(() => applyBinary("%", 1, false)).toThrow(/modulo by zero/);
  });

  test.prop([fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -50, max: 50 }).filter((y) => y !== 0)])(
    "x == (x // y) * y + x % y, with 0 <= |x % y| < |y| and the sign of y",
    (x, y) => {
      const r = pyMod(x, y);
      expect(Math.floor(x / y) * y + r).toBe(x);
      expect(Math.abs(r)).toBeLessThan(Math.abs(y));
      if (r !== 0) expect(Math.sign(r)).toBe(Math.sign(y));
    },
  );
});

describe("roundHalfEven: Python's round()", () => {
  const cases: [number, number][] = [
    [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [2.4, 2], [2.6, 3], [-2.6, -3],
    [7, 7], [0, 0], [1e15 + 0.5, 1e15],
  ];
  it.each(cases)("round(%d) == %d", (x, r) => {
    expect(roundHalfEven(x)).toBe(r);
  });

  it("rounds booleans as 0 and 1", () => {
    expect(roundHalfEven(true)).toBe(1);
    expect(roundHalfEven(false)).toBe(0);
  });

  it("rejects strings, None and non-finite numbers", () => {
    expect(() => roundHalfEven("a")).toThrow(AtomError);
    expect(() => roundHalfEven(null)).toThrow(AtomError);
    expect(() => roundHalfEven(Infinity)).toThrow(/cannot round/);
  });

  test.prop([fc.integer({ min: -1e6, max: 1e6 })])("an integer plus one half rounds to the even neighbour", (n) => {
    const r = roundHalfEven(n + 0.5);
    expect(r % 2 === 0).toBe(true);
    expect([n, n + 1]).toContain(r);
  });
});

describe("atomEquals: Python's ==", () => {
  it("compares numbers and booleans by value", () => {
    expect(atomEquals(1, 1.0)).toBe(true);
    expect(atomEquals(true, 1)).toBe(true);
    expect(atomEquals(false, 0)).toBe(true);
    expect(atomEquals(true, 2)).toBe(false);
    expect(atomEquals(0.1 + 0.2, 0.3)).toBe(false); // floats are compared exactly, as in Python
  });

  it("never equates strings with numbers", () => {
    expect(atomEquals("1", 1)).toBe(false);
    expect(atomEquals("a", "a")).toBe(true);
    expect(atomEquals("", false)).toBe(false);
  });

  it("treats None as equal only to None", () => {
    expect(atomEquals(null, null)).toBe(true);
    expect(atomEquals(null, 0)).toBe(false);
    expect(atomEquals(null, "")).toBe(false);
  });

  const atom = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.constantFrom("a", "b", "", "1"), fc.constant(null), fc.constantFrom(0.5, 1.0, -0));
  test.prop([atom, atom])("is symmetric and agrees with atomKey", (a, b) => {
    expect(atomEquals(a, b)).toBe(atomEquals(b, a));
    expect(atomEquals(a, b)).toBe(atomKey(a) === atomKey(b));
  });
});

describe("compareAtoms: Python's ordering", () => {
  it("orders numbers with numbers and strings with strings", () => {
    expect(compareAtoms(1, 2, "<")).toBeLessThan(0);
    expect(compareAtoms(true, 0.5, ">")).toBeGreaterThan(0);
    expect(compareAtoms("b", "a", ">")).toBeGreaterThan(0);
    expect(compareAtoms("B", "a", "<")).toBeLessThan(0); // code-point order, as Python
    expect(compareAtoms(2, 2.0, "==")).toBe(0);
  });

  it("raises for mixed types and None, naming both operands", () => {
    expect(() => compareAtoms("a", 1, "<")).toThrow("cannot compare string a with int 1 using '<'");
    expect(() => compareAtoms(null, 1, "<")).toThrow(AtomError);
  });
});

describe("applyBinary", () => {
  it("divides truly", () => {
    expect(applyBinary("/", 7, 2)).toBe(3.5);
    expect(applyBinary("/", -7, 2)).toBe(-3.5);
    expect(applyBinary("/", 6, 3)).toBe(2);
    expect(applyBinary("/", true, 2)).toBe(0.5);
  });

  it("repeats strings like Python", () => {
    expect(applyBinary("*", "a", 3)).toBe("aaa");
    expect(applyBinary("*", 2, "ab")).toBe("abab");
    expect(applyBinary("*", "a", 0)).toBe("");
    expect(applyBinary("*", "a", -2)).toBe("");
    expect(applyBinary("*", "a", true)).toBe("a");
  });

  it("concatenates strings and adds numbers and booleans", () => {
    expect(applyBinary("+", "ab", "c")).toBe("abc");
    expect(applyBinary("+", true, true)).toBe(2);
    expect(applyBinary("+", 0.5, 1)).toBe(1.5);
    expect(applyBinary("-", 5, true)).toBe(4);
  });

  it("raises `^` to a power, left to right in the grammar but plain here", () => {
    expect(applyBinary("^", 2, 10)).toBe(1024);
    expect(applyBinary("^", -2, 2)).toBe(4);
    expect(applyBinary("^", 4, 0.5)).toBe(2);
    expect(applyBinary("^", 2, -1)).toBe(0.5);
  });

  it("compares with Python's rules", () => {
    expect(applyBinary("==", 1, 1.0)).toBe(true);
    expect(applyBinary("==", true, 1)).toBe(true);
    expect(applyBinary("!=", "1", 1)).toBe(true);
    expect(applyBinary("<=", 2, 2)).toBe(true);
    expect(applyBinary(">", "b", "a")).toBe(true);
    expect(applyBinary(">=", 1, 2)).toBe(false);
  });

  it("returns an operand from `and` and `or`, like Python", () => {
    expect(applyBinary("and", 2, 3)).toBe(3);
    expect(applyBinary("and", 0, 3)).toBe(0);
    expect(applyBinary("and", "", 3)).toBe("");
    expect(applyBinary("or", 0, "x")).toBe("x");
    expect(applyBinary("or", 2, 3)).toBe(2);
    expect(applyBinary("or", null, false)).toBe(false);
    expect(applyBinary("and", null, 1)).toBe(null);
  });

  const errors: [Parameters<typeof applyBinary>[0], Atom, Atom, RegExp][] = [
    ["+", "a", 1, /cannot add string a and int 1/],
    ["+", 1, null, /cannot add int 1 and None$/],
    ["-", "a", 1, /cannot apply '-' to string a/],
    ["*", "a", "b", /cannot apply '\*' to string a/],
    ["*", "a", 1.5, /non-integer/],
    ["*", "ab", 1e6, /longer than 1,000,000/],
    ["/", 1, 0, /division by zero/],
    ["/", 1, false, /division by zero/],
    ["/", null, 1, /cannot apply '\/' to None/],
    ["%", 1, 0, /modulo by zero/],
    ["^", 0, -1, /negative power/],
    ["^", -8, 1 / 3, /not a real number/],
    ["^", 10, 400, /non-finite/],
    ["*", 1e200, 1e200, /non-finite/],
    ["<", "a", 1, /cannot compare/],
    ["<", null, null, /cannot compare None with None/],
  ];
  it.each(errors)("%s on %j and %j raises %s", (op, a, b, message) => {
    expect(() => applyBinary(op, a, b)).toThrow(AtomError);
    expect(() => applyBinary(op, a, b)).toThrow(message);
  });
});

describe("unary operations and conversions", () => {
  it("negates numbers without producing -0", () => {
    expect(applyNegate(3)).toBe(-3);
    expect(applyNegate(true)).toBe(-1);
    expect(Object.is(applyNegate(0), 0)).toBe(true);
    expect(() => applyNegate("a")).toThrow(AtomError);
  });

  it("follows Python truthiness for not and indicator", () => {
    const cases: [Atom, boolean][] = [[0, false], [0.0, false], [1, true], [-1, true], ["", false], ["0", true], [null, false], [false, false], [true, true]];
    for (const [a, t] of cases) {
      expect(truthy(a)).toBe(t);
      expect(applyNot(a)).toBe(!t);
      expect(indicator(a)).toBe(t ? 1 : 0);
    }
  });

  it("names types and shows atoms as Python would", () => {
    expect([typeName(1), typeName(1.5), typeName(true), typeName("a"), typeName(null)]).toEqual(["int", "float", "bool", "string", "None"]);
    expect(describeAtom(null)).toBe("None");
    expect(describeAtom(2.5)).toBe("float 2.5");
    expect([pyStr(true), pyStr(null), pyStr(3), pyStr(0.1 + 0.2), pyStr("x")]).toEqual(["True", "None", "3", "0.3", "x"]);
    expect([formatAtom(false), formatAtom(1 / 3)]).toEqual(["False", "0.333333"]);
  });

  it("reads JSON tokens as they are", () => {
    expect(atomFromJson("a")).toBe("a");
    expect(atomFromJson(2.5)).toBe(2.5);
    expect(atomFromJson(true)).toBe(true);
    expect(atomFromJson(null)).toBe(null);
    expect(atomFromJson([1])).toBeUndefined();
    expect(atomFromJson({})).toBeUndefined();
  });

  it("sorts None first, then numbers, then strings", () => {
    const xs: Atom[] = ["b", 2, null, true, "a", 0.5];
    expect([...xs].sort(atomOrder)).toEqual([null, 0.5, true, 2, "a", "b"]);
  });
});
