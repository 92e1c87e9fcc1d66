// The residual conventions every construction shares (compiler/craft/residual.ts): direction names
// that never collide between values, None with no direction, and the output-write helpers.
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { BOS_DIR, dirName, layoutDirs, mergeOut, numericDir, outputWrite, scratchDir, valueDirs } from "../../compiler/craft/residual.js";
import { numerical } from "./helpers.js";
import { atomEquals, type Atom } from "../../compiler/rasp/values.js";

describe("direction names", () => {
  it("name a categorical value as sop:value, quoting strings that would read as another value", () => {
    expect(dirName("x", "a")).toBe("x:a");
    expect(dirName("x", 3)).toBe("x:3");
    expect(dirName("x", "3")).toBe('x:"3"');
    expect(dirName("tokens", "BOS")).not.toBe(BOS_DIR);
    expect(dirName("x", 0.1 + 0.2)).toBe(`x:${String(0.1 + 0.2)}`);
  });

  const atom = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
  test.prop([atom, atom], { seed: 6606, numRuns: 300 })("two values share a name only when Python calls them equal", (a: Atom, b: Atom) => {
    if (!atomEquals(a, b)) expect(dirName("s", a)).not.toBe(dirName("s", b));
  });

  it("give None no direction", () => {
    expect(valueDirs("x", [null, "a", 1]).map((d) => d.dir)).toEqual(["x:a", "x:1"]);
  });
});

describe("output writes", () => {
  it("write a categorical value to its direction, a numerical one scaled into the single direction", () => {
    expect(outputWrite({ name: "y", encoding: "categorical", values: ["a", "b"] }, 2, "b")).toEqual([[2, "y:b", 1]]);
    expect(outputWrite({ name: "y", encoding: "numerical", values: [] }, 0, 3, -1)).toEqual([[0, "y", -3]]);
    expect(outputWrite({ name: "y", encoding: "numerical", values: [] }, 0, 0)).toEqual([]);
    expect(outputWrite({ name: "y", encoding: "categorical", values: ["a"] }, 0, null)).toEqual([]);
  });

  it("numerical s-ops have one direction, their name; scratch directions are named after their s-op; a layout owns its directions", () => {
    expect(numericDir(numerical("frac"))).toBe("frac");
    expect(scratchDir("w", "attention_to_BOS")).toBe("w.attention_to_BOS");
    expect(layoutDirs(numerical("frac", [0, 0.5, 1]))).toEqual(["frac"]);
    expect(layoutDirs({ name: "x", encoding: "categorical", values: [null, "a", 3] })).toEqual(["x:a", "x:3"]);
  });

  it("merge sums the writes to one (unit, direction) and drops the zeros", () => {
    const [y, z] = [numericDir(numerical("y")), numericDir(numerical("z"))];
    expect(mergeOut([[0, y, 1], [0, y, 2], [1, y, 1], [1, y, -1], [0, z, 4]])).toEqual([[0, "y", 3], [0, "z", 4]]);
  });
});
