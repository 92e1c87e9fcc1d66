// The size cap on lists and strings: every operation that builds one (range, string + and *, list
// + and *) stops at 1,000,000 items with a diagnostic at the operator, instead of exhausting memory
// or aborting Node (`[1] * 1000000000` used to end with a native stack trace, exit 134).
import { describe, expect, it } from "vitest";
import { errorOf, evalOn, valueOf } from "./helpers.js";

describe("list and string size cap", () => {
  it("list repetition past the cap is a diagnostic at '*'", () => {
    const src = "x = [1] * 1000000000;\n";
    expect(errorOf(src)).toEqual({ message: "list repetition would make 1000000000 items; the limit is 1,000,000", at: "1:9-9", text: "*" });
  });

  it("a doubling loop of list + stops at the cap, at '+'", () => {
    const src = "l = [1];\nfor i in range(30) {\n  l = l + l;\n}\n";
    expect(errorOf(src)).toEqual({ message: "list concatenation would make 1048576 items; the limit is 1,000,000", at: "3:9-9", text: "+" });
  });

  it("a doubling loop of string + stops at the cap with a diagnostic, not 'Invalid string length'", () => {
    const src = 'x = "ab";\nfor i in range(40) {\n  x = x + x;\n}\n';
    const e = errorOf(src);
    expect(e.message).toBe("string concatenation would be 1048576 characters long; the limit is 1,000,000");
    expect(e.at).toBe("3:7-11");
  });

  it("string repetition and range keep their caps", () => {
    expect(errorOf('x = "ab" * 600000;\n').message).toBe("string repetition would be longer than 1,000,000 characters");
    expect(errorOf("x = range(2000000);\n").message).toBe("range() would make 2000000 items; the limit is 1,000,000");
  });

  it("sizes up to the cap still work", () => {
    expect((valueOf("x = [0] * 500000 + [1] * 500000;\n") as unknown[]).length).toBe(1_000_000);
    expect((valueOf('x = "a" * 999999 + "b";\n') as string).length).toBe(1_000_000);
  });

  it("string concatenation inside an s-op map is capped per position too", () => {
    const src = 'big = "a" * 600000;\nx = tokens + big + big;\n';
    expect(() => evalOn(src, ["b"])).toThrow(/string concatenation would be 1200001 characters long; the limit is 1,000,000/);
  });
});
