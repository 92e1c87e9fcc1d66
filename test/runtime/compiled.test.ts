// Compiled programs run on the engines and checked against the interpreter.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledFile } from "../../compiler/compileFile.js";
import { readModel, writeModel } from "../../compiler/model/modelFile.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { initTfjs } from "../../runtime/forward/forward.js";
import { decodeOutputs } from "../../runtime/forward/outputs.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { makeRng } from "../../runtime/random.js";
import { createRunner } from "../../runtime/forward/runModel.js";
import { makeTokenizer } from "../../runtime/forward/tokenize.js";
import { describeDeparture, exhaustiveCount, exhaustiveInputs, randomInputs, verifyModel } from "../../runtime/verify.js";
import { clone } from "../model/fixtures.js";
import { compileProgram, inline, library, type TestProgram } from "../helpers/programs.js";

beforeAll(async () => {
  await initTfjs();
});

function compile(p: TestProgram, vocab: Atom[], maxLen: number): CompiledFile {
  return compileProgram(p, { vocab, maxLen });
}

async function check(p: TestProgram, vocab: Atom[], maxLen: number, inputs: Iterable<Atom[]>) {
  const { model, sop } = compile(p, vocab, maxLen);
  const runner = await createRunner(model);
  try {
    return await verifyModel(model, sop, inputs, runner);
  } finally {
    runner.dispose();
  }
}

describe("compiled programs match the interpreter", () => {
  const cases: { name: string; program: TestProgram; vocab: Atom[]; maxLen: number }[] = [
    { name: 'out = tokens == "a"', program: inline('out = tokens == "a";\n'), vocab: ["a", "b", "c"], maxLen: 5 },
    { name: "reverse", program: library("reverse.rasp"), vocab: ["a", "b", "c", "d"], maxLen: 5 },
    { name: "hist", program: library("hist.rasp"), vocab: ["a", "b", "c", "d"], maxLen: 5 },
    { name: "sort", program: library("sort.rasp"), vocab: [1, 2, 3, 4], maxLen: 5 },
    { name: "frac_prevs (numerical)", program: library("frac_prevs.rasp"), vocab: ["h", "e", "l", "o"], maxLen: 5 },
  ];
  for (const c of cases) {
    it(`${c.name}: every input up to length ${c.maxLen}`, async () => {
      const report = await check(c.program, c.vocab, c.maxLen, exhaustiveInputs(c.vocab, c.maxLen));
      expect(report.total).toBe(exhaustiveCount(c.vocab.length, c.maxLen));
      expect(report.mismatches.map((m) => `${JSON.stringify(m.input)}: ${describeDeparture(m.departure ?? null)}`)).toEqual([]);
      expect(report.mismatchCount).toBe(0);
    });
  }

  it("tfjs and the Float64 reference decode compiled models identically", () => {
    const { model } = compile(library("sort.rasp"), [1, 2, 3, 4], 5);
    const tok = makeTokenizer(model);
    const ids = [...randomInputs([1, 2, 3, 4], 5, 200, makeRng(3))].map((x) => tok.encode(x, "t"));
    return createRunner(model).then(async (runner) => {
      try {
        expect(await runner.decode(ids)).toEqual(decodeOutputs(model, referenceForward(model, ids)));
      } finally {
        runner.dispose();
      }
    });
  });

  it("a compiled model survives the model file unchanged", () => {
    const { model } = compile(library("hist.rasp"), ["a", "b", "c", "d"], 5);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-compiled-"));
    try {
      writeModel(path.join(dir, "hist.json"), model);
      expect(readModel(path.join(dir, "hist.json"))).toEqual(model);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("verify explains mismatches", () => {
  it("finds the layer where a damaged model departs from the interpreter", async () => {
    const { model, sop } = compile(library("hist.rasp"), ["a", "b", "c", "d"], 5);
    // Silence layer 0's MLP output: `out` is never written.
    const broken = clone(model);
    for (const row of broken.layers[0]!.mlp!.w2) row.fill(0);
    const runner = await createRunner(broken);
    try {
      const report = await verifyModel(broken, sop, [["a", "b", "a"]], runner);
      expect(report.mismatchCount).toBe(1);
      const dep = report.mismatches[0]!.departure!;
      expect(dep).toMatchObject({ layer: 0, sop: "out", position: 0, expected: "2", residual: "all zero (None)" });
      expect(describeDeparture(dep)).toBe("first departs at layer 0 (s-op out, position 0: expected 2, residual says all zero (None))");
    } finally {
      runner.dispose();
    }
  });

  it("leaves out positions where the program averages differing values, and counts them", async () => {
    // Averaging two different strings has no defined value (Tracr's evaluator raises there).
    const { model, sop } = compile(inline('out = aggregate(select(indices, indices, <=), tokens);\n'), ["a", "b"], 3);
    const runner = await createRunner(model);
    try {
      const report = await verifyModel(model, sop, [["a"], ["a", "b"], ["b", "b"]], runner);
      expect(report.total).toBe(3);
      expect(report.skipped).toBe(0);
      expect(report.undefinedPositions).toBe(1);
      expect(report.mismatchCount).toBe(0);
    } finally {
      runner.dispose();
    }
  });

  it("skips inputs on which the interpreter raises, and counts them", async () => {
    // Dividing by a token that can be zero is an interpreter error on that input only.
    const { model, sop } = compile(inline('out = numerical(6 / tokens);\n'), [0, 1, 2], 2);
    const runner = await createRunner(model);
    try {
      const report = await verifyModel(model, sop, [[1], [0, 2], [2, 1]], runner);
      expect(report.total).toBe(3);
      expect(report.skipped).toBe(1);
      expect(report.firstSkipReason).toMatch(/division by zero .*\(on input \[0,2\]\)/);
      expect(report.mismatchCount).toBe(0);
    } finally {
      runner.dispose();
    }
  });
});

describe("random inputs without replacement", () => {
  it("never repeat a token, and stop at the vocabulary's size", () => {
    const inputs = [...randomInputs(["a", "b", "c"], 6, 300, makeRng(2), true)];
    for (const x of inputs) expect(new Set(x).size).toBe(x.length);
    expect(Math.max(...inputs.map((x) => x.length))).toBe(3);
  });
});
