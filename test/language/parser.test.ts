// Parser unit tests: the AST shapes of every statement and expression form, and the precedence
// and associativity quirks of Weiss's RASP.g4 that existing programs depend on.
import { describe, expect, it } from "vitest";
import type { AssignStatement, Expr } from "../../compiler/language/ast.js";
import { exprOf, parseOk, statementText } from "./astText.js";

describe("precedence and associativity (RASP.g4 quirks)", () => {
  const cases: [string, string][] = [
    // `^` is left-associative, unlike Python's `**`.
    ["2^3^2", "(^ (^ 2 3) 2)"],
    // Prefix minus binds tighter than `^`: `-2^2` is (-2)^2.
    ["-2^2", "(^ (- 2) 2)"],
    ["a ^ -b", "(^ a (- b))"],
    // `not` binds tighter than comparisons.
    ["not a == b", "(== (not a) b)"],
    ["not a and b", "(and (not a) b)"],
    ["not not a", "(not (not a))"],
    ["- - a", "(- (- a))"],
    ["+a", "(+ a)"],
    // `%` sits between `*`/`/` and `+`/`-`.
    ["2*5%3", "(% (* 2 5) 3)"],
    ["1+5%3", "(+ 1 (% 5 3))"],
    ["2+3%2*4", "(+ 2 (% 3 (* 2 4)))"],
    ["a % b * c", "(% a (* b c))"],
    ["a % b % c", "(% (% a b) c)"],
    ["a - b % c - d", "(- (- a (% b c)) d)"],
    ["a * b ^ c", "(* a (^ b c))"],
    // Left-associative arithmetic.
    ["a - b - c", "(- (- a b) c)"],
    ["a / b * c", "(* (/ a b) c)"],
    ["a + b * c", "(+ a (* b c))"],
    // Comparisons do not chain as in Python; they nest to the left.
    ["a < b < c", "(< (< a b) c)"],
    ["a + 1 == b * 2", "(== (+ a 1) (* b 2))"],
    ["a != b", "(!= a b)"],
    // `and` and `or` share one level, left-associative.
    ["a and b or c", "(or (and a b) c)"],
    ["a or b and c", "(and (or a b) c)"],
    ["a == b and c < d", "(and (== a b) (< c d))"],
    // The ternary is looser than and/or; its else-branch cannot be an unparenthesised ternary.
    ["a and b if c else d", "(if c (and a b) d)"],
    ["x if c else y and z", "(if c x (and y z))"],
    ["a if c else b if d else e", "(if d (if c a b) e)"],
    ["a if c else (b if d else e)", "(if c a (if d b e))"],
    ["a if b if c else d else e", "(if (if c b d) a e)"],
    ["a + 1 if c == 2 else b - 1", "(if (== c 2) (+ a 1) (- b 1))"],
    // `in` is the loosest operator of all.
    ["a in b if c else d", "(in a (if c b d))"],
    ["a in b in c", "(in (in a b) c)"],
    ["x + 1 in xs", "(in (+ x 1) xs)"],
    ["not x in y", "(in (not x) y)"],
    ["a or b in c", "(in (or a b) c)"],
    ["a if c else b in xs", "(in (if c a b) xs)"],
    // Parentheses override all of it.
    ["2^(3^2)", "(^ 2 (^ 3 2))"],
    ["-(2^2)", "(- (^ 2 2))"],
    ["not (a == b)", "(not (== a b))"],
    ["(a in b) if c else d", "(if c (in a b) d)"],
    // Postfix indexing and calls bind tightest and chain to the left.
    ["-x[0]", "(- (index x 0))"],
    ["f(x)[1](2)", "(call (index (call f x) 1) 2)"],
    ["f()", "(call f)"],
    ["f(a, b + 1)", "(call f a (+ b 1))"],
    ["xs[-1]", "(index xs (- 1))"],
    ["not f(x)", "(not (call f x))"],
    ["(tokens + 1)([1, 2])", "(call (+ tokens 1) [1 2])"],
  ];
  it.each(cases)("%s parses as %s", (source, expected) => {
    expect(exprOf(source)).toBe(expected);
  });
});

