// GPU check of the autodiff engine (issue 14, item 7):
//   npx tsx bench/gpu-check.ts [--steps 50] [--providers cpu,webgpu,cuda] [--out DIR] [--threads N]
//     [--timeout S] [--layers 6] [--heads 6] [--embd 192] [--seq 259] [--batch 96]
//     [--torch-script FILE] [--no-torch] [--torch-cpu]
//
// Trains the paper-size gpt (runtime/models/gpt.ts: 6 layers, 6 heads, d 192; vocabulary 32, T 259
// and batch 96 as in train-bench.ts's paper row) for --steps AdamW steps (lr 1e-3, clip 1) through
// GraphTrainer on each onnxruntime-node execution provider named, from the same initial weights and
// the same batches (the copy task of runtime/pretrain/tasks.ts, cut to T positions, so the loss
// has something to learn), and compares every step's loss with the CPU provider's: a provider
// passes when no step's loss differs by more than 1e-4. Each provider runs in a child process of
// its own, so one that fails to load, crashes or hangs (--timeout seconds) costs its own row only,
// with its one-line reason. For a provider other than CPU the child first opens the step graph
// with ORT's verbose log, to report which nodes ORT placed on the device and which fell back to the
// CPU. Where PyTorch sees a CUDA device (or with --torch-cpu), minGPT in PyTorch
// (bench/torch_gpt_train.py) trains on the same weights and batches as a speed reference. Speed is
// the median step over the steps after the first 3 (the first includes opening the session).
// Prints a Markdown table; --out DIR also writes it (gpu-check.md), every step's numbers
// (gpu-check.json) and each child's log, filtered to warnings, errors, device and placement lines
// (log-<provider>.txt). No test runs this and nothing needs a GPU: on a machine without one the GPU
// rows say why they did not load. (WebGPU on Linux runs over Vulkan: it needs libvulkan.so.1 and a
// Vulkan driver; CUDA needs libonnxruntime_providers_cuda.so, which `onnxruntime-node-install=skip`
// leaves uninstalled.) docs/autodiff.md's "GPU" section quotes a run on an H200, and why its CPU
// row was the one in error: at more than one thread ORT's CPU ScatterND can lose additions to the
// embedding gradient (bench/scatternd-race.ts), so the reference is exact only with --threads 1.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sessionOptions, toOnnx, type SessionSettings } from "../runtime/autodiff/onnx.js";
import { buildTrainStep, MINGPT_ADAMW } from "../runtime/autodiff/step.js";
import { loadOrt } from "../runtime/forward/ortForward.js";
import { gpt, gptInit, PAPER_GPT, type GptConfig } from "../runtime/models/gpt.js";
import { toyBatch } from "../runtime/pretrain/tasks.js";
import { makeRng } from "../runtime/random.js";
import { toBase64 } from "../runtime/train/checkpoint.js";
import { GraphTrainer, type StepBatch } from "../runtime/train/graphTrainer.js";
import { findTorchPython, gptTrainingFlops, median } from "./stats.js";

const PROVIDERS = ["cpu", "webgpu", "cuda"] as const;
type Provider = (typeof PROVIDERS)[number];
const TOLERANCE = 1e-4;
const WARMUP = 3;
const LEARNING_RATE = 1e-3;
const CLIP = 1;
const INIT_SEED = 5;
const DATA_SEED = 11;

// ---- options ----

const VALUE_FLAGS = ["--steps", "--providers", "--out", "--threads", "--timeout", "--layers", "--heads", "--embd", "--seq", "--batch", "--torch-script", "--child"];
const SWITCHES = ["--no-torch", "--torch-cpu"];

