// Interpreter behaviour: the meta-language (functions, closures, loops, comprehensions, lists and
// dicts), elementwise s-op operations, select/aggregate semantics, annotations, None, and errors
// that point at the right source text.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { Interpreter, ParseFailure } from "../../compiler/interpreter/interpreter.js";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { RaspDict, RaspFunction } from "../../compiler/interpreter/values.js";
import { RaspError, UsageError } from "../../compiler/language/diagnostics.js";
import { evaluateSOp } from "../../compiler/rasp/evaluate.js";
import { isSOp, isSelector } from "../../compiler/rasp/ops.js";
import { errorOf, evalOn, raspError, run, selectorOn, sopOf, valueOf } from "./helpers.js";

const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");

describe("Python value rules, through the language", () => {
  const cases: [string, unknown][] = [
    ["-7 % 3", 2],
    ["7 % -3", -2],
    ["-7 % -3", -1],
    ["7 / 2", 3.5],
    ["1 / 4 * 2", 0.5],
    ["round(2.5)", 2],
    ["round(3.5)", 4],
    ["round(-0.5)", 0],
    ["round(-1.5)", -2],
    ['"a" * 3', "aaa"],
    ['3 * "ab"', "ababab"],
    ['"ab" + "c"', "abc"],
    ["1.0 == 1", true],
    ["True == 1", true],
    ["True + True", 2],
    ['"1" == 1', false],
    ["2^3^2", 64],
    ["-2^2", 4],
    ["2*5%3", 1],
    ["1+5%3", 3],
    ["2+3%2*4", 5],
    ["not 1 == 0", true],
    ["not (1 == 0)", true],
    ["1 if 0 else 2 if 0 else 3", 3],
    ["0 and 5", 0],
    ["2 and 5", 5],
    ['0 or "b"', "b"],
    ['"" or 0', 0],
    ["None or 7", 7],
    ["[] or 5", 5],
    ["indicator(3 > 2)", 1],
    ["indicator(0)", 0],
    ["None", null],
    ["True", true],
  ];
  it.each(cases)("%s == %j", (src, expected) => {
    expect(valueOf(`x = ${src};`)).toEqual(expected);
  });

  it("evaluates a ternary on an atom lazily, like Weiss's REPL", () => {
    expect(valueOf("x = 1 if True else 1 / 0;")).toBe(1);
    expect(valueOf("x = 1 / 0 if False else 2;")).toBe(2);
  });
});

describe("functions and scoping", () => {
  it("calls functions with several parameters and return values", () => {
    const i = run("def f(a, b) { s = a + b; return s, a - b; } p, q = f(5, 3); t = f(1, 1);");
    expect(i.global("p")).toBe(8);
    expect(i.global("q")).toBe(2);
    expect(i.global("t")).toEqual([2, 0]);
  });

  it("closes over the defining environment", () => {
    expect(valueOf("def make_adder(n) { def add(x) { return x + n; } return add; } add2 = make_adder(2); add5 = make_adder(5); x = [add2(3), add5(3)];")).toEqual([5, 8]);
  });

  it("sees the enclosing variable's latest value, as Python closures do", () => {
    expect(valueOf("def f() { y = 1; def g() { return y; } y = 2; return g; } x = f()();")).toBe(2);
  });

  it("keeps assignments inside a function local", () => {
    const i = run("y = 1; def f() { y = 2; z = 3; return y; } r = f();");
    expect(i.global("y")).toBe(1);
    expect(i.global("r")).toBe(2);
    expect(i.global("z")).toBeUndefined();
  });

  it("looks up globals when called, so a function may use names defined after it", () => {
    expect(valueOf("def f() { return later * 2; } later = 21; x = f();")).toBe(42);
  });

  it("lets parameters shadow globals", () => {
    expect(valueOf("n = 100; def f(n) { return n + 1; } x = f(1) + n;")).toBe(102);
  });

  it("supports recursion that terminates through a lazy ternary", () => {
    expect(valueOf("def fact(n) { return 1 if n <= 1 else n * fact(n - 1); } x = fact(6);")).toBe(720);
  });

  it("stops runaway recursion with an error instead of a stack overflow", () => {
    const e = errorOf("def f(n) { return f(n + 1); } x = f(0);");
    expect(e.message).toMatch(/calls nest deeper than \d+ \(runaway recursion in f\?\)/);
  });

  it("checks the number of arguments", () => {
    const src = "def f(a, b) { return a; } x = f(1);";
    const e = errorOf(src);
    expect(e.message).toBe("f() takes 2 arguments (a, b), got 1");
    expect(e.text).toBe("f(1)");
  });

  it("builds s-ops inside functions, one graph per call", () => {
    const i = run("def shift_by(s, k) { return aggregate(select(indices, indices - k, ==), s, 0); } a = shift_by(tokens, 1); b = shift_by(tokens, 2);");
    expect(evaluateSOp(sopOf(i, "a"), [1, 2, 3, 4])).toEqual([0, 1, 2, 3]);
    expect(evaluateSOp(sopOf(i, "b"), [1, 2, 3, 4])).toEqual([0, 0, 1, 2]);
  });

  it("keeps functions as values", () => {
    const f = valueOf("def f(x) { return x; } g = f; x = g;");
    expect(f).toBeInstanceOf(RaspFunction);
  });
});

