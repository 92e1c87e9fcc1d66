// `raspc run FILE --input JSON | --inputs FILE.jsonl [--sop NAME] [--json] [--all]`: interpret.
import { UsageError } from "../../language/diagnostics.js";
import { loadRecorded, outputSOp } from "../../interpreter/program.js";
import { isSOp, type SOp } from "../../rasp/ops.js";
import { GraphEvaluator } from "../../rasp/evaluate.js";
import type { Atom } from "../../rasp/values.js";
import { MAX_INTERPRETED_LENGTH, parseInput, readInputsFile } from "../inputs.js";
import { table } from "./modelArgs.js";
import { RaspError } from "../../language/diagnostics.js";

export interface RunOptions {
  readonly input?: string;
  readonly inputs?: string;
  readonly sop: string;
  readonly all?: boolean;
  readonly json?: boolean;
  readonly allowOutside?: boolean;
}

export function run(file: string, opts: RunOptions, sources: Map<string, string>): number {
  if ((opts.input === undefined) === (opts.inputs === undefined)) throw new UsageError("give exactly one of --input JSON or --inputs FILE.jsonl");
  // Inputs are checked before the program runs: a bad input is the user's first problem to fix.
  const inputs = opts.input !== undefined ? [parseInput(opts.input, "--input")] : readInputsFile(opts.inputs!);
  inputs.forEach((x, i) => {
    if (x.length <= MAX_INTERPRETED_LENGTH) return;
    const where = opts.input !== undefined ? "--input" : `${opts.inputs}: input ${i + 1}`;
    throw new UsageError(`${where}: the input has ${x.length} tokens; the interpreter's limit is ${MAX_INTERPRETED_LENGTH.toLocaleString("en-US")} (its selectors grow with the square of the length)`);
  });
  const program = loadRecorded(file, sources, opts);
  const target = outputSOp(program, opts.sop);
  const shown: [string, SOp][] = opts.all ? namedSOps(program.interpreter.globals.ownEntries(), target, opts.sop) : [[opts.sop, target]];
  const evaluator = new GraphEvaluator(target);
  const extra = shown.filter(([, s]) => !evaluator.order.includes(s)).map(([, s]) => new GraphEvaluator(s));
  const out: string[] = [];
  for (const input of inputs) {
    let values;
    try {
      values = evaluator.run(input);
      for (const e of extra) for (const [k, v] of e.run(input)) values.set(k, v);
    } catch (err) {
      if (err instanceof RaspError) {
        const msg = `${err.diagnostic.message} (on input ${JSON.stringify(input)})`;
        throw new RaspError(msg, err.diagnostic.range);
      }
      throw err;
    }
    if (opts.json) {
      const record: Record<string, unknown> = { input };
      if (opts.all) for (const [name, s] of shown) record[name] = values.get(s.id);
      else record["output"] = values.get(target.id);
      out.push(JSON.stringify(record));
    } else {
      out.push(table(input, shown.map(([name, s]) => [name, values.get(s.id) as Atom[]])));
    }
  }
  process.stdout.write(out.join(opts.json ? "\n" : "\n\n") + "\n");
  return 0;
}

/** The program's named s-ops in definition order, with the output last. */
function namedSOps(entries: [string, unknown][], target: SOp, targetName: string): [string, SOp][] {
  const list: [string, SOp][] = [];
  for (const [name, v] of entries) if (isSOp(v) && v !== target && !name.startsWith("_")) list.push([name, v]);
  list.push([targetName, target]);
  return list;
}
