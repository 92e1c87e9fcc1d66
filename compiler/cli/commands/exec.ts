// `raspc exec MODEL.json (--input JSON | --inputs FILE.jsonl) [--json] [--trace] [--engine ort|tfjs]`:
// run a compiled model on inputs (on onnxruntime-node unless --engine tfjs) and show its decoded
// outputs, the way `run` shows the interpreter's. With --trace, also every head's attention pattern
// and, after every sublayer, the residual stream read back as s-ops (with --json: the raw residual
// streams too, and `trace.hooks`: every TransformerLens hook of compiler/model/hooks.ts by name, for
// that input's real positions).
import * as fs from "node:fs";
import { UsageError } from "../../language/diagnostics.js";
import { readModel } from "../../model/modelFile.js";
import type { Atom } from "../../rasp/values.js";
import { parseInput } from "../inputs.js";
import { createRunner, type EngineName } from "../../../runtime/forward/runModel.js";
import { makeTokenizer } from "../../../runtime/forward/tokenize.js";
import { traceSequence, type Trace } from "../../../runtime/forward/trace.js";
import { table } from "./modelArgs.js";

export interface ExecOptions {
  readonly input?: string;
  readonly inputs?: string;
  readonly json?: boolean;
  readonly trace?: boolean;
  /** Default "ort". */
  readonly engine?: EngineName;
}

/** Inputs with a name for each (`--input`, `FILE:LINE`), so tokenizer errors point at the line. */
function readInputs(opts: ExecOptions): { input: Atom[]; where: string }[] {
  if (opts.input !== undefined) return [{ input: parseInput(opts.input, "--input"), where: "--input" }];
  const file = opts.inputs!;
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`${file}: cannot read the inputs file`);
  }
  const out: { input: Atom[]; where: string }[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${file}:${i + 1}`;
    out.push({ input: parseInput(line, where), where });
  });
  if (out.length === 0) throw new UsageError(`${file}: no inputs in the file (expected one JSON array per line)`);
  return out;
}

/** A numerical output is a float32 computation: seven significant digits are all it has. */
function shown(a: Atom, numerical: boolean): Atom {
  return numerical && typeof a === "number" ? Number(a.toPrecision(7)) : a;
}

export async function exec(modelFile: string, opts: ExecOptions): Promise<number> {
  if ((opts.input === undefined) === (opts.inputs === undefined)) throw new UsageError("give exactly one of --input JSON or --inputs FILE.jsonl");
  const inputs = readInputs(opts);
  const model = readModel(modelFile);
  const tokenizer = makeTokenizer(model);
  const ids = inputs.map(({ input, where }) => tokenizer.encode(input, where));
  const runner = await createRunner(model, { engine: opts.engine ?? "ort" });
  let outputs: Atom[][];
  let traces: Trace[] = [];
  try {
    outputs = await runner.decode(ids);
    if (opts.trace) {
      const result = await runner.forward(ids, { hooks: true });
      traces = ids.map((_, b) => traceSequence(model, result, b));
    }
  } finally {
    runner.dispose();
  }
  const numerical = model.output.encoding === "numerical";
  const lines = inputs.map(({ input }, i) => {
    const out = outputs[i]!.map((a) => shown(a, numerical));
    if (opts.json) return JSON.stringify(opts.trace ? { input, output: out, trace: traces[i] } : { input, output: out });
    const main = table(input, [[model.source.sop, out]]);
    return opts.trace ? [main, ...traceText(input, traces[i]!)].join("\n\n") : main;
  });
  process.stdout.write(lines.join(opts.json ? "\n" : "\n\n") + "\n");
  return 0;
}

/** Two decimals, without "-0.00". */
function weight(x: number): string {
  const t = x.toFixed(2);
  return t === "-0.00" ? "0.00" : t;
}

/** The text form of a trace: each stage's newly computed s-ops, and each head's pattern. */
function traceText(input: readonly Atom[], trace: Trace): string[] {
  const out: string[] = [];
  const seen = new Set<string>(["tokens"]); // the table's header row already shows the tokens
  const fresh = (sops: [string, Atom[]][]) => sops.filter(([name]) => !seen.has(name) && seen.add(name));
  const float = (a: Atom) => (typeof a === "number" && !Number.isInteger(a) ? Number(a.toPrecision(4)) : a);
  const stageText = (i: number) => {
    const st = trace.stages[i]!;
    const rows = fresh(st.sops).map(([name, vals]) => [name, vals.map(float)] as [string, Atom[]]);
    if (rows.length > 0) out.push(`after ${st.stage}: s-ops read from the residual stream\n${table(input, rows)}`);
  };
  stageText(0);
  trace.attention.forEach(({ layer, heads }, l) => {
    for (const h of heads) {
      const keys = ["BOS", ...input.map((_, i) => String(i))];
      const width = Math.max(4, ...keys.map((k) => k.length));
      const head = `${"query".padEnd(5)} | ${keys.map((k) => k.padStart(width)).join(" ")}`;
      const body = h.pattern.map((row, q) => `${String(q).padEnd(5)} | ${row.map((x) => weight(x).padStart(width)).join(" ")}`);
      out.push(`layer ${layer} head ${h.head} (${h.label}): attention pattern, rows are query positions, columns key positions\n${[head, ...body].join("\n")}`);
    }
    stageText(1 + 2 * l);
    stageText(2 + 2 * l);
  });
  return out;
}