describe("loops, comprehensions, lists and dicts", () => {
  it("runs for loops over ranges, lists, pairs and dict keys", () => {
    expect(valueOf("s = 0; for i in range(5) { s = s + i; } x = s;")).toBe(10);
    expect(valueOf('s = ""; for c in ["a", "b"] { s = s + c; } x = s;')).toBe("ab");
    expect(valueOf("s = 0; for a, b in zip([1, 2], [10, 20]) { s = s + a * b; } x = s;")).toBe(50);
    expect(valueOf('d = {"p": 1, "q": 2}; s = ""; for k in d { s = s + k; } x = s;')).toBe("pq");
  });

  it("builds s-ops in a loop", () => {
    const i = run("acc = indices; for k in range(3) { acc = acc + 1; } x = acc;");
    expect(evaluateSOp(sopOf(i, "x"), ["a", "b"])).toEqual([3, 4]);
  });

  it("evaluates comprehensions in their own scope", () => {
    expect(valueOf("x = [i * i for i in range(4)];")).toEqual([0, 1, 4, 9]);
    expect(valueOf("x = [a + b for a, b in zip([1, 2], [3, 4])];")).toEqual([4, 6]);
    expect(valueOf('x = [p[0] for p in ["()", "{}"]];')).toEqual(["(", "{"]);
    const e = errorOf("y = [i for i in range(3)]; x = i;");
    expect(e.message).toMatch(/unknown name 'i'/);
  });

  it("builds dicts, from literals and comprehensions, with Python's key equality", () => {
    const d = valueOf('x = {k: k * 10 for k in range(3)};');
    expect(d).toBeInstanceOf(RaspDict);
    expect(valueOf("d = {k: k * 10 for k in range(3)}; x = d[2];")).toBe(20);
    expect(valueOf('d = {1: "one"}; x = d[1.0];')).toBe("one");
    expect(valueOf('d = {1: "one"}; x = d[True];')).toBe("one");
    expect(valueOf('d = {"a": 1, "b": 2}; x = len(d);')).toBe(2);
    expect(valueOf('d = {"a": 1}; x = "a" in d;')).toBe(true);
  });

  it("implements range like Python", () => {
    expect(valueOf("x = range(4);")).toEqual([0, 1, 2, 3]);
    expect(valueOf("x = range(2, 5);")).toEqual([2, 3, 4]);
    expect(valueOf("x = range(5, 0, -2);")).toEqual([5, 3, 1]);
    expect(valueOf("x = range(0);")).toEqual([]);
    expect(valueOf("x = range(3, 1);")).toEqual([]);
    expect(errorOf("x = range(1, 5, 0);").message).toBe("range() step must not be zero");
    expect(errorOf("x = range(1.5);").message).toMatch(/range\(\) needs integers/);
  });

  it("zips lists of one length and measures lists, dicts and strings", () => {
    expect(valueOf('x = zip([1, 2], ["a", "b"]);')).toEqual([[1, "a"], [2, "b"]]);
    expect(valueOf("x = len([1, 2, 3]);")).toBe(3);
    expect(valueOf('x = len("hello");')).toBe(5);
    expect(errorOf("x = zip([1, 2], [1]);").message).toMatch(/zip\(\) needs lists of one length/);
  });

  it("indexes lists and strings from either end", () => {
    expect(valueOf("x = [5, 6, 7][-1];")).toBe(7);
    expect(valueOf('x = "abc"[1];')).toBe("b");
    const src = "xs = [1, 2]; x = xs[2];";
    const e = errorOf(src);
    expect(e.message).toBe("index 2 is out of range for a list of length 2");
    expect(e.text).toBe("2");
  });

  it("concatenates, repeats and compares lists", () => {
    expect(valueOf("x = [1] + [2, 3];")).toEqual([1, 2, 3]);
    expect(valueOf("x = [1, 2] * 2;")).toEqual([1, 2, 1, 2]);
    expect(valueOf("x = [1, 2] == [1.0, 2];")).toBe(true);
    expect(valueOf("x = [1, 2] != [2, 1];")).toBe(true);
    expect(valueOf("x = 2 in [1, 2];")).toBe(true);
    expect(valueOf('x = "at" in "cat";')).toBe(true);
  });

  it("assigns several names at once and checks the count", () => {
    expect(valueOf("a, b = 1, 2; a, b = b, a; x = [a, b];")).toEqual([2, 1]);
    const e = errorOf("a, b = 1, 2, 3;");
    expect(e.message).toBe("expected 2 values to assign to a, b, got 3");
    expect(errorOf("a, b = 5;").message).toMatch(/cannot unpack an atom \(5\) into 2 names/);
  });
});

