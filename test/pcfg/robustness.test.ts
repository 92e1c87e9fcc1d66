// Whatever text it is given, the .pcfg front end returns: a grammar or at least one error, every
// diagnostic with a sane position, never an exception. Random bytes, and random streams of the
// language's own tokens (which get much further into the parser and the checks).
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { parsePcfg } from "../../compiler/pcfg/parse.js";
import { validateGrammar } from "../../compiler/pcfg/validate.js";

function checkText(source: string): void {
  const parsed = parsePcfg("fuzz.pcfg", source);
  const diagnostics = [...parsed.diagnostics];
  if (parsed.file) {
    const v = validateGrammar(parsed.file);
    diagnostics.push(...v.diagnostics);
    if (!v.grammar) expect(v.diagnostics.some((d) => d.severity === "error")).toBe(true);
  } else expect(parsed.diagnostics.length).toBeGreaterThan(0);
  for (const d of diagnostics) {
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.range.file).toBe("fuzz.pcfg");
    expect(d.range.startLine).toBeGreaterThanOrEqual(1);
    expect(d.range.startColumn).toBeGreaterThanOrEqual(1);
    expect(d.range.startOffset).toBeGreaterThanOrEqual(0);
    expect(d.range.startOffset).toBeLessThanOrEqual(source.length);
  }
}

const TOKEN_TEXTS = [
  "S", "A", "B", "NP", "x/y", "a-b", "1", "é", "->", "|", "'a'", '"b"', "''", "'#'", "[0.5]", "[.5]", "[1/3]", "[1e-3]", "[2]",
  "[-1]", "[x]", "[1/0]", "[", "]", "'open", "%start", "%other", "#c", "\\\n", "\\", "\n", "\r\n", " ", "$", ";", "→",
];

const tokenStream = fc.array(fc.constantFrom(...TOKEN_TEXTS), { maxLength: 80 }).map((ts) => ts.join(" "));

/** Rule-shaped lines: closer to real grammars, so the checks after parsing get exercised. */
const ruleLines = fc
  .array(
    fc.tuple(
      fc.constantFrom("S", "A", "B", "C"),
      fc.array(fc.tuple(fc.array(fc.constantFrom("S", "A", "B", "C", "'a'", "'b'", "D"), { maxLength: 3 }), fc.option(fc.constantFrom("[0.5]", "[1]", "[0]", "[1/3]", "[0.2]", "[0.499]"))), { minLength: 1, maxLength: 3 }),
    ),
    { maxLength: 8 },
  )
  .map((rules) => rules.map(([lhs, alts]) => `${lhs} -> ${alts.map(([syms, p]) => [...syms, p ?? ""].join(" ")).join(" | ")}`).join("\n"));

describe("the .pcfg front end never crashes", () => {
  test.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 300 })("on random bytes", (bytes) => {
    checkText(new TextDecoder("utf-8").decode(bytes));
  });
  test.prop([fc.string({ maxLength: 200, unit: "binary" })], { numRuns: 300 })("on random Unicode text", (s) => checkText(s));
  test.prop([tokenStream], { numRuns: 500 })("on random token streams", (s) => checkText(s));
  test.prop([ruleLines], { numRuns: 500 })("on random rule-shaped files", (s) => checkText(s));
});
