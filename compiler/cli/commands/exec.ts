// `raspc exec MODEL.json (--input JSON | --inputs FILE.jsonl) [--json]`: run a compiled model on
// inputs and show its decoded outputs, the way `run` shows the interpreter's.
import * as fs from "node:fs";
import { UsageError } from "../../language/diagnostics.js";
import { readModel } from "../../model/modelFile.js";
import type { Atom } from "../../rasp/values.js";
import { parseInput } from "../inputs.js";
import { createRunner } from "../../../runtime/runModel.js";
import { makeTokenizer } from "../../../runtime/tokenize.js";
import { table } from "./modelArgs.js";

export interface ExecOptions {
  readonly input?: string;
  readonly inputs?: string;
  readonly json?: boolean;
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
  const runner = await createRunner(model);
  let outputs: Atom[][];
  try {
    outputs = runner.decode(ids);
  } finally {
    runner.dispose();
  }
  const numerical = model.output.encoding === "numerical";
  const lines = inputs.map(({ input }, i) => {
    const out = outputs[i]!.map((a) => shown(a, numerical));
    return opts.json ? JSON.stringify({ input, output: out }) : table(input, [[model.source.sop, out]]);
  });
  process.stdout.write(lines.join(opts.json ? "\n" : "\n\n") + "\n");
  return 0;
}
