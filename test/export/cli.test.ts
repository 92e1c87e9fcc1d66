// `raspc export` and `--engine` end to end, the CLI run as a child process (test/helpers/cli.ts).
// The written files are opened the way a user would: the ONNX file by
// path in onnxruntime-node, the tfjs folder by tf.loadGraphModel. ORT failing to load is simulated
// with a module-resolution hook that refuses `onnxruntime-node`, as a missing native library would.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readOnnxMetadata } from "../../compiler/export/onnx.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { initTfjs } from "../../runtime/forward/forward.js";
import { decodeOutputs } from "../../runtime/forward/outputs.js";
import { allHookNames } from "../../compiler/model/hooks.js";
import { referenceForward } from "../../runtime/forward/referenceForward.js";
import { makeTokenizer } from "../../runtime/forward/tokenize.js";
import { padId } from "../../compiler/model/tokens.js";
import { clone, copyModel } from "../model/fixtures.js";
import { oneLineError, raspc, type CliResult } from "../helpers/cli.js";
import { graphModelForward, loadTfjsExport, ROOT } from "./helpers.js";

let dir: string;
let noOrt: string;

/** What a folder holds, temporaries included (a failed export must leave none). */
function listing(d: string): string[] {
  return fs.readdirSync(d).sort();
}

const COUNTER_VOCAB = '["a","b","c","d","e","f","g","h","i"]';
let counter: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-export-cli-"));
  noOrt = path.join(dir, "no-ort.mjs");
  const hook = `export async function resolve(s, c, n) { if (s === "onnxruntime-node") throw new Error("libonnxruntime.so.1: cannot open shared object file: No such file or directory"); return n(s, c); }`;
  fs.writeFileSync(noOrt, `import { register } from "node:module";\nregister(${JSON.stringify("data:text/javascript," + encodeURIComponent(hook))});\n`);
  counter = path.join(dir, "counter.json");
  const c = await raspc(["compile", "rasp-programs/counter.rasp", "--vocab", COUNTER_VOCAB, "--max-len", "10", "-o", counter]);
  expect(c.code, c.stderr).toBe(0);
  await initTfjs();
});
/** Folders to remove at the end besides `dir`. */
const onExit: string[] = [];
afterAll(() => {
  for (const d of [dir, ...onExit]) fs.rmSync(d, { recursive: true, force: true });
});