describe("s-ops: elementwise operations", () => {
  it("starts with tokens, indices and length", () => {
    expect(evalOn("x = tokens;", "hey")).toEqual(["h", "e", "y"]);
    expect(evalOn("x = indices;", "hey")).toEqual([0, 1, 2]);
    expect(evalOn("x = length;", "hey")).toEqual([3, 3, 3]);
  });

  it("keeps tokens' JSON types, and offers Weiss's typed views", () => {
    expect(evalOn("x = tokens + 1;", [1, 2.5])).toEqual([2, 3.5]);
    expect(evalOn("x = tokens_int + 1;", ["1", "22"])).toEqual([2, 23]);
    expect(evalOn("x = tokens_str;", [1, true, "a"])).toEqual(["1", "True", "a"]);
    expect(evalOn("x = tokens_float / 2;", ["1", "3.5"])).toEqual([0.5, 1.75]);
    expect(evalOn("x = tokens_bool;", [0, 1, ""])).toEqual([false, true, false]);
  });

  it("lifts atoms on either side of an operator", () => {
    expect(evalOn("x = 3 * indices;", "hello")).toEqual([0, 3, 6, 9, 12]); // Weiss's README
    expect(evalOn("x = indices + indices;", "hello")).toEqual([0, 2, 4, 6, 8]); // Weiss's README
    expect(evalOn("x = 10 - indices;", "abc")).toEqual([10, 9, 8]);
    expect(evalOn("x = indices - 10;", "abc")).toEqual([-10, -9, -8]);
    expect(evalOn("x = indices % 2 == 0;", "abcd")).toEqual([true, false, true, false]);
    expect(evalOn("x = -indices;", "abc")).toEqual([0, -1, -2]);
    expect(evalOn('x = tokens * 2;', "ab")).toEqual(["aa", "bb"]);
  });

  it("combines several s-ops position by position", () => {
    expect(evalOn("x = tokens + indices;", [10, 20, 30])).toEqual([10, 21, 32]);
    expect(evalOn("x = indices * indices;", "abcd")).toEqual([0, 1, 4, 9]);
    expect(evalOn('x = tokens + "-" + tokens;', "ab")).toEqual(["a-a", "b-b"]);
  });

  it("applies not, and, or elementwise with Python's operand rules", () => {
    expect(evalOn("x = not (indices > 0);", "abc")).toEqual([true, false, false]);
    expect(evalOn("x = indices and 5;", "abc")).toEqual([0, 5, 5]);
    expect(evalOn('x = indices or "z";', "abc")).toEqual(["z", 1, 2]);
    expect(evalOn("x = (indices > 0) and (indices < 2);", "abc")).toEqual([false, true, false]);
  });

  it("rounds and indicates elementwise", () => {
    expect(evalOn("x = round(tokens);", [0.5, 1.5, 2.5, -0.5, 2.6])).toEqual([0, 2, 2, 0, 3]);
    expect(evalOn('x = indicator(tokens == "a");', "abca")).toEqual([1, 0, 0, 1]);
  });

  it("selects per position with an s-op condition in a ternary", () => {
    expect(evalOn('x = tokens if indices < 2 else "-";', "abcd")).toEqual(["a", "b", "-", "-"]);
    expect(evalOn("x = indices if tokens > 1 else 0;", [1, 3, 2, 0])).toEqual([0, 1, 2, 0]);
    expect(evalOn("x = 1 if indices == 1 else 2;", "abc")).toEqual([2, 1, 2]);
  });

  it("tests membership of each position's value in a list", () => {
    expect(evalOn('vowels = ["a", "e", "i", "o", "u"]; x = tokens in vowels;', "hey")).toEqual([false, true, false]); // Weiss's README
    expect(evalOn("x = tokens in [1, 2];", [1, 3, 2.0])).toEqual([true, false, true]);
  });

  it("tests whether an atom occurs anywhere in an s-op", () => {
    expect(evalOn('x = "e" in tokens;', "hey")).toEqual([true, true, true]); // Weiss's README
    expect(evalOn('x = "z" in tokens;', "hey")).toEqual([false, false, false]);
    expect(evalOn("x = 2 in tokens;", [1, 2.0, 3])).toEqual([true, true, true]);
  });

  it("indexes an s-op: every position reads one position, from the end when negative", () => {
    expect(evalOn("x = tokens[0];", [3, 4, 5])).toEqual([3, 3, 3]);
    expect(evalOn("x = tokens[2];", "abcd")).toEqual(["c", "c", "c", "c"]);
    expect(evalOn("x = tokens[-1];", [3, 4, 5])).toEqual([5, 5, 5]);
    expect(evalOn("x = tokens[-2];", "abcd")).toEqual(["c", "c", "c", "c"]);
    // Out of range: nothing is selected, so every position is None.
    expect(evalOn("x = tokens[5];", "abc")).toEqual([null, null, null]);
    expect(evalOn("x = tokens[-4];", "abc")).toEqual([null, null, null]);
    expect(evalOn('x = tokens[4];', "12345")).toEqual(["5", "5", "5", "5", "5"]); // Weiss's tests/indexing
  });

  it("indexes a list, string or dict with an s-op elementwise (Weiss's tests/indexing)", () => {
    expect(evalOn("b = [5, 8, 2, 9, 4, 7, 5]; x = b[indices];", "12345")).toEqual([5, 8, 2, 9, 4]);
    expect(evalOn('a = "qwertyuioplkjhgfdsazxcvbnm"; x = a[indices];', "12345")).toEqual(["q", "w", "e", "r", "t"]);
    expect(evalOn('a = "qwertyuioplkjhgfdsazxcvbnm"; x = a[indices * 3];', "12345")).toEqual(["q", "r", "u", "p", "j"]);
    expect(evalOn('d = {"1": 1, "2": 2, "3": 3, "4": 5, "5": 4}; x = d[tokens];', "12345")).toEqual([1, 2, 3, 5, 4]);
    expect(evalOn("b = [1, 2, 3]; x = b[-1 - indices];", "abc")).toEqual([3, 2, 1]);
    const missing = errorOf('d = {"1": 1}; x = d[indices];', "12");
    expect(missing.message).toBe("at position 0: key 0 is not in the dict");
    expect(missing.text).toBe("d[indices]");
    expect(errorOf("b = [1, 2]; x = b[indices];", "abc").message).toBe("at position 2: index 2 is out of range for a list of length 2");
    expect(errorOf("x = tokens[indices];").message).toMatch(/an index into an s-op must be an integer, got an s-op/);
  });
});

