// Every program of rasp-programs/ (not weiss/), compiled at the vocabulary and max length that
// rasp-programs/README.md suggests and at one or two other settings, against the interpreter:
// a fast-check property over random batches of inputs (a failing batch shrinks to one input), and
// every input where there are few enough. verifyModel leaves out the positions a program leaves
// undefined (a categorical aggregate over differing values), so those need no special casing here.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import type { CompiledModel } from "../../compiler/model/types.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { initTfjs } from "../../runtime/forward/forward.js";
import { createRunner, type ModelRunner } from "../../runtime/forward/runModel.js";
import { describeDeparture, exhaustiveCount, exhaustiveInputs, verifyModel, type VerifyReport } from "../../runtime/verify.js";
import { compileProgram, library, PROGRAMS } from "../helpers/programs.js";

const topLevelFiles = fs.readdirSync(PROGRAMS).filter((f) => f.endsWith(".rasp")).sort();

/** Inputs up to this many are all tried. */
const EXHAUSTIVE_LIMIT = 6000;

interface Setting {
  readonly vocab: readonly Atom[];
  readonly maxLen: number;
  /** The README's vocab and max len for this program. */
  readonly suggested?: boolean;
  /** Tokens drawn without replacement (the program assumes distinct tokens). */
  readonly distinct?: boolean;
}

const letters = (n: number): string[] => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + i));
const abcd = letters(4);
const brackets = ["a", "b", "c", "(", ")"];

/**
 * sort.rasp and sort_freq.rasp break ties with index / max_seq_len, so they are only correct up to
 * the max_seq_len written in the file; it is read from the file rather than assumed.
 */
function fileMaxSeqLen(file: string): number {
  const m = /^max_seq_len\s*=\s*(\d+)\s*;/m.exec(fs.readFileSync(path.join(PROGRAMS, file), "utf8"));
  if (!m) throw new Error(`${file}: no max_seq_len assignment`);
  return Number(m[1]);
}

function sortSettings(file: string): Setting[] {
  const m = fileMaxSeqLen(file);
  return [
    { vocab: [1, 2, 3, 4], maxLen: m, suggested: true },
    { vocab: [1, 2], maxLen: m },
    { vocab: [1, 2, 3, 4, 5, 6], maxLen: Math.min(m, 4) },
  ];
}

const SETTINGS: Record<string, () => Setting[]> = {
  "count.rasp": () => [{ vocab: letters(3), maxLen: 8, suggested: true }, { vocab: letters(2), maxLen: 10 }, { vocab: letters(5), maxLen: 16 }],
  "count_less_freq.rasp": () => [{ vocab: abcd, maxLen: 6, suggested: true }, { vocab: letters(2), maxLen: 10 }, { vocab: letters(5), maxLen: 12 }],
  "counter.rasp": () => [{ vocab: letters(9), maxLen: 10, suggested: true }, { vocab: letters(3), maxLen: 6 }],
  "detect_pattern.rasp": () => [{ vocab: letters(3), maxLen: 6, suggested: true }, { vocab: abcd, maxLen: 10 }],
  "frac_prevs.rasp": () => [{ vocab: ["h", "e", "l", "o"], maxLen: 5, suggested: true }, { vocab: ["l", "x"], maxLen: 10 }, { vocab: ["h", "e", "l", "o"], maxLen: 12 }],
  "hist.rasp": () => [{ vocab: abcd, maxLen: 5, suggested: true }, { vocab: letters(6), maxLen: 12 }],
  "length.rasp": () => [{ vocab: abcd, maxLen: 5, suggested: true }, { vocab: ["a"], maxLen: 20 }, { vocab: abcd, maxLen: 12 }],
  "max_identifier.rasp": () => [
    { vocab: letters(26), maxLen: 10, suggested: true, distinct: true },
    { vocab: letters(8), maxLen: 8, distinct: true },
    // With repeats the target token is still unique (a larger token has more smaller ones).
    { vocab: letters(3), maxLen: 6 },
  ],
  "nary_sequencemap.rasp": () => [{ vocab: [1, 2, 3], maxLen: 5, suggested: true }, { vocab: [-2, 0, 7], maxLen: 6 }, { vocab: [0, 1, 2, 3, 4, 5], maxLen: 8 }],
  "pair_balance.rasp": () => [{ vocab: brackets, maxLen: 10, suggested: true }, { vocab: ["(", ")"], maxLen: 10 }],
  "reverse.rasp": () => [{ vocab: abcd, maxLen: 5, suggested: true }, { vocab: letters(2), maxLen: 10 }, { vocab: letters(5), maxLen: 12 }],
  "shift_by.rasp": () => [{ vocab: abcd, maxLen: 5, suggested: true }, { vocab: letters(2), maxLen: 10 }, { vocab: [0, 1, 2], maxLen: 7 }],
  "shuffle_dyck.rasp": () => [{ vocab: brackets, maxLen: 10, suggested: true }, { vocab: ["(", ")"], maxLen: 10 }],
  "shuffle_dyck2.rasp": () => [{ vocab: ["(", ")", "{", "}"], maxLen: 5, suggested: true }, { vocab: ["(", ")", "{", "}"], maxLen: 10 }],
  "sort.rasp": () => sortSettings("sort.rasp"),
  "sort_freq.rasp": () => sortSettings("sort_freq.rasp"),
  "sort_unique.rasp": () => [{ vocab: [1, 2, 3, 4], maxLen: 5, suggested: true }, { vocab: [1, 2, 3, 4, 5, 6, 7, 8], maxLen: 8, distinct: true }],
};

