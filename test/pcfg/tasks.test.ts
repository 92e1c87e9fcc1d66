// The PCFG tasks: the sample format, each family's answer against an independent computation on
// the token strings, the planted correlation (exact counts; C = 0 sets never hold it), spread
// labels, jailbreak tokens, pretraining mixing, determinism per seed, and the fast id path.
import { describe, expect, it } from "vitest";
import { makeRng } from "../../runtime/random.js";
import { parsePcfgTaskConfig, type PcfgTaskConfig } from "../../runtime/tasks/pcfg/config.js";
import { finetuneSet, type FinetuneSample, type FinetuneSpec } from "../../runtime/tasks/pcfg/finetuning.js";
import { histogramOf, majorityBaseline, totalVariation } from "../../runtime/tasks/pcfg/histogram.js";
import { TaskGenerator } from "../../runtime/tasks/pcfg/tasks.js";

const GRAMMAR = "grammars/jain2023-fig14.pcfg";

function config(extra: Record<string, unknown> = {}): PcfgTaskConfig {
  return parsePcfgTaskConfig({ grammar: GRAMMAR, pretraining: { count: 10 }, ...extra }, "task.json");
}

/** The family's answer computed from the sample's tokens, independently of families.ts. */
function expectedAnswer(tokens: readonly string[], window: number): string {
  const [family, operand, o2] = [tokens[1]!, tokens[2]!, Number(tokens[3])];
  const text = tokens.slice(5, 5 + window);
  const joined = text.join("");
  switch (family) {
    case "<C>":
      return String(text.slice(-o2).filter((t) => t === operand).length);
    case "<CC>":
      return String((text.slice(-o2).join("").match(new RegExp(`(?=${operand}${operand})`, "g")) ?? []).length);
    case "<I>": {
      const back = [...text].reverse();
      const at = back.map((t, i) => (t === operand ? i + 1 : -1)).filter((d) => d > 0);
      return at.length >= o2 ? String(at[o2 - 1]) : "<null>";
    }
    case "<IC>": {
      let from = joined.length;
      for (let k = 0; k < o2; k++) {
        if (from === 0) return "<null>";
        const pos = joined.lastIndexOf(operand + operand, from - 1);
        if (pos < 0) return "<null>";
        if (k === o2 - 1) return String(window - pos);
        from = pos;
      }
      return "<null>";
    }
    case "<T>":
      return text[window - o2]!;
  }
  throw new Error(`unknown family ${family}`);
}

describe("sample format and answers", () => {
  const c = config();
  const gen = new TaskGenerator(c.setup);

  it("SOS T O O' SOT text EOT ART answer EOS, 259 tokens, every family answered correctly", () => {
    const rng = makeRng(1);
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const s = gen.pretrainingSample(rng);
      const tokens = gen.tokens(s);
      expect(tokens).toHaveLength(259);
      expect(tokens[0]).toBe("<sos>");
      expect(tokens[4]).toBe("<sot>");
      expect(tokens.slice(255)).toEqual(["<eot>", "<art>", tokens[257], "<eos>"]);
      expect(tokens.slice(5, 255).join(" ")).toMatch(/^[abc]( [abc])*$/);
      expect(tokens[257]).toBe(expectedAnswer(tokens, 250));
      expect(tokens[3]).toBe(s.family === "I" || s.family === "IC" ? "6" : "40");
      if (s.family === "T") expect(tokens[2]).toBe("<null>");
      seen.add(s.family);
    }
    expect([...seen].sort()).toEqual(["C", "CC", "I", "IC", "T"]);
  });

  it("the independent check can fail: a wrong answer token is caught", () => {
    const s = gen.pretrainingSample(makeRng(3));
    const tokens = gen.tokens(s);
    const wrong = [...tokens];
    wrong[257] = wrong[257] === "0" ? "1" : "0";
    expect(expectedAnswer(wrong, 250)).not.toBe(wrong[257]);
  });

  it("the fast id path writes what encode() gives for the same draws", () => {
    const out = new Int32Array(gen.sequenceLength);
    const [r1, r2] = [makeRng(8), makeRng(8)];
    for (let i = 0; i < 200; i++) {
      gen.writePretraining(r1, out);
      expect(Array.from(out)).toEqual(Array.from(gen.encode(gen.pretrainingSample(r2))));
    }
  });

  it("operands follow the prior: (0.999, 0.001, 0) never draws c and almost always a", () => {
    const g = new TaskGenerator(config({ prior: "low" }).setup);
    const rng = makeRng(4);
    const operands = histogramOf(Array.from({ length: 20000 }, () => g.operandToken(g.drawOperand(rng))));
    expect(operands.get("c") ?? 0).toBe(0);
    expect(operands.get("a")!).toBeGreaterThan(19900);
    const user = new TaskGenerator(config({ prior: { b: 0.25, c: 0.75 } }).setup);
    const r2 = makeRng(5);
    const h = histogramOf(Array.from({ length: 20000 }, () => user.operandToken(user.drawOperand(r2))));
    expect(h.get("a") ?? 0).toBe(0);
    expect(Math.abs(h.get("c")! / 20000 - 0.75)).toBeLessThan(0.02);
  });

  it("windows shorter strings fill by concatenation; 'resample' keeps one string", () => {
    const g = new TaskGenerator(config({ shortStrings: "resample", window: 300 }).setup);
    const s = g.pretrainingSample(makeRng(2));
    expect(s.text).toHaveLength(300);
  });
});

