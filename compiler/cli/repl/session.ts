// One REPL session, independent of the terminal: lines go in through `feed`, text comes out through
// the two writers. commands/repl.ts connects it to node:readline; tests drive it directly.
//
// Everything typed is kept as the text of one pseudo-file, `<repl>`, so diagnostics name a line of
// the session and quote it with a caret, even for an s-op defined many lines earlier that fails
// only when it is evaluated on the running example.
import { Interpreter, ParseFailure } from "../../interpreter/interpreter.js";
import { readSourceFile } from "../../interpreter/sourceFiles.js";
import { staticCheck } from "../../interpreter/staticCheck.js";
import type { Value } from "../../interpreter/values.js";
import { RaspError, UsageError, formatDiagnostic, rangeAt, type Diagnostic } from "../../language/diagnostics.js";
import { parseProgram } from "../../language/parse.js";
import { GraphEvaluator, type SelectorMatrix } from "../../rasp/evaluate.js";
import type { SOp, Selector } from "../../rasp/ops.js";
import { atomFromJson, type Atom } from "../../rasp/values.js";
import { parseInput } from "../inputs.js";
import { describeNames, describeValue, formatExample, type DisplayContext } from "./display.js";
import { blankOut, classifyChunk, type StatementSpan } from "./input.js";

export const REPL_FILE = "<repl>";
export const PROMPT = ">> ";
export const CONTINUATION_PROMPT = "... ";
/** Weiss's REPL starts with the example "hello"; so do we, as a list of characters. */
export const DEFAULT_EXAMPLE: readonly Atom[] = ["h", "e", "l", "l", "o"];

export interface SessionOptions {
  /** Regular output (results). Receives whole lines without their newline. */
  readonly out: (line: string) => void;
  /** Diagnostics. Receives whole lines (possibly several, joined by newlines). */
  readonly err: (text: string) => void;
  /** ANSI colours on diagnostics. */
  readonly color?: boolean;
}

export const HELP_TEXT = `RASP statements end with ';' (a def or for block ends with its '}'); a statement
may span lines: the prompt "... " asks for the rest. After each statement the REPL
shows what it made; s-ops and selectors are shown on the running example.

REPL commands (typed on a line of their own):
  set example ["a","b","c"]   change the running example: a JSON array of tokens,
  set example "hello"         a string (one token per character), or any RASP
                              expression that gives a list or string
  show example                print the running example
  examples on | off           show s-ops and selectors on the example, or not
  names                       list the names defined in this session
  help                        this text
  exit | quit | Ctrl-D        leave (Ctrl-C drops a half-typed statement)

  load "file.rasp";           run a file's statements here (a RASP statement;
                              the path is relative to the current directory)

Errors never end the session. When input is not a terminal (a piped script), no
prompts are shown, and the exit status is 1 if any error was reported, else 0.
Interactive sessions exit with 0. History is kept in ~/.raspc_history
(set RASPC_HISTORY to another file, or to "" to keep none).`;

export class ReplSession {
  readonly interpreter = new Interpreter();
  example: Atom[] = [...DEFAULT_EXAMPLE];
  showExamples = true;
  /** How many errors were reported: a piped session's exit status depends on it. */
  errors = 0;
  /** Set by `exit`/`quit`: the caller stops reading. */
  exited = false;
  /** Lines of the statement being typed, each ending in "\n". */
  private buffer = "";
  /** Every finished line of the session: the text of REPL_FILE. */
  private history = "";
  private historyLines = 0;

  constructor(private readonly options: SessionOptions) {}

  /** The prompt for the next line. */
  get prompt(): string {
    return this.buffer === "" ? PROMPT : CONTINUATION_PROMPT;
  }

  banner(): string[] {
    return [
      "raspc RASP REPL, in the manner of Weiss's. Type `help` for commands; `exit` or Ctrl-D leaves.",
      `running example is: ${formatExample(this.example)} (Weiss's "hello"; change it with \`set example ["a","b"]\`)`,
    ];
  }

  /** One line of input (without its newline). */
  feed(line: string): void {
    if (this.exited) return;
    const command = this.buffer === "" ? this.command(line, this.historyLines) : null;
    if (command) {
      this.remember(line + "\n");
      command();
      return;
    }
    this.buffer += line + "\n";
    const padding = "\n".repeat(this.historyLines);
    const state = classifyChunk(REPL_FILE, padding, this.buffer);
    if (state.kind === "incomplete") return;
    const chunk = this.buffer;
    this.buffer = "";
    this.remember(chunk);
    if (state.kind === "error") this.report(new ParseFailure([...state.diagnostics]));
    else if (state.kind === "complete") this.runChunk(padding, chunk, state.statements);
  }