describe.concurrent("raspc export", () => {
  it("writes ONNX and tfjs, says what and how big; both open outside raspc and compute the model", async () => {
    const out = fs.mkdtempSync(path.join(dir, "both-"));
    const onnxFile = path.join(out, "counter.onnx");
    const tfjsDir = path.join(out, "counter-tfjs");
    const r = await raspc(["export", counter, "--onnx", onnxFile, "--tfjs", tfjsDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^wrote .*counter\.onnx \(ONNX opset 17, [\d,]+ bytes; loads in onnxruntime-node and matches the reference forward pass on 16 inputs\)$/);
    expect(lines[1]).toMatch(/^wrote .*counter-tfjs\/model\.json \([\d,]+ bytes\) and group1-shard1of1\.bin \([\d,]+ bytes\): TensorFlow\.js graph model$/);
    const onnxSize = Number(/ONNX opset 17, ([\d,]+) bytes/.exec(lines[0]!)![1]!.replace(/,/g, ""));
    expect(fs.statSync(onnxFile).size).toBe(onnxSize);
    expect(listing(out)).toEqual(["counter-tfjs", "counter.onnx"]);
    expect(listing(tfjsDir)).toEqual(["group1-shard1of1.bin", "model.json"]);

    const model = JSON.parse(fs.readFileSync(counter, "utf8")) as CompiledModel;
    const tok = makeTokenizer(model);
    const ids = [["a", "b", "a", "c", "a"], ["b"], ["a", "a", "a", "a", "a", "a", "a", "a", "a", "a"]].map((x) => tok.encode(x, "t"));
    const want = decodeOutputs(model, referenceForward(model, ids));

    const session = await ort.InferenceSession.create(onnxFile);
    const T = Math.max(...ids.map((r) => r.length));
    const flat = ids.flatMap((r) => [...r, ...new Array<number>(T - r.length).fill(padId(model))]);
    const logits = (await session.run({ tokens: new ort.Tensor("int64", BigInt64Array.from(flat, BigInt), [ids.length, T]) })).logits!;
    await session.release();
    expect(logits.dims).toEqual([ids.length, T, model.output.values.length]);
    expect(decodeOutputs(model, { batch: ids.length, seqLen: T, lengths: ids.map((r) => r.length), outputs: model.output.values.length, logits: logits.data as Float32Array })).toEqual(want);
    expect(readOnnxMetadata(fs.readFileSync(onnxFile)).vocab).toBe(JSON.stringify(model.vocab));

    const graph = await loadTfjsExport(tfjsDir);
    try {
      expect(decodeOutputs(model, graphModelForward(model, graph, ids))).toEqual(want);
    } finally {
      graph.dispose();
    }
  });

  it("the README's script decodes the exported counter with onnxruntime-node alone", async () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const script = /## Exports[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)![1]!;
    const shown = /\$ node decode-counter\.mjs\n([^\n]*)\n/.exec(readme)![1]!;
    // Inside the repository, so that `onnxruntime-node` resolves as it does for a user's project.
    fs.mkdirSync(path.join(ROOT, "node_modules", ".cache"), { recursive: true });
    const work = fs.mkdtempSync(path.join(ROOT, "node_modules", ".cache", "raspc-readme-"));
    onExit.push(work);
    fs.copyFileSync(counter, path.join(work, "counter.json"));
    fs.writeFileSync(path.join(work, "decode-counter.mjs"), script);
    const r = await raspc(["export", counter, "--onnx", path.join(work, "counter.onnx"), "--no-check"]);
    expect(r.code, r.stderr).toBe(0);
    const run = await new Promise<CliResult>((resolve) =>
      execFile(process.execPath, ["decode-counter.mjs"], { cwd: work }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(shown + "\n");
    expect(shown).toBe('out at position 1 of ["a","b","a","c","a"]: 3');
  });

  it("--with-internals adds every hook as an output", async () => {
    const onnxFile = path.join(dir, "internals.onnx");
    const r = await raspc(["export", counter, "--onnx", onnxFile, "--with-internals"]);
    expect(r.code, r.stderr).toBe(0);
    const model = JSON.parse(fs.readFileSync(counter, "utf8")) as CompiledModel;
    expect(r.stdout).toMatch(new RegExp(`, ${allHookNames(model).length} internal outputs; loads in onnxruntime-node`));
    const session = await ort.InferenceSession.create(onnxFile);
    expect(session.outputNames).toEqual(["logits", ...allHookNames(model)]);
    await session.release();
  });

  it("hook names are TransformerLens's, exactly, with the documented shapes: ONNX --with-internals and exec --trace --json", async () => {
    const model = JSON.parse(fs.readFileSync(counter, "utf8")) as CompiledModel;
    // The documented list (compiler/model/hooks.ts, docs/compiler.md), written out here rather than
    // taken from hooks.ts, so that a renamed or reshaped hook fails this test.
    const d = model.residual.length;
    const resid = ["batch", "pos", d];
    const want: [string, (string | number)[]][] = [
      ["hook_embed", resid],
      ["hook_pos_embed", resid],
    ];
    model.layers.forEach((layer, l) => {
      const H = layer.attention.length;
      const dz = Math.max(0, ...layer.attention.map((h) => h.wv[0]?.length ?? 0));
      const hidden = layer.mlp?.b1.length ?? 0;
      want.push([`blocks.${l}.hook_resid_pre`, resid]);
      if (H > 0) {
        want.push([`blocks.${l}.attn.hook_attn_scores`, ["batch", H, "pos", "pos"]], [`blocks.${l}.attn.hook_pattern`, ["batch", H, "pos", "pos"]]);
        if (dz > 0) want.push([`blocks.${l}.attn.hook_z`, ["batch", "pos", H, dz]]);
        want.push([`blocks.${l}.hook_attn_out`, resid]);
      }
      want.push([`blocks.${l}.hook_resid_mid`, resid]);
      if (layer.mlp) {
        if (hidden > 0) want.push([`blocks.${l}.mlp.hook_pre`, ["batch", "pos", hidden]], [`blocks.${l}.mlp.hook_post`, ["batch", "pos", hidden]]);
        want.push([`blocks.${l}.hook_mlp_out`, resid]);
      }
      want.push([`blocks.${l}.hook_resid_post`, resid]);
    });
    // Counter exercises every kind of hook TransformerLens has (attention and MLP in some layer).
    const kinds = new Set(want.map(([n]) => n.replace(/^blocks\.\d+\./, "")));
    expect([...kinds].sort()).toEqual(
      ["attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z", "hook_attn_out", "hook_embed", "hook_mlp_out", "hook_pos_embed", "hook_resid_mid", "hook_resid_post", "hook_resid_pre", "mlp.hook_post", "mlp.hook_pre"].sort(),
    );
    const names = want.map(([n]) => n);
    expect(allHookNames(model)).toEqual(names);

    // ONNX: the graph's outputs, their declared shapes, and the shapes of what they compute.
    const onnxFile = path.join(dir, "hooks.onnx");
    const r = await raspc(["export", counter, "--onnx", onnxFile, "--with-internals"]);
    expect(r.code, r.stderr).toBe(0);
    const session = await ort.InferenceSession.create(onnxFile);
    try {
      expect(session.outputNames).toEqual(["logits", ...names]);
      const declared = new Map(session.outputMetadata.map((m) => [m.name, m.isTensor ? [...m.shape] : null]));
      for (const [name, shape] of want) expect(declared.get(name), name).toEqual(shape.map((x) => (x === "pos" ? "seq" : x)));
      const tok = makeTokenizer(model);
      const ids = [tok.encode(["a", "b", "a"], "t"), tok.encode(["c"], "t")];
      const T = 4;
      const flat = BigInt64Array.from(ids.flatMap((row) => [...row, ...new Array<number>(T - row.length).fill(padId(model))]).map(BigInt));
      const out = await session.run({ tokens: new ort.Tensor("int64", flat, [2, T]) });
      for (const [name, shape] of want) expect(out[name]!.dims, name).toEqual(shape.map((x) => (x === "batch" ? 2 : x === "pos" ? T : x)));
    } finally {
      await session.release();
    }

    // exec --trace --json: the same names, each the input's slice (no batch axis, pos = BOS + 3 tokens).
    const ex = await raspc(["exec", counter, "--input", '["a","b","a"]', "--trace", "--json"]);
    expect(ex.code, ex.stderr).toBe(0);
    const hooks = (JSON.parse(ex.stdout) as { trace: { hooks: Record<string, unknown> } }).trace.hooks;
    expect(Object.keys(hooks)).toEqual(names);
    const shapeOf = (x: unknown): number[] => (Array.isArray(x) ? [x.length, ...shapeOf(x[0])] : []);
    for (const [name, shape] of want) expect(shapeOf(hooks[name]), name).toEqual(shape.filter((x) => x !== "batch").map((x) => (x === "pos" ? 4 : x)));
    // A head's pattern rows are distributions over the real keys.
    for (const head of hooks["blocks.0.attn.hook_pattern"] as number[][][]) for (const row of head) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it("--no-check writes the ONNX file without onnxruntime-node, which then need not load", async () => {
    const onnxFile = path.join(dir, "unchecked.onnx");
    const r = await raspc(["export", counter, "--onnx", onnxFile, "--no-check"], { nodeFlags: ["--import", noOrt] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*unchecked\.onnx \(ONNX opset 17, [\d,]+ bytes\)\n$/);
    expect(fs.existsSync(onnxFile)).toBe(true);
  });
});

describe.concurrent("raspc export errors: one line, exit 1, nothing left behind", () => {
  it("neither --onnx nor --tfjs", async () => {
    expect(oneLineError(await raspc(["export", counter]))).toBe("raspc: give --onnx FILE.onnx, --tfjs DIR, or both");
  });

  it("a model file that fails its schema", async () => {
    const out = fs.mkdtempSync(path.join(dir, "schema-"));
    const bad = clone(copyModel(4));
    bad.layers[0]!.mlp!.w1.pop();
    const file = path.join(out, "bad.json");
    fs.writeFileSync(file, JSON.stringify(bad));
    const r = await raspc(["export", file, "--onnx", path.join(out, "m.onnx"), "--tfjs", path.join(out, "m")]);
    expect(oneLineError(r)).toBe(`raspc: ${file}: layers[0].mlp.w1: expected 8 rows (residual width), got 7`);
    expect(listing(out)).toEqual(["bad.json"]);
  });

  it("an ONNX path in a missing directory; with --tfjs too, the tfjs folder is not left behind", async () => {
    const out = fs.mkdtempSync(path.join(dir, "missing-"));
    const r = await raspc(["export", counter, "--onnx", path.join(out, "nowhere", "m.onnx"), "--tfjs", path.join(out, "m")]);
    expect(oneLineError(r)).toMatch(/m\.onnx: cannot write: the directory .*nowhere does not exist$/);
    expect(listing(out)).toEqual([]);
  });

  it("a tfjs folder that cannot be written; the ONNX file is not left behind", async () => {
    const out = fs.mkdtempSync(path.join(dir, "tfjs-bad-"));
    fs.writeFileSync(path.join(out, "taken"), "a file, not a folder");
    fs.mkdirSync(path.join(out, "theirs"));
    fs.writeFileSync(path.join(out, "theirs", "notes.txt"), "keep me");
    const onnxFile = path.join(out, "m.onnx");
    const a = await raspc(["export", counter, "--onnx", onnxFile, "--tfjs", path.join(out, "taken")]);
    expect(oneLineError(a)).toMatch(/taken: cannot write: it exists and is not a directory$/);
    const b = await raspc(["export", counter, "--onnx", onnxFile, "--tfjs", path.join(out, "theirs")]);
    expect(oneLineError(b)).toMatch(/theirs: cannot write: the directory holds files other than a TensorFlow\.js export; give a new or empty directory$/);
    expect(listing(out)).toEqual(["taken", "theirs"]);
    expect(listing(path.join(out, "theirs"))).toEqual(["notes.txt"]);
  });

  // Root may write anywhere, so the unwritable place is a path through a regular file.
  it("an output path that cannot be written", async () => {
    const out = fs.mkdtempSync(path.join(dir, "nowrite-"));
    fs.writeFileSync(path.join(out, "plain"), "");
    const r = await raspc(["export", counter, "--onnx", path.join(out, "plain", "m.onnx"), "--tfjs", path.join(out, "m")]);
    expect(oneLineError(r)).toMatch(/m\.onnx: cannot write: .*plain is not a directory$/);
    expect(listing(out)).toEqual(["plain"]);
  });

  it("onnxruntime-node failing to load: export, exec and verify say why; exec --engine tfjs still runs", async () => {
    const out = fs.mkdtempSync(path.join(dir, "no-ort-"));
    const flags = ["--import", noOrt];
    const e = await raspc(["export", counter, "--onnx", path.join(out, "m.onnx"), "--tfjs", path.join(out, "m")], { nodeFlags: flags });
    expect(oneLineError(e)).toBe(
      "raspc: onnxruntime-node could not be loaded (libonnxruntime.so.1: cannot open shared object file: No such file or directory); give --no-check to write the ONNX file without checking it",
    );
    expect(listing(out)).toEqual([]);
    const x = await raspc(["exec", counter, "--input", '["a","b","a"]'], { nodeFlags: flags });
    expect(oneLineError(x)).toMatch(/^raspc: onnxruntime-node could not be loaded \(libonnxruntime\.so\.1: .*\); use --engine tfjs to run without it$/);
    const v = await raspc(["verify", "rasp-programs/hist.rasp", "--vocab", '["a","b"]', "--max-len", "3", "--samples", "20"], { nodeFlags: flags });
    expect(oneLineError(v)).toMatch(/^raspc: onnxruntime-node could not be loaded/);
    const t = await raspc(["exec", counter, "--input", '["a","b","a"]', "--engine", "tfjs"], { nodeFlags: flags });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toBe("position | 0 1 2\ntokens   | a b a\nout      | 1 2 0\n");
  });
});

describe.concurrent("--engine on exec and verify", () => {
  it("exec gives the same outputs and traces on ort (the default) and tfjs", async () => {
    const inputs = path.join(dir, "in.jsonl");
    fs.writeFileSync(inputs, ['["a"]', '["b","a","a"]', '["a","b","c","d","e","f","g","h","i","a"]'].join("\n") + "\n");
    const byDefault = await raspc(["exec", counter, "--inputs", inputs, "--json"]);
    const onOrt = await raspc(["exec", counter, "--inputs", inputs, "--json", "--engine", "ort"]);
    const onTfjs = await raspc(["exec", counter, "--inputs", inputs, "--json", "--engine", "tfjs"]);
    for (const r of [byDefault, onOrt, onTfjs]) expect(r.code, r.stderr).toBe(0);
    expect(onOrt.stdout).toBe(byDefault.stdout);
    expect(onTfjs.stdout).toBe(onOrt.stdout);
    // The interpreter's answers, with `raspc run`.
    const interpreted = await raspc(["run", "rasp-programs/counter.rasp", "--inputs", inputs, "--json"]);
    expect(interpreted.code, interpreted.stderr).toBe(0);
    expect(onOrt.stdout).toBe(interpreted.stdout);

    const traceOrt = await raspc(["exec", counter, "--input", '["a","b","a"]', "--trace"]);
    const traceTfjs = await raspc(["exec", counter, "--input", '["a","b","a"]', "--trace", "--engine", "tfjs"]);
    expect(traceOrt.code, traceOrt.stderr).toBe(0);
    expect(traceOrt.stdout).toContain("attention pattern");
    expect(traceOrt.stdout).toBe(traceTfjs.stdout);
  });

  it("verify names the engine it ran on; a bad engine name is a usage error", async () => {
    const args = ["verify", "rasp-programs/hist.rasp", "--vocab", '["a","b","c","d"]', "--max-len", "4", "--exhaustive"];
    const onOrt = await raspc(args);
    expect(onOrt.code, onOrt.stderr).toBe(0);
    expect(onOrt.stdout).toMatch(/^verify: compiled .*; checking all inputs of length 1\.\.4 on onnxruntime-node \(cpu\)\n/);
    expect(onOrt.stdout).toMatch(/\nverify: 340 inputs, 0 mismatches/);
    const onTfjs = await raspc([...args, "--engine", "tfjs"]);
    expect(onTfjs.code, onTfjs.stderr).toBe(0);
    expect(onTfjs.stdout).toMatch(/ on tfjs-(wasm|cpu)\n/);
    const bad = await raspc([...args, "--engine", "pytorch"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/option '--engine <name>' argument 'pytorch' is invalid\. Allowed choices are ort, tfjs\./);
  });
});
