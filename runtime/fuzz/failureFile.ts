// A shrunk failure as a .rasp file: the program, with a comment header that says how to reproduce
// it (vocabulary, max length, the failing input) and what went wrong. The header's `key: JSON`
// lines are read back by `readFailureHeader`, so the regression suite can run a saved file as is.
import * as fs from "node:fs";
import * as path from "node:path";
import { atomFromJson, type Atom } from "../../compiler/rasp/values.js";
import { renderProgram, type GeneratedProgram } from "./program.js";
import type { Failure, Settings } from "./check.js";

export interface FailureRecord {
  readonly program: GeneratedProgram;
  readonly settings: Settings;
  readonly input: readonly Atom[];
  readonly failure: Failure;
  /** Where it came from: `seed S, program N`. */
  readonly origin: string;
  /**
   * For a mismatch: every engine that gets the shrunk case wrong. All of them points at the
   * compiler; one alone, at that engine.
   */
  readonly disagreeing?: readonly string[];
}

export function describeFailure(f: Failure, disagreeing?: readonly string[]): string {
  switch (f.kind) {
    case "mismatch": {
      const engines = disagreeing && disagreeing.length > 0 ? disagreeing : [f.engine];
      return `${engines.join(", ")} ${engines.length === 1 ? "disagrees" : "disagree"} with the interpreter`;
    }
    case "crash":
      return `${f.stage} crashed: ${f.message}`;
    case "invalid":
      return `the interpreter rejects the generated program: ${f.reason}`;
  }
}

const json = (x: unknown) => JSON.stringify(x);

export function failureText(r: FailureRecord): string {
  const header = [
    `raspc fuzz: ${describeFailure(r.failure, r.disagreeing)} (${r.origin})`,
    `vocab: ${json(r.settings.vocab)}`,
    `max-len: ${r.settings.maxLen}`,
    `input: ${json(r.input)}`,
  ];
  if (r.failure.kind === "mismatch") {
    header.push(`engine: ${json(r.failure.engine)}`, `expected: ${json(r.failure.expected)}`, `got: ${json(r.failure.got)}`, `where: ${r.failure.departure}`);
  }
  header.push(`reproduce: raspc verify FILE --vocab '${json(r.settings.vocab)}' --max-len ${r.settings.maxLen}`, "");
  return renderProgram(r.program, header);
}

/** Writes `dir/name.rasp` (creating dir); returns the path. */
export function writeFailureFile(dir: string, name: string, r: FailureRecord): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.rasp`);
  fs.writeFileSync(file, failureText(r));
  return file;
}

export interface FailureHeader {
  readonly vocab: Atom[];
  readonly maxLen: number;
  readonly input: Atom[] | null;
}

/** The settings in a failure file's header (`# vocab: [...]`, `# max-len: N`, `# input: [...]`). */
export function readFailureHeader(text: string): FailureHeader {
  const field = (key: string): unknown => {
    const m = new RegExp(`^#\\s*${key}:\\s*(.+)$`, "m").exec(text);
    return m ? JSON.parse(m[1]!) : undefined;
  };
  const atoms = (x: unknown, what: string): Atom[] => {
    if (!Array.isArray(x)) throw new Error(`failure file: '# ${what}: [...]' is missing or not a JSON array`);
    return x.map((t) => {
      const a = atomFromJson(t);
      if (a === undefined) throw new Error(`failure file: '${what}' holds ${json(t)}, which is not a token`);
      return a;
    });
  };
  const maxLen = field("max-len");
  if (typeof maxLen !== "number") throw new Error("failure file: '# max-len: N' is missing");
  const input = field("input");
  return { vocab: atoms(field("vocab"), "vocab"), maxLen, input: input === undefined ? null : atoms(input, "input") };
}
