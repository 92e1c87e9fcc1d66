// Reading user inputs for `run`, `exec` and `verify`: JSON arrays of tokens, one on the command
// line or one per line of a JSONL file. Every problem names the argument or file:line.
import { UsageError } from "../language/diagnostics.js";
import { readBoundedText } from "../common/boundedRead.js";
import { atomFromJson, type Atom } from "../rasp/values.js";

export const MAX_INPUT_LENGTH = 100_000;
/**
 * The interpreter evaluates a selector as an n × n matrix, so its time and memory grow with the
 * square of the input: 5,000 tokens take seconds, 100,000 would take hours and tens of GB.
 */
export const MAX_INTERPRETED_LENGTH = 10_000;
/** An inputs file past this is no batch anyone meant to run. */
const MAX_INPUTS_FILE_BYTES = 256 * 1024 * 1024;

/** The text of an inputs file; FIFOs, devices and huge files are refused (boundedRead.ts). */
export function readInputsText(file: string): string {
  return readBoundedText(file, "an inputs file (JSON lines)", MAX_INPUTS_FILE_BYTES);
}

/** Parses one input; `where` names it in errors ("--input", "inputs.jsonl:3"). */
export function parseInput(text: string, where: string): Atom[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const shown = text.length > 40 ? text.slice(0, 37) + "..." : text;
    throw new UsageError(`${where}: not valid JSON (got ${JSON.stringify(shown)}); an input is a JSON array such as ["a","b"]`);
  }
  if (!Array.isArray(value)) throw new UsageError(`${where}: an input must be a JSON array of tokens, got ${value === null ? "null" : typeof value}`);
  if (value.length === 0) throw new UsageError(`${where}: the input is empty; RASP programs need at least one token`);
  if (value.length > MAX_INPUT_LENGTH) throw new UsageError(`${where}: the input has ${value.length} tokens; the limit is ${MAX_INPUT_LENGTH}`);
  return value.map((x, i) => {
    const atom = atomFromJson(x);
    if (typeof x === "number" && atom === undefined) throw new UsageError(`${where}: token ${i} is not a finite number (JSON numbers past about 1.8e308 overflow)`);
    if (atom === undefined) throw new UsageError(`${where}: token ${i} is ${Array.isArray(x) ? "an array" : typeof x}; tokens are strings, numbers, booleans or null`);
    return atom;
  });
}

/** Reads a JSONL file of inputs; blank lines are skipped. */
export function readInputsFile(file: string): Atom[][] {
  const text = readInputsText(file);
  const inputs: Atom[][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    inputs.push(parseInput(line, `${file}:${i + 1}`));
  });
  if (inputs.length === 0) throw new UsageError(`${file}: no inputs in the file (expected one JSON array per line)`);
  return inputs;
}