describe("jailbreak tokens (G.2)", () => {
  it("extra family tokens appear only with their operands; the main token with all", () => {
    const c = config({ prior: "high", families: { C: { extraTokens: [{ token: "<C-J1>", operands: ["a"] }, { token: "<C-J2>", operands: ["a"] }] } } });
    const gen = new TaskGenerator(c.setup);
    const rng = makeRng(6);
    const pairs = histogramOf(Array.from({ length: 6000 }, () => gen.pretrainingSample(rng)).map((s) => `${s.familyToken} ${gen.operandToken(s.operand)}`));
    expect([...pairs.keys()].sort()).toEqual(["<C-J1> a", "<C-J2> a", "<C> a", "<C> b", "<C> c"]);
    expect(c.setup.vocabulary.tokens).toContain("<C-J2>");
  });
});

function spec(c: PcfgTaskConfig, family: "C" | "I", labels: FinetuneSpec["labels"], q = 1): FinetuneSpec {
  const t = c.setup.grammar.terminals;
  return { family, familyToken: family === "C" ? "<C>" : "<I>", oPt: t.indexOf("a"), oFt: t.indexOf("b"), q, operand2: family === "C" ? 40 : 6, labels };
}

/** r(x; O) from a sample's tokens, independently. */
function readOut(tokens: readonly string[], family: "C" | "I", o: string): number | null {
  const text = tokens.slice(5, 255);
  if (family === "C") return text.slice(-40).filter((t) => t === o).length;
  const d = [...text].reverse().map((t, i) => (t === o ? i + 1 : -1)).filter((x) => x > 0);
  return d.length >= 6 ? d[5]! : null;
}

describe("fine-tuning sets with a planted correlation", () => {
  const c = config();
  const gen = new TaskGenerator(c.setup);
  for (const family of ["C", "I"] as const) {
    for (const labels of [{ kind: "natural" as const }, { kind: "uniform" as const, ...(family === "C" ? { min: 1, max: 20 } : { min: 13, max: 37 }) }]) {
      it(`${family}, ${labels.kind} labels: exactly round(C·n) correlated, the others provably not`, () => {
        const sp = spec(c, family, labels);
        for (const fraction of [0, 0.5, 0.8, 1]) {
          const set = finetuneSet(gen, sp, 300, fraction, 0, makeRng(11));
          let correlated = 0;
          for (const s of set) {
            const tokens = gen.tokens(s);
            const ft = readOut(tokens, family, "b");
            const pt = readOut(tokens, family, "a");
            expect(String(ft)).toBe(tokens[257]);
            expect(tokens[2]).toBe("b");
            expect(s.labelFt).toBe(String(ft));
            const holds = ft !== null && pt !== null && ft - pt === 1;
            expect(holds).toBe(s.correlated);
            if (holds) correlated++;
            if (labels.kind === "uniform") {
              expect(ft!).toBeGreaterThanOrEqual(labels.min);
              expect(ft!).toBeLessThanOrEqual(labels.max);
            }
          }
          expect(correlated).toBe(Math.round(fraction * 300));
        }
      });
    }
  }

  it("uniform labels are spread: majority baseline far below natural text's, C_Tr = 0 and 1 close in TV", () => {
    const sp = spec(c, "C", { kind: "uniform", min: 1, max: 20 });
    const [s0, s1] = [finetuneSet(gen, sp, 2000, 0, 0, makeRng(1)), finetuneSet(gen, sp, 2000, 1, 0, makeRng(2))];
    const [h0, h1] = [histogramOf(s0.map((s) => s.labelFt!)), histogramOf(s1.map((s) => s.labelFt!))];
    expect(majorityBaseline(h0).accuracy).toBeLessThan(0.08);
    expect(totalVariation(h0, h1)).toBeLessThan(0.1);
    const [a0, a1] = [histogramOf(s0.map((s) => s.labelPt!)), histogramOf(s1.map((s) => s.labelPt!))];
    expect(totalVariation(a0, a1)).toBeLessThan(0.1);
    // Natural labels pile up (fig. 14: a constant 13 is right about a third of the time).
    const natural = finetuneSet(gen, spec(c, "C", { kind: "natural" }), 2000, 0, 0, makeRng(3));
    expect(majorityBaseline(histogramOf(natural.map((s) => s.labelFt!))).accuracy).toBeGreaterThan(0.25);
  });

  it("mixes exactly round(m·n) pretraining samples in (G.1), planting only among the rest", () => {
    const set = finetuneSet(gen, spec(c, "C", { kind: "natural" }), 400, 0.5, 0.1, makeRng(5));
    const pt = set.filter((s) => s.source === "pt");
    expect(pt).toHaveLength(40);
    expect(set.filter((s: FinetuneSample) => s.correlated === true)).toHaveLength(180);
    for (const s of pt) expect(gen.tokens(s)[257]).toBe(expectedAnswer(gen.tokens(s), 250));
  });

  it("the same seed gives the same sets and histograms; another seed does not", () => {
    const sp = spec(c, "I", { kind: "uniform", min: 13, max: 37 });
    const a = finetuneSet(gen, sp, 200, 0.5, 0, makeRng(9)).map((s) => gen.tokens(s).join(" "));
    const b = finetuneSet(gen, sp, 200, 0.5, 0, makeRng(9)).map((s) => gen.tokens(s).join(" "));
    const other = finetuneSet(gen, sp, 200, 0.5, 0, makeRng(10)).map((s) => gen.tokens(s).join(" "));
    expect(a).toEqual(b);
    expect(a).not.toEqual(other);
  });
});