describe("s-ops applied to inputs, as in Weiss's REPL", () => {
  it("evaluates `sop(input)` on a list or a string", () => {
    expect(valueOf("x = indices([5, 6, 7]);")).toEqual([0, 1, 2]);
    expect(valueOf("x = (tokens + 1)([1, 2]);")).toEqual([2, 3]);
    expect(valueOf('x = tokens("abc");')).toEqual(["a", "b", "c"]);
    expect(valueOf('t = 3 * indices; x = t(["hi", "there"]);')).toEqual([0, 3]); // Weiss's README
    expect(valueOf('t = 3 * indices; x = t("hiya");')).toEqual([0, 3, 6, 9]); // Weiss's README
  });

  it("evaluates a selector to rows of booleans", () => {
    expect(valueOf('s = select(indices, indices, <); x = s("hey");')).toEqual([
      [false, false, false],
      [true, false, false],
      [true, true, false],
    ]);
  });

  it("rejects an empty or non-atom input", () => {
    expect(errorOf("x = tokens([]);").message).toMatch(/non-empty list of atoms or a string/);
    expect(errorOf("x = tokens([[1]]);").message).toMatch(/non-empty list of atoms or a string/);
    expect(errorOf("x = tokens(1, 2);").message).toMatch(/takes one input, got 2 arguments/);
  });
});

