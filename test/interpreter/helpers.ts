// Shared helpers for the interpreter suites: run a source, read a global, evaluate an s-op.
import { expect } from "vitest";
import { Interpreter } from "../../compiler/interpreter/interpreter.js";
import type { Value } from "../../compiler/interpreter/values.js";
import { RaspError } from "../../compiler/language/diagnostics.js";
import { evaluateSOp, evaluateSelector } from "../../compiler/rasp/evaluate.js";
import { isSOp, isSelector, type SOp, type Selector } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";

export function run(source: string, file = "t.rasp"): Interpreter {
  const interp = new Interpreter();
  interp.runSource(file, source);
  return interp;
}

/** The value a program leaves in a global (`x` unless named). */
export function valueOf(source: string, name = "x"): Value | undefined {
  return run(source).global(name);
}

export function sopOf(interp: Interpreter, name: string): SOp {
  const v = interp.global(name);
  if (!isSOp(v)) throw new Error(`${name} is not an s-op`);
  return v;
}

export function selectorOf(interp: Interpreter, name: string): Selector {
  const v = interp.global(name);
  if (!isSelector(v)) throw new Error(`${name} is not a selector`);
  return v;
}

/** The s-op a program assigns to `name` (default `x`), evaluated on an input (a string is split into characters). */
export function evalOn(source: string, input: readonly Atom[] | string, name = "x"): Atom[] {
  return evaluateSOp(sopOf(run(source), name), typeof input === "string" ? [...input] : input);
}

/** A selector as 0/1 rows: row q lists which keys query q selects. */
export function selectorOn(source: string, input: readonly Atom[] | string, name = "x"): number[][] {
  return evaluateSelector(selectorOf(run(source), name), typeof input === "string" ? [...input] : input).map((row) => [...row]);
}

export interface CaughtError {
  readonly message: string;
  /** `line:col-endCol` of the diagnostic's range (`line:col-line:col` when it spans lines). */
  readonly at: string;
  /** The source text the range covers. */
  readonly text: string;
}

/** Runs `f`, which must throw a RaspError, and returns its message and place. */
export function raspError(f: () => unknown, source?: string): CaughtError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a RaspError").toBeInstanceOf(RaspError);
  const d = (caught as RaspError).diagnostic;
  const r = d.range;
  const at = r.startLine === r.endLine ? `${r.startLine}:${r.startColumn}-${r.endColumn}` : `${r.startLine}:${r.startColumn}-${r.endLine}:${r.endColumn}`;
  return { message: d.message, at, text: source === undefined ? "" : source.slice(r.startOffset, r.endOffset) };
}

/** The RaspError raised while running `source` (and evaluating `name` on `input`, if given). */
export function errorOf(source: string, input?: readonly Atom[] | string, name = "x"): CaughtError {
  return raspError(() => (input === undefined ? run(source) : evalOn(source, input, name)), source);
}