describe("built-in forms", () => {
  it("select takes any of the six comparisons", () => {
    for (const op of ["==", "!=", "<", "<=", ">", ">="]) {
      expect(exprOf(`select(keys, queries, ${op})`)).toBe(`(select keys queries ${op})`);
    }
  });

  it("allows whitespace (even a newline) before the parenthesis of select, aggregate, range, zip and len", () => {
    expect(exprOf("select (indices, indices, <)")).toBe("(select indices indices <)");
    expect(exprOf("select\n\t(indices, 0, ==)")).toBe("(select indices 0 ==)");
    expect(exprOf("aggregate (s, tokens)")).toBe("(aggregate s tokens)");
    expect(exprOf("aggregate(s, tokens, 0)")).toBe("(aggregate s tokens 0)");
    expect(exprOf("range (3)")).toBe("(range 3)");
    expect(exprOf("range(1, 10, 2)")).toBe("(range 1 10 2)");
    expect(exprOf("zip (a, b, c)")).toBe("(zip a b c)");
    expect(exprOf("len ([1])")).toBe("(len [1])");
  });

  it("keeps select's arguments as full expressions", () => {
    expect(exprOf("select(indices + 1, length - indices - 1, ==)")).toBe("(select (+ indices 1) (- (- length indices) 1) ==)");
    expect(exprOf("select(a if c else b, x in y, <)")).toBe("(select (if c a b) (in x y) <)");
  });

  it("treats select/aggregate/len/range/zip without a parenthesis as ordinary names", () => {
    expect(exprOf("len")).toBe("len");
    expect(exprOf("select + aggregate")).toBe("(+ select aggregate)");
    const p = parseOk("len = 3; range = len + 1; zip = [range];");
    expect(p.statements.map(statementText)).toEqual(["len = 3", "range = (+ len 1)", "zip = [range]"]);
  });

  it("parses round and indicator as keywords with a parenthesised operand", () => {
    expect(exprOf("round(x / 2) + 1")).toBe("(+ (round (/ x 2)) 1)");
    expect(exprOf("indicator(tokens == \"a\")")).toBe("(indicator (== tokens \"a\"))");
  });

  it("lexes names that merely start with a keyword as names", () => {
    const names = ["define", "format", "input", "iffy", "elsewhere", "android", "order", "note", "loaded", "rounded", "returned", "indicators", "selected", "lengths", "in2", "_if"];
    for (const n of names) expect(exprOf(n)).toBe(n);
  });
});

describe("literals", () => {
  it("reads ints, floats and strings", () => {
    expect(exprOf("42")).toBe("42");
    expect(exprOf("007")).toBe("7");
    expect(exprOf("3.25")).toBe("3.25");
    expect(exprOf("0.5 + 10.0")).toBe("(+ 0.5 10)");
    expect(exprOf('"hello world"')).toBe('"hello world"');
    expect(exprOf('""')).toBe('""');
    // A `#` inside a string is not a comment.
    expect(exprOf('"a#b"')).toBe('"a#b"');
  });

  it("keeps the numeric value of literals", () => {
    const p = parseOk("x = 1.5; y = 12;");
    const values = p.statements.map((s) => ((s as AssignStatement).values[0] as Expr & { value: number }).value);
    expect(values).toEqual([1.5, 12]);
  });

  it("parses lists and dicts, empty or not", () => {
    expect(exprOf("[]")).toBe("[]");
    expect(exprOf('[1, "a", 2.5, [x]]')).toBe('[1 "a" 2.5 [x]]');
    expect(exprOf("{}")).toBe("{}");
    expect(exprOf('{"a": 1, 2: "b", k: v + 1}')).toBe('{"a":1 2:"b" k:(+ v 1)}');
  });

  it("parses list and dict comprehensions", () => {
    expect(exprOf("[x * 2 for x in xs]")).toBe("[(* x 2) for x in xs]");
    expect(exprOf("[p[0] for p in pairs]")).toBe("[(index p 0) for p in pairs]");
    expect(exprOf("[a + b for a, b in zip(xs, ys)]")).toBe("[(+ a b) for a,b in (zip xs ys)]");
    expect(exprOf("{k: v for k, v in zip(ks, vs)}")).toBe("{k:v for k,v in (zip ks vs)}");
    expect(exprOf("[x for x in range(3)]")).toBe("[x for x in (range 3)]");
  });
});

