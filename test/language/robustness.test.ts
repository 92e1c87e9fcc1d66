// Robustness of the front end: whatever text it is given, parseProgram returns (it never throws),
// gives either a program or at least one diagnostic with a sane position, and does so quickly.
// The time bound is generous (a parse of these inputs takes well under a millisecond); it is
// here to catch pathological behaviour such as exponential backtracking, not to measure speed.
import { beforeAll, describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { parseProgram } from "../../compiler/language/parse.js";

const TIME_BOUND_MS = 200;

function checkParse(source: string): void {
  const t0 = performance.now();
  const r = parseProgram("fuzz.rasp", source);
  const elapsed = performance.now() - t0;
  expect(elapsed).toBeLessThan(TIME_BOUND_MS);
  if (r.program) {
    expect(r.diagnostics).toEqual([]);
    expect(r.program.source).toBe(source);
  } else {
    expect(r.diagnostics.length).toBeGreaterThan(0);
  }
  for (const d of r.diagnostics) {
    expect(d.severity).toBe("error");
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.range.file).toBe("fuzz.rasp");
    expect(d.range.startLine).toBeGreaterThanOrEqual(1);
    expect(d.range.startColumn).toBeGreaterThanOrEqual(1);
    expect(d.range.startOffset).toBeGreaterThanOrEqual(0);
    expect(d.range.startOffset).toBeLessThanOrEqual(source.length);
  }
}

/** Texts of every token kind of the language, plus near-misses that exercise the lexer's errors. */
const TOKEN_TEXTS = [
  "def", "return", "for", "in", "if", "else", "and", "or", "not", "load", "round", "indicator",
  "select", "aggregate", "range", "zip", "len", "select(", "aggregate (", "range(", "zip(", "len(",
  "x", "y", "tokens", "indices", "length", "selector_width", "True", "None", "_a1",
  "0", "12", "3.5", "007", '"a"', '""', '"two words"', '"§"',
  "==", "!=", "<=", ">=", "<", ">", "=", "+", "-", "*", "/", "%", "^",
  "(", ")", "[", "]", "{", "}", ",", ":", ";",
  "# comment\n", "\n", '"unclosed', "$", "1.", ".", "!", "é",
];

const tokenStream = fc
  .tuple(fc.array(fc.constantFrom(...TOKEN_TEXTS), { maxLength: 120 }), fc.constantFrom(" ", "", "\n", "\t"))
  .map(([tokens, sep]) => tokens.join(sep));

/** Statement-shaped streams: closer to real programs, so the parser gets deeper before failing. */
const statementish = fc
  .array(
    fc.oneof(
      tokenStream.map((s) => `x = ${s};`),
      tokenStream.map((s) => `def f(a) { ${s} return a; }`),
      tokenStream.map((s) => `for i in range(3) { ${s} }`),
      tokenStream.map((s) => `${s};`),
    ),
    { maxLength: 6 },
  )
  .map((ss) => ss.join("\n"));

const lenient = new TextDecoder("utf-8", { fatal: false });

describe("parseProgram never throws and always explains itself", () => {
  beforeAll(() => {
    parseProgram("warmup.rasp", "x = 1;"); // Chevrotain's self-analysis is not part of the bound
  });

  test.prop([fc.uint8Array({ maxLength: 400 })], { numRuns: 300 })("random bytes, decoded leniently", (bytes) => {
    checkParse(lenient.decode(bytes));
  });

  test.prop([fc.string({ unit: "grapheme-ascii", maxLength: 400 })], { numRuns: 300 })("random printable ASCII strings", (s) => {
    checkParse(s);
  });

  test.prop([fc.string({ unit: "grapheme", maxLength: 200 })], { numRuns: 200 })("random Unicode strings", (s) => {
    checkParse(s);
  });

  test.prop([tokenStream], { numRuns: 500 })("random streams of the language's tokens", (s) => {
    checkParse(s);
  });

  test.prop([statementish], { numRuns: 300 })("random token streams inside statement frames", (s) => {
    checkParse(s);
  });

  test.prop([fc.array(fc.constantFrom("(", "[", "{", ")", "]", "}", "x", ",", "- "), { maxLength: 600 })], { numRuns: 100 })(
    "random bracket soup, deep enough to hit the nesting guard",
    (parts) => {
      checkParse(`x = ${parts.join("")};`);
    },
  );
});