  /** End of input: a half-typed statement is an error. */
  end(): void {
    if (this.buffer === "" || this.exited) return;
    const padding = "\n".repeat(this.historyLines);
    const state = classifyChunk(REPL_FILE, padding, this.buffer);
    this.remember(this.buffer);
    this.buffer = "";
    if (state.kind === "incomplete" || state.kind === "error") {
      this.report(new ParseFailure(state.diagnostics.map((d) => ({ ...d, message: `${d.message} (the input ended inside a statement)` }))));
    }
  }

  /** Ctrl-C: forget the half-typed statement. Returns whether there was one. */
  cancel(): boolean {
    const had = this.buffer !== "";
    this.buffer = "";
    return had;
  }

  /** Loads a program file into the session, as `raspc repl FILE` does before the first prompt. */
  loadFile(file: string): void {
    try {
      const text = readSourceFile(file);
      this.interpreter.sources.set(file, text);
      const parsed = parseProgram(file, text);
      if (!parsed.program) throw new ParseFailure(parsed.diagnostics);
      const problems = staticCheck(parsed.program, readSourceFile).filter((d) => d.severity === "error");
      if (problems.length > 0) throw new ParseFailure(problems);
      const before = new Map(this.interpreter.globals.ownEntries());
      this.interpreter.runSource(file, text);
      this.options.out(`     loaded ${JSON.stringify(file)}: ${describeNames(this.changedSince(before))}`);
    } catch (err) {
      this.report(err);
    }
  }

  /** Names in the session's global scope, for completion and `names`. */
  globalNames(): string[] {
    return this.interpreter.globals.ownEntries().map(([name]) => name);
  }

  // ------------------------------------------------------------------ commands

  /** The action of a REPL command, or null when the line is RASP. `lineIndex` is its 0-based session line. */
  private command(line: string, lineIndex: number): (() => void) | null {
    const text = line.trim();
    if (/^(exit|quit)(\(\))?\s*;?$/.test(text)) return () => (this.exited = true);
    if (text === "help") return () => HELP_TEXT.split("\n").forEach((l) => this.options.out(l));
    if (text === "names") {
      return () => {
        const entries = this.interpreter.globals.ownEntries();
        this.options.out(`     ${entries.length === 0 ? "no names defined yet" : describeNames(entries)}`);
      };
    }
    if (/^show(\s+(s-op|selector))?\s+example\s*;?$/.test(text)) return () => this.options.out(`     running example: ${formatExample(this.example)}`);
    const toggle = /^((s-op|selector)\s+)?examples\s+(on|off)\s*;?$/.exec(text);
    if (toggle) return () => (this.showExamples = toggle[3] === "on");
    const set = /^set(\s+(s-op|selector))?\s+example(\s+(.*?))?\s*;?$/.exec(text);
    if (set) {
      const arg = set[4] ?? "";
      const column = line.indexOf(arg, line.indexOf("example") + "example".length);
      return () => this.setExample(arg, lineIndex, column);
    }
    return null;
  }

  /** `set example X`: X is JSON, or else a RASP expression; it starts at `column` (0-based) of session line `lineIndex`. */
  private setExample(arg: string, lineIndex: number, column: number): void {
    if (arg === "") {
      this.report(new UsageError('set example needs tokens: a JSON array such as ["a","b"] or a string such as "hello"'));
      return;
    }
    try {
      let json: unknown;
      let isJson = true;
      try {
        json = JSON.parse(arg);
      } catch {
        isJson = false;
      }
      if (isJson) this.example = typeof json === "string" ? this.stringExample(json) : parseInput(arg, "set example");
      else this.example = this.evaluateExample(arg, lineIndex, column);
    } catch (err) {
      this.report(err);
    }
  }

  private stringExample(s: string): Atom[] {
    if (s.length === 0) throw new UsageError("set example: the example is empty; RASP programs need at least one token");
    return Array.from(s);
  }

  /** Weiss's REPL evaluates the example as an expression: `set example range(5)`, `set example ["a"] * 3`. */
  private evaluateExample(arg: string, lineIndex: number, column: number): Atom[] {
    const parsed = parseProgram(REPL_FILE, "\n".repeat(lineIndex) + " ".repeat(Math.max(0, column)) + arg + ";");
    if (!parsed.program) throw new ParseFailure(parsed.diagnostics);
    const st = parsed.program.statements[0];
    if (parsed.program.statements.length !== 1 || st?.kind !== "expr") {
      throw new UsageError('set example: expected a JSON array such as ["a","b"], a string such as "hello", or an expression');
    }
    const v = this.interpreter.eval(st.expr, this.interpreter.globals);
    if (typeof v === "string") return this.stringExample(v);
    const atoms = Array.isArray(v) ? v.map((x) => (x === null || typeof x !== "object" ? atomFromJson(x) : undefined)) : [];
    if (!Array.isArray(v) || atoms.some((a) => a === undefined)) {
      throw new RaspError("set example: the example must be a list of tokens (strings, numbers, booleans or None) or a string", st.expr.range);
    }
    if (atoms.length === 0) throw new RaspError("set example: the example is empty; RASP programs need at least one token", st.expr.range);
    return atoms as Atom[];
  }

