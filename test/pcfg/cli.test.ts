// `raspc pcfg check|info|sample`, end to end through the built CLI: what a user sees for good
// grammars and for bad ones (located diagnostics, exit 1, no stack trace).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, caretColumn, diagnostics, expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

afterAll(removeScratch);

describe.concurrent("raspc pcfg", () => {
  it("check: a good grammar is ok; warnings go to stderr with their source line", async () => {
    const r = await raspc(["pcfg", "check", "grammars/jain2023-fig14.pcfg"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("grammars/jain2023-fig14.pcfg: ok\n");
    expect(r.stderr).toBe("");
    const dir = scratch({ "w.pcfg": "S -> 'a' [0.5] | 'b' [0.495]\nU -> 'u'\n" });
    const w = await raspc(["pcfg", "check", "w.pcfg"], { cwd: dir });
    expect(w.code).toBe(0);
    expect(w.stdout).toBe("w.pcfg: ok (2 warnings)\n");
    expect(w.stderr).toContain("w.pcfg:1:1: warning: the probabilities of 'S' sum to 0.995, not 1; they are renormalised");
    expect(w.stderr).toContain("w.pcfg:2:1: warning: 'U' is never reached from the start symbol 'S'");
  });

  it("check: errors are located with the source line and a caret, several per file, exit 1", async () => {
    const dir = scratch({ "bad.pcfg": "S -> A 'x' [0.5] | b [0.6]\nA -> 'a' [2]\nB -> 'b' [1]\n" });
    const r = await raspc(["pcfg", "check", "bad.pcfg"], { cwd: dir });
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stdout).toBe("");
    const ds = diagnostics(r.stderr);
    expect(ds.map((d) => `${d.line}:${d.column}`)).toEqual(["1:1", "1:20", "2:10"]);
    for (const d of ds) expect(caretColumn(d)).toBe(d.column);
    const undefinedOnly = scratch({ "u.pcfg": "S -> a 'a' [1]\n" });
    const u = await raspc(["pcfg", "check", "u.pcfg"], { cwd: undefinedOnly });
    expect(u.code).toBe(1);
    expect(diagnostics(u.stderr)[0]!.message).toBe("the nonterminal 'a' has no rules (did you mean the terminal 'a'? terminals are quoted)");
  });

  it("check: a missing file, a directory and a binary file get one-line reasons", async () => {
    const dir = scratch({ "bin.pcfg": Buffer.from([0x53, 0x20, 0xff, 0xfe, 0x00]) });
    for (const [file, reason] of [["nope.pcfg", "nope.pcfg: no such file"], [".", ".: is a directory, not a grammar file"], ["bin.pcfg", "bin.pcfg: not valid UTF-8 text (bad byte at offset 2)"]]) {
      const r = await raspc(["pcfg", "check", file!], { cwd: dir });
      expect(r.code).toBe(1);
      expectNoCrash(r);
      expect(r.stderr).toBe(`raspc: ${reason}\n`);
    }
  });

  it("info prints the exact statistics of fig. 14 (and --json the same numbers)", async () => {
    const r = await raspc(["pcfg", "info", "grammars/jain2023-fig14.pcfg"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("string length     mean 275.625, sd 41.7094, min 138, max 432 (exact)");
    expect(r.stdout).toContain("spectral radius   0 (acyclic");
    expect(r.stdout).toContain("shorter than 250  23.64% of strings");
    const j = await raspc(["pcfg", "info", "grammars/jain2023-fig14.pcfg", "--json", "--window", "200"]);
    const info = JSON.parse(j.stdout) as { length: { mean: number; min: number; max: number }; rules: number; window: number; shorterThanWindow: number };
    expect(info.length).toMatchObject({ mean: 275.625, min: 138, max: 432 });
    expect(info.rules).toBe(32);
    expect(info.window).toBe(200);
    expect(info.shorterThanWindow).toBeGreaterThan(0.01);
    expect(info.shorterThanWindow).toBeLessThan(0.2364);
  });

  it("sample: seeded strings, JSON lines, trees; the same seed prints the same text", async () => {
    const a = await raspc(["pcfg", "sample", "grammars/jain2023-fig14.pcfg", "-n", "3", "--seed", "4"]);
    const b = await raspc(["pcfg", "sample", "grammars/jain2023-fig14.pcfg", "-n", "3", "--seed", "4"]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const lines = a.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const l of lines) {
      const n = l.split(" ").length;
      expect(n).toBeGreaterThanOrEqual(138);
      expect(n).toBeLessThanOrEqual(432);
      expect(l).toMatch(/^[abc]( [abc])*$/);
    }
    const j = await raspc(["pcfg", "sample", "grammars/jain2023-fig14.pcfg", "-n", "3", "--seed", "4", "--jsonl"]);
    expect(j.stdout.trimEnd().split("\n").map((l) => (JSON.parse(l) as string[]).join(" "))).toEqual(lines);
    const t = await raspc(["pcfg", "sample", "grammars/jain2023-fig14.pcfg", "-n", "1", "--seed", "4", "--tree"]);
    expect(t.stdout.startsWith("(s (")).toBe(true);
    expect(t.stdout.match(/'[abc]'/g)!.map((x) => x[1]).join(" ")).toBe(lines[0]);
  });

  it("sample: bad numbers are one-line usage errors", async () => {
    const r = await raspc(["pcfg", "sample", "grammars/jain2023-fig14.pcfg", "-n", "0"]);
    expect(r.code).toBe(1);
    expectNoCrash(r);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("-n");
  });

  it("--help lists every pcfg command", async () => {
    const r = await raspc(["pcfg", "--help"]);
    expect(r.code).toBe(0);
    for (const c of ["check", "info", "sample", "data"]) expect(r.stdout).toMatch(new RegExp(`^\\s+${c} `, "m"));
  });

  it("data: histograms beside baselines on stdout; --out writes the sets as JSON lines", async () => {
    const grammar = path.join(ROOT, "grammars/jain2023-fig14.pcfg");
    const dir = scratch({ "task.json": JSON.stringify({ grammar, seed: 3, pretraining: { count: 50 }, finetuning: { family: "C", count: 100, cTrain: [0, 1], cTest: [0] } }) });
    const r = await raspc(["pcfg", "data", "task.json", "--out", "out"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("vocabulary: 265 tokens");
    expect(r.stdout).toContain("C_Tr = 1: 100 samples, correlation in 100 of 100 fine-tuning samples (100.0%)");
    expect(r.stdout).toContain("C_Te = 0: 100 samples, correlation in 0 of 100");
    expect(r.stdout).toMatch(/majority baseline \d+\.\d% \(\d+\)/);
    expect(r.stdout).toMatch(/total-variation distance, C_Tr = 1 vs C_Tr = 0: 0\.\d{3}/);
    expect(fs.readdirSync(path.join(dir, "out")).sort()).toEqual(["ft-test-c0.jsonl", "ft-train-c0.jsonl", "ft-train-c1.jsonl", "pretraining.jsonl", "vocab.json"]);
    const lines = fs.readFileSync(path.join(dir, "out", "ft-train-c1.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(100);
    const first = JSON.parse(lines[0]!) as { tokens: string[]; correlated: boolean; answer: string; labelFt: string };
    expect(first.tokens).toHaveLength(259);
    expect(first.correlated).toBe(true);
    expect(first.tokens[257]).toBe(first.answer);
    const again = await raspc(["pcfg", "data", "task.json"], { cwd: dir, timeoutMs: 60_000 });
    expect(again.stdout).toBe(r.stdout.slice(0, r.stdout.indexOf("\n\nwrote ") + 1));
  });

  it("data: a bad config is one line naming the field, exit 1, nothing written", async () => {
    const grammar = path.join(ROOT, "grammars/jain2023-fig14.pcfg");
    const dir = scratch({
      "prior.json": JSON.stringify({ grammar, prior: { a: 0.5, b: 0.2 }, pretraining: { count: 5 } }),
      "family.json": JSON.stringify({ grammar, families: { Q: {} }, pretraining: { count: 5 } }),
      "operand.json": JSON.stringify({ grammar, finetuning: { family: "C", oFt: "x" } }),
      "window.json": JSON.stringify({ grammar, window: 433, shortStrings: "resample", pretraining: { count: 5 } }),
      "syntax.json": '{"grammar": "g.pcfg",\n  "pretraining": {"count": 5,}}',
      "badgrammar.json": JSON.stringify({ grammar: "bad.pcfg", pretraining: { count: 5 } }),
      "bad.pcfg": "S -> 'a' [0.5] | T [0.5]\n",
    });
    for (const [file, field] of [["prior.json", "prior:"], ["family.json", "families.Q:"], ["operand.json", "finetuning.oFt:"], ["window.json", "window:"], ["syntax.json", "syntax.json:2:30: not valid JSON"]]) {
      const r = await raspc(["pcfg", "data", file!, "--out", "out"], { cwd: dir });
      expect(r.code, file).toBe(1);
      expectNoCrash(r);
      expect(r.stderr.trimEnd().split("\n"), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(field!);
      expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
    }
    const g = await raspc(["pcfg", "data", "badgrammar.json", "--out", "out"], { cwd: dir });
    expect(g.code).toBe(1);
    expect(diagnostics(g.stderr)[0]).toMatchObject({ file: "bad.pcfg", line: 1, column: 18 });
    expect(fs.existsSync(path.join(dir, "out"))).toBe(false);
  });
});
