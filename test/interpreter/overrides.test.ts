// `--set NAME=VALUE` (loadProgram's overrides): a program's variant without editing its source.
import { describe, expect, it } from "vitest";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { parseOverrides } from "../../compiler/cli/commands/modelArgs.js";
import { evaluateSOp as evaluate } from "../../compiler/rasp/evaluate.js";

describe("overrides of global assignments", () => {
  it("compiles counter.rasp for another operand", () => {
    const program = loadProgram("rasp-programs/counter.rasp", undefined, new Map([["operand", "b"]]));
    expect(evaluate(outputSOp(program), ["a", "b", "b", "c"])[1]).toBe(2);
    expect(evaluate(outputSOp(loadProgram("rasp-programs/counter.rasp")), ["a", "b", "b", "c"])[1]).toBe(1);
  });

  it("names an override the program never assigns", () => {
    expect(() => loadProgram("rasp-programs/counter.rasp", undefined, new Map([["operandx", "b"]]))).toThrow("--set operandx: the program never assigns a global named 'operandx'");
  });

  it("reads VALUE as JSON when it is a scalar, else as a bare word", () => {
    expect([...parseOverrides(["operand=b", "o_pt=7", 'x="7"', "flag=true"])]).toEqual([["operand", "b"], ["o_pt", 7], ["x", "7"], ["flag", true]]);
    expect(() => parseOverrides(["=b"])).toThrow("expected NAME=VALUE");
    expect(() => parseOverrides(["no-equals"])).toThrow("expected NAME=VALUE");
  });
});