describe("select, aggregate and selector_width", () => {
  it("select(keys, queries, op) selects key k for query q when op(keys[k], queries[q])", () => {
    // Weiss's README: prevs = select(indices, indices, <) on "hey".
    expect(selectorOn("x = select(indices, indices, <);", "hey")).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [1, 1, 0],
    ]);
    // keys are tokens, queries are constant 2: every query selects the keys whose token is > 2.
    expect(selectorOn("x = select(tokens, 2, >);", [1, 3, 2, 5])).toEqual(Array(4).fill([0, 1, 0, 1]));
    expect(selectorOn("x = select(tokens, tokens, ==);", "hello")[2]).toEqual([0, 0, 1, 1, 0]);
  });

  it("supports all six comparisons", () => {
    const width = (op: string): number[] => evalOn(`x = selector_width(select(indices, 1, ${op}));`, "abc") as number[];
    expect(width("==")).toEqual([1, 1, 1]);
    expect(width("!=")).toEqual([2, 2, 2]);
    expect(width("<")).toEqual([1, 1, 1]);
    expect(width("<=")).toEqual([2, 2, 2]);
    expect(width(">")).toEqual([1, 1, 1]);
    expect(width(">=")).toEqual([2, 2, 2]);
  });

  it("averages the selected numbers", () => {
    expect(evalOn("x = aggregate(select(indices, indices, <=), tokens);", [2, 4, 6])).toEqual([2, 3, 4]);
    // Weiss's README: the fraction of "e" in "hey".
    expect(evalOn('full_s = select(1, 1, ==); x = aggregate(full_s, indicator(tokens == "e"));', "hey")).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(evalOn('full_s = select(1, 1, ==); x = aggregate(full_s, indicator(tokens == "e"));', "abcdeeee")).toEqual(Array(8).fill(0.5));
  });

  it("counts True as 1 in a mean of booleans (Tracr's rule)", () => {
    expect(evalOn('x = aggregate(select(indices, indices, <=), tokens == "a");', "aba")).toEqual([true, 0.5, 2 / 3]);
  });

  it("returns a single selected value as it is, of any type", () => {
    expect(evalOn("x = aggregate(select(indices, length - indices - 1, ==), tokens);", "hello")).toEqual([..."olleh"]);
    expect(evalOn("x = aggregate(select(indices, 0, ==), tokens);", [true, false])).toEqual([true, true]);
  });

  it("returns a value shared by all selected positions, even a string", () => {
    expect(evalOn("x = aggregate(select(tokens, tokens, ==), tokens);", "abab")).toEqual([..."abab"]);
  });

  it("refuses to average differing non-numeric values, naming the position", () => {
    const src = "x = aggregate(select(indices, indices, <=), tokens);";
    const e = errorOf(src, "abc");
    expect(e.message).toBe("aggregate at position 1 selects differing non-numeric values (a, b); it can only average numbers");
    expect(e.text).toBe("aggregate(select(indices, indices, <=), tokens)");
  });

  it("gives the default on an empty selection, or None without one", () => {
    expect(evalOn("x = aggregate(select(indices, indices, <), tokens);", [1, 3, 2])).toEqual([null, 1, 2]);
    expect(evalOn("x = aggregate(select(indices, indices, <), tokens, 0);", [1, 3, 2])).toEqual([0, 1, 2]);
    expect(evalOn('x = aggregate(select(indices, indices - 1, ==), tokens, "-");', "abc")).toEqual(["-", "a", "b"]);
    expect(evalOn("x = aggregate(select(indices, indices - 1, ==), tokens);", "abc")).toEqual([null, "a", "b"]);
  });

  it("propagates None through elementwise operations", () => {
    const prev = "p = aggregate(select(indices, indices - 1, ==), tokens);";
    expect(evalOn(`${prev} x = p + 1;`, [5, 6, 7])).toEqual([null, 6, 7]);
    expect(evalOn(`${prev} x = p * tokens;`, [5, 6, 7])).toEqual([null, 30, 42]);
    expect(evalOn(`${prev} x = not p;`, [5, 0, 7])).toEqual([null, false, true]);
    expect(evalOn(`${prev} x = round(p / 2);`, [5, 6, 7])).toEqual([null, 2, 3]);
    // A None key or query selects nothing.
    expect(evalOn(`${prev} x = selector_width(select(p, p, ==));`, [5, 5, 5])).toEqual([0, 2, 2]);
  });

  it("computes selector_width (Weiss's README histogram of \"hello\")", () => {
    expect(evalOn("same_token = select(tokens, tokens, ==); x = selector_width(same_token);", "hello")).toEqual([1, 1, 2, 2, 1]);
    expect(evalOn("x = selector_width(select(indices, indices, <));", "abcd")).toEqual([0, 1, 2, 3]);
  });

  it("combines selectors with and, or, not", () => {
    const base = "lt = select(indices, indices, <); eq = select(tokens, tokens, ==);";
    expect(selectorOn(`${base} x = lt and eq;`, "aab")).toEqual([[0, 0, 0], [1, 0, 0], [0, 0, 0]]);
    expect(selectorOn(`${base} x = lt or eq;`, "aab")).toEqual([[1, 1, 0], [1, 1, 0], [1, 1, 1]]);
    expect(selectorOn(`${base} x = not lt;`, "aab")).toEqual([[1, 1, 1], [0, 1, 1], [0, 0, 1]]);
  });

  it("accepts atoms as keys or queries (lifted to constant s-ops)", () => {
    expect(evalOn("x = selector_width(select(1, 1, ==));", "abc")).toEqual([3, 3, 3]);
  });
});

