// Every program the fuzzer has shrunk out of a compiler bug, compiled at the settings in its header
// and checked on every engine against the interpreter: on the input that failed and on random ones.
// Every file runs, always: an unfixed bug fails the suite. regressions/known-failing.json only
// steers the fuzz runs in fuzz.test.ts away from a construct while its bug is being fixed.
import * as fs from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProgram, defaultCompile } from "../../runtime/fuzz/check.js";
import { availableEngines, type FuzzEngine } from "../../runtime/fuzz/engines.js";
import { readFailureHeader } from "../../runtime/fuzz/failureFile.js";
import { makeRng } from "../../runtime/random.js";
import { randomInputs } from "../../runtime/verify.js";

const DIR = path.join(import.meta.dirname, "regressions");
const files = fs.readdirSync(DIR).filter((f) => f.endsWith(".rasp")).sort();
const known = JSON.parse(fs.readFileSync(path.join(DIR, "known-failing.json"), "utf8")) as Record<string, { reason: string }>;

let engines: FuzzEngine[] = [];
beforeAll(async () => {
  engines = (await availableEngines(["a"])).engines;
});

describe("fuzzer regressions", () => {
  it("known-failing.json names only files that exist", () => {
    expect(Object.keys(known).filter((f) => !files.includes(f))).toEqual([]);
  });

  for (const file of files) {
    it(known[file] ? `${file} (known failing: ${known[file].reason})` : file, async () => {
      const text = fs.readFileSync(path.join(DIR, file), "utf8");
      const { vocab, maxLen, input } = readFailureHeader(text);
      const inputs = [...(input ? [input] : []), ...randomInputs(vocab, maxLen, 200, makeRng(1))];
      const outcome = await checkProgram(text, { vocab, maxLen }, inputs, { compile: defaultCompile, engines });
      expect(outcome.kind === "ok" ? "ok" : JSON.stringify(outcome)).toBe("ok");
    });
  }
});