  // ------------------------------------------------------------------ running

  private remember(text: string): void {
    this.history += text;
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.historyLines++;
    this.interpreter.sources.set(REPL_FILE, this.history);
  }

  /** Runs a finished chunk statement by statement, showing each result before the next runs. */
  private runChunk(padding: string, chunk: string, statements: readonly StatementSpan[]): void {
    for (const s of statements) {
      const from = s.start - padding.length;
      const to = s.end - padding.length;
      // The statement alone, at its place in the session: line and column numbers stay right.
      const source = padding + blankOut(chunk.slice(0, from)) + chunk.slice(from, to);
      const before = s.load ? new Map(this.interpreter.globals.ownEntries()) : null;
      try {
        const outcomes = this.interpreter.runSource(REPL_FILE, source);
        this.interpreter.sources.set(REPL_FILE, this.history);
        for (const o of outcomes) this.show(o, before, chunk.slice(from, to));
      } catch (err) {
        this.interpreter.sources.set(REPL_FILE, this.history);
        // An error about the whole "file" (too deep to evaluate) belongs to this statement.
        const atFileStart = err instanceof RaspError && err.diagnostic.range.file === REPL_FILE && err.diagnostic.range.endOffset === 0;
        this.report(atFileStart ? new RaspError(err.message, rangeAt(REPL_FILE, source, s.start + Math.max(0, source.slice(s.start).search(/\S/)))) : err);
        return; // like a script: a failed statement stops the rest of its chunk
      }
    }
  }

  private show(o: ReturnType<Interpreter["runSource"]>[number], before: Map<string, Value> | null, text: string): void {
    const ctx = this.displayContext(o.kind === "assigned" ? `${o.names.join(", ")} ${o.names.length === 1 ? "is" : "are"} defined, but ` : "");
    const lines: string[] = [];
    switch (o.kind) {
      case "assigned":
        o.names.forEach((name, i) => lines.push(...describeValue(name, o.values[i]!, ctx)));
        break;
      case "value":
        lines.push(...describeValue(null, o.value, ctx));
        break;
      case "defined": {
        const f = this.interpreter.global(o.name);
        if (f !== undefined) lines.push(...describeValue(null, f, ctx));
        break;
      }
      case "none":
        if (before) {
          const file = /"([^"]*)"/.exec(text)?.[1] ?? "";
          lines.push(`     loaded ${JSON.stringify(file)}: ${describeNames(this.changedSince(before))}`);
        }
        break;
    }
    for (const l of lines) this.options.out(l);
  }

  private changedSince(before: Map<string, Value>): [string, Value][] {
    return this.interpreter.globals.ownEntries().filter(([name, v]) => before.get(name) !== v);
  }

  private displayContext(failurePrefix: string): DisplayContext {
    const evaluate = (node: SOp | Selector): unknown => {
      try {
        return new GraphEvaluator(node).run(this.example).get(node.id);
      } catch (err) {
        if (err instanceof RaspError) {
          const d = err.diagnostic;
          this.report(new RaspError(`${failurePrefix}${failurePrefix ? "f" : "F"}ails on the running example ${formatExample(this.example)}: ${d.message}`, d.range));
          return undefined;
        }
        this.report(err);
        return undefined;
      }
    };
    return {
      example: this.example,
      showExamples: this.showExamples,
      evaluateSOp: (node) => evaluate(node) as Atom[] | undefined,
      evaluateSelector: (node) => evaluate(node) as SelectorMatrix | undefined,
    };
  }

  // ------------------------------------------------------------------ errors

  /** Prints an error of any kind; never a stack trace (unless RASPC_DEBUG is set). */
  report(err: unknown): void {
    this.errors++;
    const red = (s: string): string => (this.options.color ? `\u001b[31m${s}\u001b[0m` : s);
    const sources = this.interpreter.sources;
    const diagnostics = (ds: readonly Diagnostic[]): void => {
      const sorted = [...ds].sort((a, b) => (a.range.file === b.range.file ? a.range.startOffset - b.range.startOffset : a.range.file < b.range.file ? -1 : 1));
      for (const d of sorted) {
        const [head, ...rest] = formatDiagnostic(d, sources).split("\n");
        this.options.err([red(head!), ...rest].join("\n"));
      }
    };
    if (err instanceof ParseFailure) diagnostics(err.diagnostics);
    else if (err instanceof RaspError) diagnostics([err.diagnostic]);
    else if (err instanceof UsageError) this.options.err(red(`error: ${err.message}`));
    else {
      const message = err instanceof Error ? err.message : String(err);
      this.options.err(red(`internal error: ${message.split("\n")[0]}`));
      if (process.env.RASPC_DEBUG && err instanceof Error && err.stack) this.options.err(err.stack);
    }
  }
}
