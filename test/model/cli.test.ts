// `raspc compile`, `exec`, `verify` and `inspect` end to end: the CLI runs in a child process
// (test/helpers/cli.ts), so exit codes and what reaches stdout/stderr are what a user gets.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clone, copyModel, fracModel } from "./fixtures.js";
import { oneLineError, raspc } from "../helpers/cli.js";

let dir: string;
const HIST = "rasp-programs/hist.rasp";
const VOCAB = '["a","b","c","d"]';

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-cli-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.concurrent("raspc compile, exec, inspect (success)", () => {
  it("compiles, runs and describes a model", async () => {
    const model = path.join(dir, "hist.json");
    const c = await raspc(["compile", HIST, "--vocab", VOCAB, "--max-len", "5", "-o", model]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^compiled rasp-programs\/hist\.rasp \(s-op out\) in .* -> /);
    expect(c.stdout).toMatch(/layers 1, heads 1 .*d_model \d+/);
    expect(c.stdout).toMatch(/MLP hidden widths: \d+/);
    expect(c.stdout).toMatch(/parameters: [\d,]+/);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith(".hist.json"))).toEqual([]);

    const e = await raspc(["exec", model, "--input", '["a","b","a","c"]']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toBe("position | 0 1 2 3\ntokens   | a b a c\nout      | 2 1 2 1\n");

    const inputs = path.join(dir, "in.jsonl");
    fs.writeFileSync(inputs, '["a"]\n\n["d","d","b"]\n');
    const j = await raspc(["exec", model, "--inputs", inputs, "--json"]);
    expect(j.code, j.stderr).toBe(0);
    expect(j.stdout).toBe('{"input":["a"],"output":[1]}\n{"input":["d","d","b"],"output":[2,2,1]}\n');

    const t = await raspc(["inspect", model]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain("layer plan:");
    expect(t.stdout).toMatch(/layer 0 +attn head 0 +out/);
    expect(t.stdout).toContain("residual layout");
    expect(t.stdout).toMatch(/2-5 +tokens: a b c d/);

    const js = await raspc(["inspect", model, "--json"]);
    expect(js.code, js.stderr).toBe(0);
    const info = JSON.parse(js.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ layers: 1, heads: 1 });
    expect(typeof info.d_model).toBe("number");
    expect(Array.isArray(info.mlp_hidden)).toBe(true);
    expect(typeof info.params).toBe("number");
    expect(Array.isArray(info.plan)).toBe(true);

    const html = path.join(dir, "hist.html");
    const h = await raspc(["inspect", model, "--html", html]);
    expect(h.code, h.stderr).toBe(0);
    const page = fs.readFileSync(html, "utf8");
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain("<svg");
    expect(page).toContain("W_Q·W_Kᵀ");
    expect(page).toContain("tokens:a");
    // Self-contained: nothing is fetched (the SVG namespace is an identifier, not a request).
    expect(page.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, "")).not.toMatch(/https?:|<link|src=/);
  });

  it("verify: hist matches on every input", async () => {
    const r = await raspc(["verify", HIST, "--vocab", VOCAB, "--max-len", "4", "--exhaustive"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nverify: 340 inputs, 0 mismatches \(0 skipped: interpreter error\), [\d.]+ s\n$/);
  });

  it("verify: reports mismatches with the layer where they start, exit 1", async () => {
    // A model file damaged after compiling (as fine-tuning might): layer 0's MLP no longer writes.
    const file = path.join(dir, "hist-damaged.json");
    const made = await raspc(["compile", HIST, "--vocab", VOCAB, "--max-len", "4", "-o", file]);
    expect(made.code, made.stderr).toBe(0);
    const model = JSON.parse(fs.readFileSync(file, "utf8")) as { layers: { mlp: { w2: number[][] } }[] };
    for (const row of model.layers[0]!.mlp.w2) row.fill(0);
    fs.writeFileSync(file, JSON.stringify(model));
    const r = await raspc(["verify", HIST, "--model", file, "--samples", "300", "--seed", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^verify: read .*hist-damaged\.json: 1 layer, d_model \d+; checking 300 random inputs \(seed 1\)/);
    expect(r.stdout).toMatch(/mismatch 1: input \[/);
    expect(r.stdout).toMatch(/ {2}expected \[.*\]\n {2}got {6}\[.*\]\n {2}first departs at layer 0 \(s-op out, position \d+: expected \d, residual says all zero \(None\)\)/);
    expect(r.stdout).toMatch(/verify: 300 inputs, 300 mismatches \(0 skipped: interpreter error\), [\d.]+ s\n$/);
  });

  it("exec --trace shows attention patterns and s-ops per sublayer; with --json, raw residual streams", async () => {
    const file = path.join(dir, "hist-trace.json");
    expect((await raspc(["compile", HIST, "--vocab", VOCAB, "--max-len", "4", "-o", file])).code).toBe(0);
    const text = await raspc(["exec", file, "--input", '["a","b","a"]', "--trace"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/layer 0 head 0 \(out\): attention pattern, rows are query positions, columns key positions\nquery \| +BOS +0 +1 +2\n0 +\| +0\.33 +0\.33 +0\.00 +0\.33\n/);
    expect(text.stdout).toMatch(/after layer 0 MLP: s-ops read from the residual stream\nposition \| 0 1 2\ntokens +\| a b a\nout +\| 2 1 2\n/);
    const json = await raspc(["exec", file, "--input", '["a","b","a"]', "--trace", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const line = JSON.parse(json.stdout) as { output: number[]; trace: { stages: { stage: string; sops: [string, unknown[]][]; residual: number[][] }[]; attention: { heads: { pattern: number[][] }[] }[] } };
    expect(line.output).toEqual([2, 1, 2]);
    expect(line.trace.stages.map((st) => st.stage)).toEqual(["embed", "layer 0 attention", "layer 0 MLP"]);
    const post = line.trace.stages[2]!;
    expect(post.residual).toHaveLength(4); // BOS and three tokens
    expect(Object.fromEntries(post.sops)["out"]).toEqual([2, 1, 2]);
    for (const row of line.trace.attention[0]!.heads[0]!.pattern) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it("verify --distinct samples without replacement, and --exhaustive --distinct checks every arrangement", async () => {
    const r = await raspc(["verify", HIST, "--vocab", VOCAB, "--max-len", "4", "--exhaustive", "--distinct"]);
    expect(r.code, r.stderr).toBe(0);
    // 4 + 12 + 24 + 24 arrangements of distinct tokens.
    expect(r.stdout).toMatch(/checking all inputs of length 1\.\.4 with distinct tokens on .*\nverify: 64 inputs, 0 mismatches/);
    const s = await raspc(["verify", HIST, "--vocab", VOCAB, "--max-len", "4", "--samples", "50", "--distinct"]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/checking 50 random inputs \(seed 0\) with distinct tokens/);
  });

  it("data: histograms of both labels, the correlation's share, and --jsonl samples", async () => {
    const file = path.join(dir, "counter-data.jsonl");
    const r = await raspc(["data", "counter", "--count", "200", "--correlated", "0.25", "--seed", "3", "--jsonl", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^counter: 200 samples of 10 tokens, O_PT = "a", O_FT = "b", seed 3\ncorrelation r\(x; O_FT\) - r\(x; O_PT\) = 1 holds in 50 of 200 \(25\.0%, asked 25\.0%\)/);
    expect(r.stdout).toMatch(/labels for O_PT \("a"\), what the compiled model answers:\n0 \| #+ +\d+ \(/);
    const lines = fs.readFileSync(file, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as { correlated: boolean });
    expect(lines.filter((l) => l.correlated)).toHaveLength(50);
    expect(oneLineError(await raspc(["data", "max_identifier", "--q", "1"]))).toMatch(/q = 1 is impossible/);
    expect(oneLineError(await raspc(["data", "counter", "--correlated", "2"]))).toMatch(/--correlated must be a number in \[0, 1\]/);
    expect(oneLineError(await raspc(["data", "sorting"]))).toMatch(/unknown task "sorting"/);
  });

  it("verify --model: an undamaged model file passes; --model with --vocab is a usage error", async () => {
    const file = path.join(dir, "hist-ok.json");
    expect((await raspc(["compile", HIST, "--vocab", VOCAB, "--max-len", "4", "-o", file])).code).toBe(0);
    const ok = await raspc(["verify", HIST, "--model", file, "--exhaustive"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/\nverify: 340 inputs, 0 mismatches/);
    const both = await raspc(["verify", HIST, "--model", file, "--vocab", VOCAB]);
    expect(oneLineError(both)).toMatch(/give --model or --vocab and --max-len, not both/);
    const neither = await raspc(["verify", HIST, "--vocab", VOCAB]);
    expect(oneLineError(neither)).toMatch(/--max-len <n>' not specified/);
    const cold = await raspc(["verify", HIST, "--model", file, "--coldness", "10"]);
    expect(oneLineError(cold)).toBe("raspc: --coldness applies when compiling; a --model file was compiled already");
  });

  it("verify --set checks the variant compile --set built; without it the model is the wrong program", async () => {
    const file = path.join(dir, "counter-b.json");
    const counter = ["rasp-programs/counter.rasp", "--vocab", '["a","b","c"]', "--max-len", "4"];
    expect((await raspc(["compile", ...counter, "--set", "operand=b", "-o", file])).code).toBe(0);
    const same = await raspc(["verify", "rasp-programs/counter.rasp", "--model", file, "--set", "operand=b", "--exhaustive"]);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toMatch(/\nverify: 120 inputs, 0 mismatches/);
    const other = await raspc(["verify", "rasp-programs/counter.rasp", "--model", file, "--exhaustive"]);
    expect(other.code).toBe(1);
    expect(other.stdout).toMatch(/\nverify: 120 inputs, [1-9]\d* mismatches/);
  });

  it("--coldness compiles softer heads that still verify", async () => {
    const out = path.join(dir, "soft.json");
    const made = await raspc(["compile", HIST, "--vocab", VOCAB, "--max-len", "5", "--coldness", "12", "-o", out]);
    expect(made.code, made.stderr).toBe(0);
    const model = JSON.parse(fs.readFileSync(out, "utf8")) as { layers: { attention: { wq: number[][] }[] }[] };
    expect(Math.max(...model.layers.flatMap((l) => l.attention.flatMap((h) => h.wq.flat())))).toBe(12);
    const checked = await raspc(["verify", HIST, "--vocab", VOCAB, "--max-len", "5", "--coldness", "12", "--samples", "300"]);
    expect(checked.code, checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/\nverify: 300 inputs, 0 mismatches/);
  });
});

describe.concurrent("raspc compile errors: exit 1, one line, no file left", () => {
  const cases: [string, string[], RegExp][] = [
    ["bad vocab JSON", ["--vocab", "[a,b]", "--max-len", "5"], /^raspc: --vocab: not valid JSON/],
    ["vocab not an array", ["--vocab", '"ab"', "--max-len", "5"], /^raspc: --vocab: expected a JSON array/],
    ["max-len zero", ["--vocab", VOCAB, "--max-len", "0"], /^raspc: --max-len must be a positive integer, got "0"/],
    ["max-len not a number", ["--vocab", VOCAB, "--max-len", "five"], /^raspc: --max-len must be a positive integer, got "five"/],
    ["max-len fractional", ["--vocab", VOCAB, "--max-len", "2.5"], /^raspc: --max-len must be a positive integer/],
    ["coldness zero", ["--vocab", VOCAB, "--max-len", "5", "--coldness", "0"], /^raspc: --coldness must be a positive number, got "0"$/],
    ["coldness not a number", ["--vocab", VOCAB, "--max-len", "5", "--coldness", "cold"], /^raspc: --coldness must be a positive number, got "cold"$/],
  ];
  for (const [name, args, pattern] of cases) {
    it(name, async () => {
      const out = path.join(dir, `${name.replace(/\W+/g, "_")}.json`);
      const r = await raspc(["compile", HIST, ...args, "-o", out]);
      expect(oneLineError(r)).toMatch(pattern);
      expect(fs.existsSync(out)).toBe(false);
    });
  }

  it("output in a missing directory", async () => {
    const out = path.join(dir, "no-such-dir", "m.json");
    const r = await raspc(["compile", HIST, "--vocab", VOCAB, "--max-len", "5", "-o", out]);
    expect(oneLineError(r)).toMatch(/m\.json: cannot write: the directory .*no-such-dir does not exist/);
    expect(fs.existsSync(path.dirname(out))).toBe(false);
  });

  it("a missing required option is a usage error (exit 2)", async () => {
    const r = await raspc(["compile", HIST, "--max-len", "5", "-o", path.join(dir, "x.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/required option '--vocab <json>' not specified/);
  });
});

describe.concurrent("raspc exec and inspect errors", () => {
  let model: string;
  beforeAll(() => {
    model = path.join(dir, "copy.json");
    fs.writeFileSync(model, JSON.stringify(copyModel(4)));
  });

  it("unknown token names the token and its position", async () => {
    const r = await raspc(["exec", model, "--input", '["x","q"]']);
    expect(oneLineError(r)).toBe('raspc: --input: token "q" at position 1 is not in the model\'s vocabulary ["x", "y", "z"]');
  });

  it("an input longer than max-len, with its file and line", async () => {
    const inputs = path.join(dir, "long.jsonl");
    fs.writeFileSync(inputs, '["x"]\n["x","y","z","x","y"]\n');
    const r = await raspc(["exec", model, "--inputs", inputs]);
    expect(oneLineError(r)).toBe(`raspc: ${inputs}:2: the input has 5 tokens, longer than the model's max length 4`);
  });

  it("a model file that fails the schema names the field", async () => {
    const bad = clone(copyModel(4));
    bad.layers[0]!.mlp!.w1.pop();
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify(bad));
    const r = await raspc(["exec", file, "--input", '["x"]']);
    expect(oneLineError(r)).toBe(`raspc: ${file}: layers[0].mlp.w1: expected 8 rows (residual width), got 7`);
    const i = await raspc(["inspect", file]);
    expect(oneLineError(i)).toBe(`raspc: ${file}: layers[0].mlp.w1: expected 8 rows (residual width), got 7`);
  });

  it("a missing field and a non-model file", async () => {
    const bad: Partial<ReturnType<typeof clone<ReturnType<typeof copyModel>>>> = clone(copyModel(4));
    delete bad.unembedding;
    const file = path.join(dir, "missing.json");
    fs.writeFileSync(file, JSON.stringify(bad));
    expect(oneLineError(await raspc(["exec", file, "--input", '["x"]']))).toBe(`raspc: ${file}: unembedding: missing`);
    expect(oneLineError(await raspc(["exec", HIST, "--input", '["x"]']))).toMatch(/hist\.rasp: not valid JSON/);
  });

  it("numerical outputs are shown to float32 precision", async () => {
    const file = path.join(dir, "frac.json");
    fs.writeFileSync(file, JSON.stringify(fracModel(6)));
    const r = await raspc(["exec", file, "--input", '["a","b"]', "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('{"input":["a","b"],"output":[0.3333333,0.3333333]}\n');
  });

  it("needs exactly one of --input and --inputs", async () => {
    expect(oneLineError(await raspc(["exec", model]))).toBe("raspc: give exactly one of --input JSON or --inputs FILE.jsonl");
  });

  it("inspect --html into a missing directory leaves nothing", async () => {
    const out = path.join(dir, "nowhere", "m.html");
    expect(oneLineError(await raspc(["inspect", model, "--html", out]))).toMatch(/cannot write: the directory .*nowhere does not exist/);
  });
});

describe.concurrent("raspc verify errors", () => {
  it("refuses an exhaustive run that is too large", async () => {
    const r = await raspc(["verify", HIST, "--vocab", VOCAB, "--max-len", "12", "--exhaustive"]);
    expect(oneLineError(r)).toMatch(/^raspc: --exhaustive would check 22,369,620 inputs .*more than the limit of 2,000,000; use --samples K/);
  });

  it("refuses --samples together with --exhaustive, and bad numbers", async () => {
    expect(oneLineError(await raspc(["verify", HIST, "--vocab", VOCAB, "--max-len", "3", "--exhaustive", "--samples", "5"]))).toBe(
      "raspc: give either --samples K or --exhaustive, not both",
    );
    expect(oneLineError(await raspc(["verify", HIST, "--vocab", VOCAB, "--max-len", "3", "--samples", "-5"]))).toBe('raspc: --samples must be a positive integer, got "-5"');
  });
});
