// The task config of `raspc pcfg data`: every bad input the issue lists is one line naming the
// field (operand not a terminal, priors that do not sum to 1 or name unknown terminals, an unknown
// family, a window longer than any string with the fill option off, token collisions), checked
// before anything is made; and the paper's defaults when fields are left out.
import { describe, expect, it } from "vitest";
import { ParseFailure, UsageError } from "../../compiler/language/diagnostics.js";
import { parsePcfgTaskConfig } from "../../runtime/tasks/pcfg/config.js";

const GRAMMAR = "grammars/jain2023-fig14.pcfg";

function problem(json: unknown): string {
  try {
    parsePcfgTaskConfig(json, "task.json");
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error("no error");
}

const ft = (extra: Record<string, unknown>) => ({ grammar: GRAMMAR, finetuning: { family: "C", ...extra } });

describe("bad task configs", () => {
  const cases: [string, unknown, string][] = [
    ["not an object", [], "task.json: the config must be a JSON object, got an array"],
    ["no grammar", { pretraining: { count: 1 } }, "task.json: grammar: missing"],
    ["unknown field", { grammar: GRAMMAR, pretraining: { count: 1 }, windw: 3 }, "task.json: windw: unknown field"],
    ["unknown family", { grammar: GRAMMAR, pretraining: { count: 1 }, families: { X: {} } }, "task.json: families.X: unknown task family (the families are C, CC, I, IC, T)"],
    ["unknown fine-tuning family", ft({ family: "CC" }), 'task.json: finetuning.family: must be "C" (Counter) or "I" (Indexer), the families the paper fine-tunes, got "CC"'],
    ["operand not a terminal", ft({ oFt: "d" }), 'task.json: finetuning.oFt: "d" is not a terminal of the grammar (its terminals are "c", "a", "b")'],
    ["same operands", ft({ oPt: "b" }), 'task.json: finetuning.oFt: must differ from oPt, both are "b"'],
    ["prior sum", { grammar: GRAMMAR, pretraining: { count: 1 }, prior: { a: 0.5, b: 0.4 } }, "task.json: prior: the probabilities sum to 0.9, not 1"],
    ["prior unknown terminal", { grammar: GRAMMAR, pretraining: { count: 1 }, prior: { a: 0.5, z: 0.5 } }, 'task.json: prior.z: "z" is not a terminal of the grammar (its terminals are "c", "a", "b")'],
    ["prior unknown preset", { grammar: GRAMMAR, pretraining: { count: 1 }, prior: "lowest" }, "task.json: prior: must be a preset"],
    ["prior value", { grammar: GRAMMAR, pretraining: { count: 1 }, prior: { a: 1.5 } }, "task.json: prior: must be a preset"],
    ["window with resample", { grammar: GRAMMAR, pretraining: { count: 1 }, window: 500, shortStrings: "resample" }, 'task.json: window: 500 is longer than any string the grammar makes (at most 432 terminals) and shortStrings is "resample"'],
    ["O' beyond window", { grammar: GRAMMAR, pretraining: { count: 1 }, window: 30, families: { C: {} } }, "task.json: families.C.operand2: 40 is more than the window of 30 tokens"],
    ["token collision", { grammar: GRAMMAR, pretraining: { count: 1 }, tokens: { eos: "<sos>" } }, 'task.json: tokens.eos: "<sos>" is already tokens.sos'],
    ["terminal collision", { grammar: GRAMMAR, pretraining: { count: 1 }, tokens: { null: "a" } }, 'task.json: grammar: the terminal "a" collides with the token of tokens.null; rename one of them'],
    ["number collision", { grammar: GRAMMAR, pretraining: { count: 1 }, families: { C: { token: "7" } } }, 'task.json: families.C.token: "7" is a number token (answers and O\' are the numbers 0..250)'],
    ["extra token operand", { grammar: GRAMMAR, pretraining: { count: 1 }, families: { C: { extraTokens: [{ token: "<J>", operands: ["q"] }] } } }, 'task.json: families.C.extraTokens[0].operands[0]: "q" is not a terminal'],
    ["labels too wide", ft({ labels: { min: 1, max: 25 } }), "task.json: finetuning.labels.max: 25 is too large: count(b) = 25 and count(a) = 24 do not fit in the last 40 tokens"],
    ["labels inverted", ft({ labels: { min: 9, max: 3 } }), "task.json: finetuning.labels: min 9 is more than max 3"],
    ["one label, uncorrelated sets", ft({ labels: { min: 7, max: 7 } }), "task.json: finetuning.labels: a single label (7) leaves no uncorrelated value for r(x; a) in sets with C < 1"],
    ["q zero", ft({ q: 0 }), "task.json: finetuning.q: must not be 0"],
    ["counts", ft({ count: 0 }), "task.json: finetuning.count: must be >= 1, got 0"],
    ["fraction", ft({ cTrain: [0, 1.5] }), "task.json: finetuning.cTrain[1]: must be <= 1, got 1.5"],
    ["makes nothing", { grammar: GRAMMAR }, "task.json: pretraining: the config makes nothing"],
    ["missing grammar file", { grammar: "nope.pcfg", pretraining: { count: 1 } }, "task.json: grammar: nope.pcfg: no such file"],
  ];
  for (const [name, json, message] of cases) {
    it(name, () => {
      const m = problem(json);
      expect(m.startsWith(message), m).toBe(true);
      expect(m).not.toContain("\n");
    });
  }

  it("a grammar with errors fails with its own located diagnostics", () => {
    expect(() => parsePcfgTaskConfig({ grammar: "test/pcfg/fixtures/bad.pcfg", pretraining: { count: 1 } }, "task.json")).toThrow(ParseFailure);
  });
});

describe("defaults", () => {
  it("the paper's five families and O', the high prior, 250-token windows, concatenation", () => {
    const c = parsePcfgTaskConfig({ grammar: GRAMMAR, pretraining: { count: 5 } }, "task.json");
    expect(c.setup.families.map((f) => [f.family, f.operand2, f.tokens[0]!.token])).toEqual([
      ["C", 40, "<C>"],
      ["CC", 40, "<CC>"],
      ["I", 6, "<I>"],
      ["IC", 6, "<IC>"],
      ["T", 40, "<T>"],
    ]);
    expect(c.window).toBe(250);
    expect(c.shortStrings).toBe("concatenate");
    expect(c.priorName).toBe("high");
    expect(c.setup.vocabulary.size).toBe(6 + 5 + 251 + 3);
    const f = parsePcfgTaskConfig({ grammar: GRAMMAR, finetuning: { family: "I" } }, "task.json").finetuning!;
    expect(f).toMatchObject({ oPt: "a", oFt: "b", q: 1, count: 1000, cTrain: [0, 1], labels: { kind: "uniform", min: 13, max: 37 } });
  });
});

it("array fields are named with their index", () => {
  expect(problem({ grammar: GRAMMAR, pretraining: { count: 1 }, families: { C: { extraTokens: [{ token: "<J>" }, { token: "two words" }] } } })).toBe(
    'task.json: families.C.extraTokens[1].token: a token must be non-empty and without white space, got "two words"',
  );
});
