// The compiler's entry point from a file (compiler/compileFile.ts): it compiles what the CLI
// compiles, and a bad option is refused before the file is read, naming the option field (the CLI
// rewords the same error with its flags).
import { describe, expect, it } from "vitest";
import { compileFile, compileFileWithSOp } from "../../compiler/compileFile.js";
import { ParseFailure } from "../../compiler/language/diagnostics.js";
import { GraphEvaluator } from "../../compiler/rasp/evaluate.js";
import { CompileOptionError } from "../../compiler/options.js";
import { withFlagNames } from "../../compiler/cli/commands/modelArgs.js";

const COUNTER = "rasp-programs/counter.rasp";
const vocab = ["a", "b", "c"];

describe("compileFile", () => {
  it("compiles a file's `out` and records its source", () => {
    const model = compileFile(COUNTER, { vocab, maxLen: 5 });
    expect(model.maxLen).toBe(5);
    expect(model.vocab).toEqual(vocab);
    expect(model.source.file).toBe(COUNTER);
    expect(model.layers.length).toBeGreaterThan(0);
  });

  it("fills the sources map with every file it read", () => {
    const sources = new Map<string, string>();
    compileFile(COUNTER, { vocab, maxLen: 5, sources });
    expect([...sources.keys()]).toContain(COUNTER);
  });

  it("names the field of a bad option, before reading the file", () => {
    const bad = (o: object) => () => compileFile("no/such/file.rasp", { vocab, maxLen: 5, ...o });
    expect(bad({ maxLen: 0 })).toThrow("maxLen must be a positive integer, got 0");
    expect(bad({ maxLen: 600 })).toThrow("maxLen 600 is larger than the supported 512");
    expect(bad({ vocab: ["a", "a"] })).toThrow("vocab lists a twice");
    expect(bad({ vocab: ["BOS"] })).toThrow('vocab contains the BOS token "BOS"; pick another bos');
    expect(bad({ coldness: -1 })).toThrow("coldness must be a positive number, got -1");
    expect(bad({ mlpBand: 0.9 })).toThrow("mlpBand must be in (0, 0.5], got 0.9");
    expect(bad({ maxLen: 0 })).toThrow(CompileOptionError);
  });

  it("reads as the CLI's flags when the CLI compiles", () => {
    const viaCli = (o: object) => () => withFlagNames(() => compileFile(COUNTER, { vocab, maxLen: 5, ...o }));
    expect(viaCli({ maxLen: 0 })).toThrow("--max-len must be a positive integer, got 0");
    expect(viaCli({ vocab: ["BOS"] })).toThrow('--vocab contains the BOS token "BOS"; pick another --bos');
  });

  it("compiles a program held in memory under its name, and hands back the s-op it compiled", () => {
    const text = 'x = tokens == "a";\nout = selector_width(select(x, x, ==));\n';
    const { model, sop, seconds } = compileFileWithSOp("mem.rasp", { vocab, maxLen: 4, read: () => text });
    expect(model.source).toEqual({ file: "mem.rasp", text, sop: "out" });
    expect(sop.label).toBe("out");
    expect(new GraphEvaluator(sop).run(["a", "b", "a"]).get(sop.id)).toEqual([2, 1, 2]);
    expect(seconds).toBeGreaterThanOrEqual(0);
    // Another s-op of the same text, and a syntax error located in it.
    expect(compileFile("mem.rasp", { vocab, maxLen: 4, read: () => text, sop: "x" }).output.sop).toBe("x");
    expect(() => compileFile("mem.rasp", { vocab, maxLen: 4, read: () => "out = ;\n" })).toThrow(ParseFailure);
  });

  it("names a missing s-op", () => {
    expect(() => compileFile(COUNTER, { vocab, maxLen: 5, sop: "nope" })).toThrow("no variable named 'nope'");
  });
});