/**
 * rasp-programs/suggested.json, where it exists, is the README's table in machine-readable form;
 * it then decides the suggested setting, so that the two cannot drift apart here.
 */
const suggestedFile = path.join(PROGRAMS, "suggested.json");
const SUGGESTED: Record<string, { vocab: Atom[]; maxLen: number }> | null = fs.existsSync(suggestedFile)
  ? (JSON.parse(fs.readFileSync(suggestedFile, "utf8")) as Record<string, { vocab: Atom[]; maxLen: number }>)
  : null;

function settingsOf(file: string): Setting[] {
  const listed = SUGGESTED?.[file];
  return (SETTINGS[file]?.() ?? []).map((s) => (s.suggested && listed ? { ...s, vocab: listed.vocab, maxLen: listed.maxLen } : s));
}

beforeAll(async () => {
  await initTfjs();
});

function describeMismatches(report: VerifyReport): string[] {
  return report.mismatches.map((m) => `${JSON.stringify(m.input)}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}; ${describeDeparture(m.departure ?? null)}`);
}

it("has settings for every program in rasp-programs/, the README's among them", () => {
  expect(topLevelFiles.length).toBeGreaterThan(0);
  expect(topLevelFiles.filter((f) => !(f in SETTINGS))).toEqual([]);
  expect(Object.keys(SETTINGS).filter((f) => !topLevelFiles.includes(f))).toEqual([]);
  for (const f of topLevelFiles) expect(settingsOf(f).filter((s) => s.suggested).length, f).toBe(1);
  if (SUGGESTED) expect(topLevelFiles.filter((f) => !(f in SUGGESTED))).toEqual([]);
});

let seed = 7000;
for (const file of topLevelFiles) {
  for (const setting of settingsOf(file)) {
    const { vocab, maxLen } = setting;
    const exhaustive = exhaustiveCount(vocab.length, maxLen) <= EXHAUSTIVE_LIMIT;
    describe(`${file}, vocab ${JSON.stringify(vocab)}, max len ${maxLen}${setting.suggested ? " (suggested)" : ""}`, () => {
      let sop: SOp;
      let model: CompiledModel;
      let runner: ModelRunner;
      beforeAll(async () => {
        ({ model, sop } = compileProgram(library(file), { vocab, maxLen }));
        runner = await createRunner(model);
      });
      afterAll(() => runner?.dispose());

      const input: fc.Arbitrary<Atom[]> = setting.distinct
        ? fc.shuffledSubarray([...vocab], { minLength: 1, maxLength: Math.min(maxLen, vocab.length) })
        : fc.array(fc.constantFrom(...vocab), { minLength: 1, maxLength: maxLen });
      // Batches, so that one forward pass serves many inputs; fast-check shrinks a failure to one input.
      test.prop([fc.array(input, { minLength: 1, maxLength: 64 })], { seed: seed++, numRuns: exhaustive ? 10 : 50 })(
        "compiled = interpreted on random inputs",
        async (batch) => {
          const report = await verifyModel(model, sop, batch, runner);
          expect(describeMismatches(report)).toEqual([]);
          expect(report.mismatchCount).toBe(0);
        },
      );

      if (exhaustive) {
        it(`compiled = interpreted on all ${exhaustiveCount(vocab.length, maxLen)} inputs`, async () => {
          const report = await verifyModel(model, sop, exhaustiveInputs(vocab, maxLen), runner);
          expect(report.total).toBe(exhaustiveCount(vocab.length, maxLen));
          expect(describeMismatches(report)).toEqual([]);
          expect(report.mismatchCount).toBe(0);
          // A program that is undefined everywhere would make this vacuous.
          expect(report.skipped).toBeLessThan(report.total);
        });
      }
    });
  }
}