describe("encoding annotations", () => {
  it("marks s-ops numerical or categorical, unannotated by default", () => {
    const i = run("a = numerical(tokens + 1); b = categorical(tokens + 2); c = tokens + 3; d = numerical(numerical(tokens + 4));");
    expect(sopOf(i, "a").encoding).toBe("numerical");
    expect(sopOf(i, "b").encoding).toBe("categorical");
    expect(sopOf(i, "c").encoding).toBeNull();
    expect(sopOf(i, "d").encoding).toBe("numerical");
  });

  it("returns the same s-op, so annotating does not change values", () => {
    expect(evalOn("x = numerical(aggregate(select(indices, indices, <=), tokens));", [2, 4])).toEqual([2, 3]);
  });

  it("rejects conflicting annotations with the place of the second", () => {
    const src = "a = categorical(tokens + 1);\nx = numerical(a);";
    const e = errorOf(src);
    expect(e.message).toBe("'a' is already annotated categorical; it cannot also be numerical");
    expect(e.at).toBe("2:5-16");
    expect(e.text).toBe("numerical(a)");
  });

  it("annotates only s-ops", () => {
    const src = "x = numerical(select(indices, indices, <));";
    const e = errorOf(src);
    expect(e.message).toMatch(/^numerical\(\) annotates an s-op, got a selector/);
    expect(e.text).toBe("select(indices, indices, <)");
  });
});