describe("statements", () => {
  it("parses single and multiple assignment", () => {
    const p = parseOk("a = 1;\na, b = 1, 2;\nc, d = f();\ne = 1, 2;");
    expect(p.statements.map(statementText)).toEqual(["a = 1", "a,b = 1 2", "c,d = (call f)", "e = 1 2"]);
  });

  it("tells an expression statement `a == b;` from an assignment", () => {
    const p = parseOk("a == b;\na;\nf(a, b);");
    expect(p.statements.map((s) => s.kind)).toEqual(["expr", "expr", "expr"]);
    expect(p.statements.map(statementText)).toEqual(["(== a b)", "a", "(call f a b)"]);
  });

  it("parses function definitions with zero, one or several parameters and return values", () => {
    const p = parseOk(`
      def f() { return 1; }
      def g(x) { y = x + 1; return y; }
      def h(a, b) {
        s = a + b;
        # a comment inside a body
        d = a - b;
        return s, d;
      }`);
    expect(p.statements.map(statementText)).toEqual([
      "def f() {} return 1",
      "def g(x) {y = (+ x 1)} return y",
      "def h(a,b) {s = (+ a b); d = (- a b)} return s d",
    ]);
  });

  it("parses nested definitions and loops inside a function body", () => {
    const p = parseOk("def outer(n) { def inner(x) { return x + n; } for i in range(2) { n = n + i; } return inner; }");
    expect(statementText(p.statements[0]!)).toBe("def outer(n) {def inner(x) {} return (+ x n); for i in (range 2) {n = (+ n i)}} return inner");
  });

  it("parses for loops with one or several targets", () => {
    const p = parseOk('for i in range(3) { x = i; }\nfor k, v in zip(ks, vs) { d = k; e = v; }\nfor c in "abc" { y = c; }');
    expect(p.statements.map(statementText)).toEqual([
      "for i in (range 3) {x = i}",
      "for k,v in (zip ks vs) {d = k; e = v}",
      'for c in "abc" {y = c}',
    ]);
  });

  it("parses load statements", () => {
    const p = parseOk('load "lib/rasplib.rasp";\nload "x";');
    expect(p.statements.map(statementText)).toEqual(['load "lib/rasplib.rasp"', 'load "x"']);
  });

  it("ignores comments anywhere, including a last line without a newline", () => {
    const p = parseOk("# header\nx = 1; # trailing\n# between\ny = [1, # inside a list\n 2];\n# no newline at the end");
    expect(p.statements.map(statementText)).toEqual(["x = 1", "y = [1 2]"]);
  });

  it("accepts an empty program and one of only comments and whitespace", () => {
    expect(parseOk("").statements).toEqual([]);
    expect(parseOk("  \n\t# nothing\r\n").statements).toEqual([]);
  });

  it("accepts Windows line endings and tabs", () => {
    const p = parseOk("x = 1;\r\n\ty = x\r\n  + 2;\r\n");
    expect(p.statements.map(statementText)).toEqual(["x = 1", "y = (+ x 2)"]);
    expect(p.statements[1]!.range.startLine).toBe(2);
  });

  it("parses Weiss's library style: selectors combined with and/or in one expression", () => {
    const src = "s = select(key, key, <) or (select(key, key, ==) and select(indices, indices, <));";
    expect(statementText(parseOk(src).statements[0]!)).toBe("s = (or (select key key <) (and (select key key ==) (select indices indices <)))");
  });
});

describe("source ranges", () => {
  it("gives every node a 1-based line and column", () => {
    const p = parseOk("x = 1;\n  y = a +\n    bcd;");
    const s = p.statements[1] as AssignStatement;
    expect(s.range.startLine).toBe(2);
    expect(s.range.startColumn).toBe(3);
    const e = s.values[0]!;
    if (e.kind !== "binary") throw new Error("expected a binary expression");
    expect([e.range.startLine, e.range.startColumn, e.range.endLine, e.range.endColumn]).toEqual([2, 7, 3, 7]);
    expect([e.opRange.startLine, e.opRange.startColumn]).toEqual([2, 9]);
    expect([e.right.range.startLine, e.right.range.startColumn, e.right.range.endColumn]).toEqual([3, 5, 7]);
    // Offsets index the source text.
    expect(p.source.slice(e.right.range.startOffset, e.right.range.endOffset)).toBe("bcd");
    expect(p.source.slice(e.range.startOffset, e.range.endOffset)).toBe("a +\n    bcd");
  });

  it("covers a call's whole text, up to its closing parenthesis", () => {
    const p = parseOk("z = aggregate(select(indices, indices, <), tokens, 0);");
    const e = (p.statements[0] as AssignStatement).values[0]!;
    expect(p.source.slice(e.range.startOffset, e.range.endOffset)).toBe("aggregate(select(indices, indices, <), tokens, 0)");
    if (e.kind !== "aggregate") throw new Error("expected an aggregate");
    expect(p.source.slice(e.selector.range.startOffset, e.selector.range.endOffset)).toBe("select(indices, indices, <)");
  });

  it("records the file name and the load path's own range", () => {
    const p = parseOk('\n  load "lib.rasp";', "dir/main.rasp");
    const s = p.statements[0]!;
    if (s.kind !== "load") throw new Error("expected a load");
    expect(s.range.file).toBe("dir/main.rasp");
    expect([s.pathRange.startLine, s.pathRange.startColumn]).toEqual([2, 8]);
  });

  it("counts columns in UTF-16 code units after non-ASCII text in strings and comments", () => {
    const p = parseOk('# héllo §\nx = "§§"; y = 2;');
    const s = p.statements[1] as AssignStatement;
    expect([s.range.startLine, s.range.startColumn]).toEqual([2, 11]);
  });
});