function fail(message: string): never {
  process.stderr.write(`gpu-check: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (SWITCHES.includes(a)) m.set(a, "");
    else if (VALUE_FLAGS.includes(a)) {
      const v = argv[++i];
      if (v === undefined) fail(`${a} needs a value`);
      m.set(a, v);
    } else fail(`unknown argument '${a}' (flags: ${[...VALUE_FLAGS.filter((f) => f !== "--child"), ...SWITCHES].join(" ")})`);
  }
  return m;
}

const args = parseArgs(process.argv.slice(2));

function intFlag(name: string, fallback: number, max: number): number {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!(Number.isInteger(v) && v >= 1 && v <= max)) fail(`${name} must be an integer from 1 to ${max}, got '${raw}'`);
  return v;
}

function providersFlag(): Provider[] {
  const raw = args.get("--providers") ?? PROVIDERS.join(",");
  const ps = raw.split(",").map((s) => s.trim());
  for (const p of ps) if (!(PROVIDERS as readonly string[]).includes(p)) fail(`--providers: unknown provider '${p}' (known: ${PROVIDERS.join(", ")})`);
  if (!ps.includes("cpu")) fail("--providers must include cpu, the reference every loss is compared with");
  return [...new Set(ps as Provider[])];
}

const STEPS = intFlag("--steps", 50, 100_000);
const THREADS = intFlag("--threads", os.availableParallelism(), 1024);
const TIMEOUT_S = intFlag("--timeout", 240, 86_400);
const BATCH = intFlag("--batch", 96, 4096);
const T = intFlag("--seq", 259, 4096);
const CONFIG: GptConfig = {
  vocabSize: 32,
  blockSize: T,
  nLayer: intFlag("--layers", PAPER_GPT.nLayer, 64),
  nHead: intFlag("--heads", PAPER_GPT.nHead, 64),
  nEmbd: intFlag("--embd", PAPER_GPT.nEmbd, 8192),
};
const isPaperSize = CONFIG.nLayer === PAPER_GPT.nLayer && CONFIG.nHead === PAPER_GPT.nHead && CONFIG.nEmbd === PAPER_GPT.nEmbd;

// ---- what every run trains on ----

/** Batch `step` (1-based): copy-task rows of 31 symbols and a separator, the first T positions. */
function batchAt(step: number): StepBatch & { targets: Int32Array } {
  const task = { name: "copy", symbols: CONFIG.vocabSize - 1, length: Math.ceil(T / 2) } as const;
  const full = toyBatch(task, BATCH, DATA_SEED, step);
  const W = full.seqLen;
  const ids = new Int32Array(BATCH * T);
  const targets = new Int32Array(BATCH * T);
  for (let b = 0; b < BATCH; b++) {
    ids.set(full.ids.subarray(b * W, b * W + T), b * T);
    targets.set(full.targets.subarray(b * W, b * W + T), b * T);
  }
  return { batch: BATCH, seqLen: T, ids, targets };
}

const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split("\n").find((l) => l.trim() !== "") ?? "unknown error";

// ---- child: one provider ----

type ChildEvent =
  | { kind: "start"; ort: string }
  | { kind: "loaded"; ms: number }
  | { kind: "step"; step: number; loss: number; gradNorm: number; ms: number }
  | { kind: "failed"; stage: string; message: string }
  | { kind: "done" };

async function runChild(provider: Provider): Promise<void> {
  const emit = (e: ChildEvent) => process.stdout.write(JSON.stringify(e) + "\n");
  const ort = await loadOrt();
  // loadOrt silences ORT's own log; here its warnings and errors are the evidence of what loaded.
  ort.env.logLevel = "warning";
  emit({ kind: "start", ort: ort.env.versions.node ?? "?" });
  const model = gpt(CONFIG);
  const session: SessionSettings = { threads: THREADS, executionProviders: [provider] };
  const t0 = performance.now();
  if (provider !== "cpu") {
    // The same graph GraphTrainer opens, once with the verbose log: its "Node placements" lines
    // say which nodes run on the device.
    const built = buildTrainStep({ model, batch: BATCH, seqLen: T, loss: { kind: "nextToken" }, optimizer: MINGPT_ADAMW, clipEpsilon: 1e-6, dropout: false });
    try {
      const s = await ort.InferenceSession.create(toOnnx(built.graph, built.outputs), { ...sessionOptions(session), logSeverityLevel: 0 });
      await s.release();
    } catch (e) {
      emit({ kind: "failed", stage: "load", message: oneLine(e) });
      return;
    }
  }
  emit({ kind: "loaded", ms: performance.now() - t0 });
  const params = gptInit(CONFIG, makeRng(INIT_SEED));
  const zeros = () => params.map((p) => new Float32Array(p.length));
  const trainer = new GraphTrainer(ort, { model, optimizer: MINGPT_ADAMW, loss: { kind: "nextToken" }, initial: { params, slots: { m: zeros(), v: zeros() } }, clipEpsilon: 1e-6, session });
  try {
    for (let step = 1; step <= STEPS; step++) {
      const batch = batchAt(step);
      const s0 = performance.now();
      let out;
      try {
        out = await trainer.step(batch, { learningRate: LEARNING_RATE, step, clipNorm: CLIP });
      } catch (e) {
        emit({ kind: "failed", stage: `step ${step}`, message: oneLine(e) });
        return;
      }
      emit({ kind: "step", step, loss: out.loss, gradNorm: out.gradNorm, ms: performance.now() - s0 });
      if (!Number.isFinite(out.loss) || !Number.isFinite(out.gradNorm)) {
        emit({ kind: "failed", stage: `step ${step}`, message: `loss ${out.loss}, gradient norm ${out.gradNorm}: not finite` });
        return;
      }
    }
  } finally {
    trainer.dispose();
  }
  emit({ kind: "done" });
}

// ---- parent: run the children and PyTorch, compare, report ----

interface Outcome {
  name: string;
  /** Set when it did not load or stopped; a one-line reason. */
  failure: string | null;
  loaded: boolean;
  loadMs: number | null;
  losses: number[];
  gradNorms: number[];
  stepMs: number[];
  /** Nodes per execution provider, and per op type, from ORT's verbose placement log. */
  placement: Record<string, { nodes: number; ops: Record<string, number> }> | null;
  log: string;
}

interface ProcessResult {
  readonly stdout: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
}

const running = new Set<ReturnType<typeof spawn>>();
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => {
    for (const c of running) c.kill("SIGKILL");
    process.exit(1);
  });
process.on("exit", () => {
  for (const c of running) c.kill("SIGKILL");
});

/** Runs a process, feeding `input`, calling back per line of output, killing it after `timeoutMs`. */
function runProcess(cmd: string, argv: readonly string[], opts: { input?: string; timeoutMs: number; onStdoutLine?: (l: string) => void; onStderrLine?: (l: string) => void }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ["pipe", "pipe", "pipe"] });
    running.add(child);
    let stdout = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.timeoutMs);
    const lines = (onLine: ((l: string) => void) | undefined, keep: boolean) => {
      let rest = "";
      return (chunk: Buffer) => {
        const text = rest + chunk.toString();
        if (keep) stdout += chunk.toString();
        const parts = text.split("\n");
        rest = parts.pop()!;
        if (onLine) for (const p of parts) onLine(p);
      };
    };
    child.stdout.on("data", lines(opts.onStdoutLine, true));
    child.stderr.on("data", lines(opts.onStderrLine, false));
    child.stdin.on("error", () => {}); // a child that dies early closes its stdin: its exit says why
    child.stdin.end(opts.input ?? "");
    child.on("error", (e) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ stdout: "", code: null, signal: oneLine(e), timedOut });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ stdout, code, signal, timedOut });
    });
  });
}

const LOG_CAP = 4 << 20;
// ORT colours error lines: an escape sequence may come before the timestamp.
// eslint-disable-next-line no-control-regex
const ORT_LINE = /^(?:\x1b\[[0-9;]*m)?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[([VIWEF]):/;
const INTERESTING = /VerifyEachNodeIsAssignedToAnEp|webgpu|dawn|vulkan|adapter|cuda|provider|device/i;

/** Keeps ORT's warnings and errors, anything not from ORT's log, and verbose/info lines about
 * devices and node placement (with their continuation lines); drops the graph-optimiser chatter. */
function logFilter(): { add: (line: string) => void; text: () => string } {
  const kept: string[] = [];
  let size = 0;
  let keeping = true;
  return {
    add(line: string) {
      const m = ORT_LINE.exec(line);
      if (m) keeping = (m[1] !== "V" && m[1] !== "I") || INTERESTING.test(line);
      if (!keeping || size > LOG_CAP) return;
      kept.push(line);
      size += line.length + 1;
    },
    text: () => kept.join("\n") + (size > LOG_CAP ? "\n[log cut at 4 MB]\n" : "\n"),
  };
}

/** Reads ORT's "Node placements" block: a header per provider, then one line per node (each line
 * with the log's prefix, or as continuation lines, depending on the build). */
function placementOf(log: string): Outcome["placement"] {
  const out: NonNullable<Outcome["placement"]> = {};
  let current: { nodes: number; ops: Record<string, number> } | null = null;
  for (const line of log.split("\n")) {
    const at = line.indexOf("VerifyEachNodeIsAssignedToAnEp]");
    if (at < 0 && ORT_LINE.test(line)) {
      current = null;
      continue;
    }
    const text = at >= 0 ? line.slice(at + "VerifyEachNodeIsAssignedToAnEp]".length) : line;
    const head = /(?:All nodes|Node\(s\)) placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(text);
    if (head) {
      current = out[head[1]!] = { nodes: Number(head[2]), ops: {} };
      continue;
    }
    const node = current ? /^\s{2,}(\S+) \(.*\)\s*$/.exec(text) : null;
    if (node) current!.ops[node[1]!] = (current!.ops[node[1]!] ?? 0) + 1;
    else if (at >= 0) current = null;
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** ORT's failure message without its source location, with the library a dlopen missed or else
 * Dawn's first warning (e.g. a Vulkan loader that finds no driver). */
function explain(failure: string, log: string): string {
  const short = failure.replace(/\/onnxruntime_src\/\S+ .* was false\. /, "");
  const missing = [...new Set([...log.matchAll(/([\w.+-]+\.so[\w.]*): cannot open shared object file/g)].map((m) => m[1]!))];
  if (missing.length > 0) return `${short} [not found: ${missing.join(", ")}]`;
  const dawn = /^Warning: (.+)$/m.exec(log);
  return dawn ? `${short} [${dawn[1]!.trim()}]` : short;
}

function emptyOutcome(name: string): Outcome {
  return { name, failure: null, loaded: false, loadMs: null, losses: [], gradNorms: [], stepMs: [], placement: null, log: "" };
}

async function runProvider(provider: Provider): Promise<Outcome> {
  const o = emptyOutcome(provider);
  const filter = logFilter();
  const script = process.argv[1]!;
  const forwarded = [...args].filter(([k]) => !["--out", "--providers", "--torch-script"].includes(k)).flatMap(([k, v]) => (SWITCHES.includes(k) ? [k] : [k, v]));
  const started = performance.now();
  process.stderr.write(`${provider}: starting\n`);
  const r = await runProcess(process.execPath, [...process.execArgv, script, ...forwarded, "--child", provider], {
    timeoutMs: TIMEOUT_S * 1000,
    onStderrLine: filter.add,
    onStdoutLine: (line) => {
      if (!line.startsWith("{")) return filter.add(line);
      const e = JSON.parse(line) as ChildEvent;
      if (e.kind === "loaded") {
        o.loaded = true;
        o.loadMs = e.ms;
      } else if (e.kind === "step") {
        o.losses.push(e.loss);
        o.gradNorms.push(e.gradNorm);
        o.stepMs.push(e.ms);
        if (e.step === 1 || e.step % 10 === 0 || e.step === STEPS)
          process.stderr.write(`${provider}: step ${e.step}/${STEPS}, loss ${e.loss.toFixed(5)}, ${(e.ms / 1000).toFixed(2)} s (${((performance.now() - started) / 1000).toFixed(0)} s in)\n`);
      } else if (e.kind === "failed") o.failure = `${e.stage}: ${e.message}`;
    },
  });
  o.log = filter.text();
  o.placement = placementOf(o.log);
  if (o.failure !== null) o.failure = explain(o.failure, o.log);
  if (r.timedOut) o.failure ??= `stopped by --timeout ${TIMEOUT_S} s after ${o.losses.length} steps`;
  else if (r.code !== 0) o.failure ??= `child exited with ${r.signal ?? `code ${r.code}`}${r.signal ? "" : ` (${o.log.trim().split("\n").pop() ?? ""})`}`;
  process.stderr.write(`${provider}: ${o.failure ?? "done"}\n`);
  return o;
}

async function runTorch(python: string, device: "cuda" | "cpu"): Promise<Outcome> {
  const o = emptyOutcome(`PyTorch (${device})`);
  const script = args.get("--torch-script") ?? path.resolve(path.dirname(new URL(import.meta.url).pathname), "torch_gpt_train.py");
  const params = gptInit(CONFIG, makeRng(INIT_SEED));
  const batches = Array.from({ length: STEPS }, (_, i) => {
    const b = batchAt(i + 1);
    const b64 = (a: Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
    return { ids: b64(b.ids), targets: b64(b.targets) };
  });
  const req = { config: CONFIG, batch: BATCH, seqLen: T, params: Object.fromEntries(gpt(CONFIG).params.map((p, i) => [p.name, toBase64(params[i]!)])), batches, lr: LEARNING_RATE, device };
  process.stderr.write(`PyTorch on ${device}: starting\n`);
  const stderr: string[] = [];
  const t0 = performance.now();
  const r = await runProcess(python, [script], { input: JSON.stringify(req), timeoutMs: TIMEOUT_S * 1000, onStderrLine: (l) => stderr.push(l) });
  o.log = stderr.join("\n");
  if (r.timedOut) o.failure = `stopped by --timeout ${TIMEOUT_S} s`;
  else if (r.code !== 0) o.failure = `${python} ${path.basename(script)} exited with ${r.signal ?? `code ${r.code}`}: ${stderr.filter((l) => l.trim()).pop() ?? ""}`;
  else {
    const out = JSON.parse(r.stdout) as { torch: string; deviceName?: string; losses: number[]; stepMs: number[] };
    o.loaded = true;
    o.loadMs = performance.now() - t0;
    o.losses = out.losses;
    o.stepMs = out.stepMs;
    o.name = `PyTorch ${out.torch} (${device}${out.deviceName ? `, ${out.deviceName}` : ""})`;
  }
  process.stderr.write(`PyTorch on ${device}: ${o.failure ?? "done"}\n`);
  return o;
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number | null {
  const n = Math.min(a.length, b.length);
  if (n === 0) return null;
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const fmt = (v: number | null, digits: number) => (v === null || !Number.isFinite(v) ? "—" : v.toFixed(digits));

function placementText(p: Outcome["placement"]): string {
  if (!p) return "";
  const total = Object.values(p).reduce((a, e) => a + e.nodes, 0);
  return Object.entries(p)
    .map(([ep, e]) => {
      const short = ep.replace("ExecutionProvider", "");
      if (short !== "CPU" || Object.keys(p).length === 1) return `${short} ${e.nodes}/${total}`;
      const ops = Object.entries(e.ops).sort((x, y) => y[1] - x[1]).map(([op, n]) => `${op} ${n}`);
      return `CPU ${e.nodes}/${total}${ops.length ? ` (${ops.join(", ")})` : ""}`;
    })
    .join("; ");
}

function gpuName(): string | null {
  const r = spawnSync("nvidia-smi", ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : null;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

async function main(): Promise<number> {
  const providers = providersFlag();
  const outDir = args.get("--out");
  if (outDir !== undefined) {
    try {
      fs.mkdirSync(outDir, { recursive: true });
    } catch (e) {
      fail(`--out ${outDir}: ${oneLine(e)}`);
    }
  }
  const outcomes: Outcome[] = [];
  for (const p of providers) outcomes.push(await runProvider(p));
  const cpu = outcomes[0]!;
  if (!args.has("--no-torch")) {
    const python = findTorchPython();
    if (python) {
      const cuda = spawnSync(python, ["-c", "import torch; print(int(torch.cuda.is_available()))"], { encoding: "utf8" }).stdout.trim() === "1";
      if (cuda || args.has("--torch-cpu")) outcomes.push(await runTorch(python, cuda ? "cuda" : "cpu"));
    }
  }

  const flops = gptTrainingFlops(CONFIG, BATCH, T);
  const ortVersion = (await loadOrt()).env.versions.node ?? "?";
  const gpu = gpuName();
  const lines = [
    `gpt ${CONFIG.nLayer} layers, ${CONFIG.nHead} heads, d ${CONFIG.nEmbd}${isPaperSize ? " (paper size)" : ""}, vocabulary ${CONFIG.vocabSize}, T ${T}, batch ${BATCH}; ${STEPS} AdamW steps (lr ${LEARNING_RATE}, clip ${CLIP}) on copy-task batches, same weights and batches on every row.`,
    `onnxruntime-node ${ortVersion}, Node ${process.version}, ${THREADS} intra-op threads; CPU: ${os.cpus()[0]?.model ?? "?"} (${os.availableParallelism()} cores); GPU: ${gpu ?? "none found (nvidia-smi)"}.`,
    `Losses compared step by step with ORT's CPU provider; pass: every |Δloss| ≤ ${TOLERANCE}. Speed: median step after the first ${WARMUP}; GFLOP/s counts 3× the forward matmuls (${(flops / 1e9).toFixed(0)} GFLOP a step).`,
    "",
    "| engine | loaded | steps run | max \\|Δloss\\| vs CPU | pass (≤ 1e-4) | first step s | ms/step | steps/s | GFLOP/s | loss step 1 → last | nodes by device |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const o of outcomes) {
    const timed = o.stepMs.slice(WARMUP);
    const ms = timed.length > 0 ? median(timed) : null;
    const diff = o === cpu ? null : maxAbsDiff(o.losses, cpu.losses);
    const pass = o === cpu ? "reference" : diff === null ? "—" : diff <= TOLERANCE ? "yes" : "no";
    const first = o.stepMs.length > 0 ? o.stepMs[0]! / 1000 : null;
    const lossText = o.losses.length > 0 ? `${o.losses[0]!.toFixed(5)} → ${o.losses.at(-1)!.toFixed(5)}` : "—";
    lines.push(
      `| ${o.name} | ${o.loaded ? "yes" : "no"} | ${o.losses.length} | ${diff === null ? "—" : diff.toExponential(2)} | ${pass} | ${fmt(first, 1)} | ${fmt(ms, 1)} | ${ms ? (1000 / ms).toFixed(2) : "—"} | ${ms ? (flops / ms / 1e6).toFixed(0) : "—"} | ${lossText} | ${placementText(o.placement)} |`,
    );
  }
  const failures = outcomes.filter((o) => o.failure);
  if (failures.length > 0) lines.push("", ...failures.map((o) => `- ${o.name}: ${o.failure}`));
  const table = lines.join("\n") + "\n";
  process.stdout.write(table);
  if (outDir !== undefined) {
    writeAtomically(path.join(outDir, "gpu-check.md"), table);
    const json = { config: CONFIG, batch: BATCH, seqLen: T, steps: STEPS, threads: THREADS, learningRate: LEARNING_RATE, clip: CLIP, tolerance: TOLERANCE, ort: ortVersion, node: process.version, gpu, cpu: os.cpus()[0]?.model, outcomes: outcomes.map(({ log: _log, ...rest }) => rest) };
    writeAtomically(path.join(outDir, "gpu-check.json"), JSON.stringify(json, null, 1) + "\n");
    for (const o of outcomes) if (o.log.trim()) writeAtomically(path.join(outDir, `log-${o.name.split(" ")[0]!.toLowerCase()}.txt`), o.log);
  }
  return cpu.losses.length === STEPS ? 0 : 1;
}

const childProvider = args.get("--child");
if (childProvider !== undefined) {
  if (!(PROVIDERS as readonly string[]).includes(childProvider)) fail(`--child: unknown provider '${childProvider}'`);
  await runChild(childProvider as Provider).catch((e: unknown) => {
    process.stdout.write(JSON.stringify({ kind: "failed", stage: "child", message: oneLine(e) }) + "\n");
    process.exitCode = 1;
  });
} else process.exitCode = await main();