describe("errors point at the offending source text", () => {
  it("unknown names, with a suggestion for a likely typo", () => {
    const src = "x = tokenz + 1;";
    const e = errorOf(src);
    expect(e.message).toBe("unknown name 'tokenz' (did you mean 'tokens'?)");
    expect(e.at).toBe("1:5-10");
    expect(errorOf("x = qqqqqq;").message).toBe("unknown name 'qqqqqq'");
  });

  it("a selector used where an s-op is needed", () => {
    const src = "s = select(indices, indices, <);\nx = s + 1;";
    const e = errorOf(src);
    expect(e.message).toMatch(/cannot apply '\+' to a selector/);
    expect(e.text).toBe("s");
    expect(e.at).toBe("2:5-5");
  });

  it("an s-op where aggregate needs a selector", () => {
    const src = "x = aggregate(tokens, tokens);";
    const e = errorOf(src);
    expect(e.message).toBe("aggregate's first argument must be a selector, got an s-op (tokens)");
    expect(e.text).toBe("tokens");
    expect(e.at).toBe("1:15-20");
  });

  it("selector_width of an s-op", () => {
    const e = errorOf("x = selector_width(tokens);");
    expect(e.message).toBe("selector_width() needs a selector, got an s-op (tokens)");
    expect(e.at).toBe("1:20-25");
  });

  it("and/or between a selector and an s-op", () => {
    const e = errorOf("x = select(indices, indices, <) and tokens;");
    expect(e.message).toMatch(/'and' combines two selectors or two s-ops\/atoms/);
    expect(e.text).toBe("and");
  });

  it("a selector as a ternary condition", () => {
    const e = errorOf("x = 1 if select(indices, indices, <) else 2;");
    expect(e.message).toMatch(/condition of 'x if c else y' must be an s-op or an atom, got a selector/);
    expect(e.text).toBe("select(indices, indices, <)");
  });

  it("an atom-level type error at definition time", () => {
    const e = errorOf('x = 1 + "a";');
    expect(e.message).toBe("cannot add int 1 and string a");
    expect(e.text).toBe('1 + "a"');
  });

  it("a type error found only when an s-op is evaluated names the position", () => {
    const src = "y = 0;\nx = tokens + 1;";
    const e = errorOf(src, ["a"]);
    expect(e.message).toBe("at position 0: cannot add string a and int 1");
    expect(e.text).toBe("tokens + 1");
    expect(e.at).toBe("2:5-14");
  });

  it("None in an operation with an atom, at evaluation time", () => {
    const e = errorOf("x = tokens + None;", [1]);
    expect(e.message).toBe("at position 0: cannot add int 1 and None");
  });

  it("calling something that is not a function", () => {
    const e = errorOf("y = 3; x = y(1);");
    expect(e.message).toBe("cannot call an atom (3)");
    expect(e.text).toBe("y");
  });

  it("iterating over an atom", () => {
    const e = errorOf("for i in 3 { y = i; }");
    expect(e.message).toMatch(/a for loop needs a list or dict to iterate over, got an atom \(3\)/);
    expect(e.text).toBe("3");
  });

  it("very deep expressions become a diagnostic, not a crash", () => {
    const src = `x = ${"not ".repeat(30_000)}1;`;
    let caught: unknown;
    try {
      run(src);
    } catch (e) {
      caught = e;
    }
    expect(caught instanceof RaspError || caught instanceof ParseFailure).toBe(true);
  });
});

