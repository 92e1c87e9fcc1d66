// The None checks (compiler/passes/checkNone.ts): a numerical s-op that can be None is refused at
// the s-op that lets None in, with its source location; a default makes the same program compile.
import { describe, expect, it } from "vitest";
import { RaspError } from "../../compiler/language/diagnostics.js";
import { compileProgram, inline } from "../helpers/programs.js";

const compile = (text: string) => () => compileProgram(inline(text), { vocab: [1, 2, 3], maxLen: 4 });

function refusal(text: string): RaspError {
  try {
    compile(text)();
  } catch (e) {
    if (e instanceof RaspError) return e;
    throw e;
  }
  throw new Error("compiled, but should have been refused");
}

describe("checkNone", () => {
  it("refuses a numerical aggregate without a default, at its line", () => {
    const e = refusal("s = select(tokens, tokens, <);\nout = numerical(aggregate(s, tokens));\n");
    expect(e.message).toContain("has no default");
    expect(e.diagnostic.range.startLine).toBe(2);
  });

  it("refuses a numerical s-op that reads a None-able one", () => {
    const e = refusal("a = aggregate(select(tokens, tokens, <), tokens);\nout = numerical(a + 1);\n");
    expect(e.message).toMatch(/is numerical but can be None/);
  });

  it("compiles the same program once the aggregate has a default", () => {
    expect(compile("s = select(tokens, tokens, <);\nout = numerical(aggregate(s, tokens, 0));\n")).not.toThrow();
  });
});