describe("loading files", () => {
  const fx = (f: string): string => path.join(FIXTURES, f);

  it("loads a library by a path relative to the loading file", () => {
    const p = loadProgram(fx("load/main.rasp"));
    expect(evaluateSOp(outputSOp(p), [1, 2, 3])).toEqual([6, 4, 2]);
    expect(p.interpreter.global("answer")).toBe(42);
  });

  it("resolves ../ against the loading file's folder", () => {
    const p = loadProgram(fx("load/nested/deep.rasp"), undefined, new Map(), true);
    expect(evaluateSOp(outputSOp(p), "abc".split(""))).toEqual(["c", "b", "a"]);
  });

  it("reports a load cycle at the load statement that closes it", () => {
    const e = raspError(() => loadProgram(fx("load/cycle_a.rasp")));
    expect(e.message).toMatch(/^load cycle: .*cycle_a\.rasp -> .*cycle_b\.rasp -> .*cycle_a\.rasp$/);
    expect(e.at).toBe("1:6-19");
  });

  it("reports a missing file at its path", () => {
    const e = raspError(() => loadProgram(fx("load/missing.rasp")));
    expect(e.message).toMatch(/^cannot load "does_not_exist.rasp": .*no such file/);
    expect(e.at).toBe("2:6-26");
  });

  it("reports every unknown name and arity error of a file in one run (static check)", () => {
    let caught: unknown;
    try {
      loadProgram(fx("bad_names.rasp"));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ParseFailure);
    const ds = (caught as ParseFailure).diagnostics.map((d) => `${d.range.startLine}:${d.range.startColumn} ${d.message}`);
    expect(ds).toEqual([
      "2:5 unknown name 'tokenz' (did you mean 'tokens'?)",
      "3:36 unknown name 'indics' (did you mean 'indices'?)",
      "4:23 unknown name 'undefined_thing'",
      "5:5 f() takes 1 argument, got 2",
    ]);
  });

  it("reports a type error met while running the program", () => {
    const e = raspError(() => loadProgram(fx("runtime_error.rasp")));
    expect(e.message).toMatch(/cannot apply '\+' to a selector/);
    expect(e.at).toBe("3:7-7");
  });

  it("needs `out` unless another s-op is named", () => {
    const p = loadProgram(fx("no_out.rasp"));
    expect(() => outputSOp(p)).toThrow(UsageError);
    expect(() => outputSOp(p)).toThrow(/no variable named 'out'; assign the result to `out`/);
    expect(evaluateSOp(outputSOp(p, "result"), ["q"])).toEqual(["q"]);
    expect(() => outputSOp(p, "sel")).toThrow(/'sel' is a selector \(sel\), not an s-op/);
  });

  it("reports a file that does not exist", () => {
    expect(() => loadProgram(fx("nonexistent.rasp"))).toThrow(/no such file/);
  });
});

describe("graph nodes take the names they are assigned to", () => {
  it("labels an s-op with its first variable name, and keeps built-in names", () => {
    const i = run("a = tokens + 1; b = a; c = tokens; s = select(indices, indices, <);");
    expect(sopOf(i, "a").label).toBe("a");
    expect(sopOf(i, "b").label).toBe("a");
    expect(sopOf(i, "c").label).toBe("tokens");
    const s = i.global("s");
    expect(isSelector(s) && s.label).toBe("s");
  });

  it("runs the same program twice in fresh interpreters independently", () => {
    const a = new Interpreter();
    const b = new Interpreter();
    a.runSource("t.rasp", "x = tokens + 1;");
    b.runSource("t.rasp", "x = tokens + 2;");
    const xa = a.global("x");
    const xb = b.global("x");
    expect(isSOp(xa) && isSOp(xb)).toBe(true);
    expect(evaluateSOp(sopOf(a, "x"), [1])).toEqual([2]);
    expect(evaluateSOp(sopOf(b, "x"), [1])).toEqual([3]);
  });
});
