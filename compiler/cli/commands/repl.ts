// `raspc repl [FILE]`: an interactive RASP session in the manner of Weiss's REPL (prompt ">> ",
// results shown on a running example). The session itself is compiler/cli/repl/session.ts; this
// file connects it to a terminal with node:readline, or reads a piped script line by line.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as readline from "node:readline";
import { readBoundedText } from "../../common/boundedRead.js";
import { ReplSession } from "../repl/session.js";

export interface ReplOptions {
  /** false with --no-color. Colour is used only on a terminal, and never when NO_COLOR is set. */
  readonly color?: boolean;
}

const HISTORY_SIZE = 1000;

/** Where history is kept: RASPC_HISTORY, or ~/.raspc_history; null when RASPC_HISTORY is empty. */
function historyFile(): string | null {
  const env = process.env.RASPC_HISTORY;
  if (env !== undefined) return env === "" ? null : env;
  return path.join(os.homedir(), ".raspc_history");
}

/** Past lines, newest first (as readline wants them). Best effort: an unreadable file is no history. */
function readHistory(file: string | null): string[] {
  if (!file) return [];
  try {
    return readBoundedText(file, "a history file", 16 * 1024 * 1024).split("\n").filter((l) => l.trim() !== "").slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

export async function repl(file: string | undefined, sources: Map<string, string>, options: ReplOptions = {}): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY);
  const color = options.color !== false && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const session = new ReplSession({
    out: (line) => process.stdout.write(line + "\n"),
    err: (text) => process.stderr.write(text + "\n"),
    color,
  });
  if (interactive) for (const line of session.banner()) process.stdout.write(line + "\n");
  if (file !== undefined) session.loadFile(file);
  try {
    if (interactive) await interactiveLoop(session);
    else await pipedLoop(session);
  } finally {
    for (const [f, text] of session.interpreter.sources) sources.set(f, text);
  }
  // A piped script fails if anything in it failed; a person at a terminal has seen the errors.
  return !interactive && session.errors > 0 ? 1 : 0;
}

/** Input that is not a terminal: no prompts, no history; each line is fed as it comes. */
async function pipedLoop(session: ReplSession): Promise<void> {
  const rl = readline.createInterface({ input: process.stdin, terminal: false, crlfDelay: Infinity });
  for await (const line of rl) {
    session.feed(line);
    if (session.exited) break;
  }
  rl.close();
  session.end();
  // `exit` may come before the writer closes its end; stop reading so the process can end.
  if (session.exited) process.stdin.destroy();
}

function interactiveLoop(session: ReplSession): Promise<void> {
  const histFile = historyFile();
  let saveHistory = histFile !== null;
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    prompt: session.prompt,
    history: readHistory(histFile),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string): [string[], string] => {
      const word = /[A-Za-z_][A-Za-z_0-9]*$/.exec(line)?.[0] ?? "";
      const names = [...new Set([...session.globalNames(), "tokens", "indices", "length", "select", "aggregate", "selector_width"])];
      const hits = word === "" ? [] : names.filter((n) => n.startsWith(word)).sort();
      return [hits, word];
    },
  });
  rl.on("history", (lines: string[]) => {
    if (!saveHistory || histFile === null) return;
    try {
      fs.writeFileSync(histFile, [...lines].reverse().join("\n") + "\n", { mode: 0o600 });
    } catch {
      saveHistory = false; // best effort: a read-only home directory is not the user's problem
    }
  });
  let interrupted = false;
  rl.on("SIGINT", () => {
    // Ctrl-C drops a half-typed statement; on an empty line it says how to leave, and twice leaves.
    const dropped = session.cancel() || rl.line !== "";
    process.stdout.write("\n");
    if (!dropped && interrupted) {
      rl.close();
      return;
    }
    if (!dropped) process.stdout.write("(To exit, press Ctrl-C again or Ctrl-D, or type exit)\n");
    interrupted = !dropped;
    rl.write(null, { ctrl: true, name: "u" }); // clear whatever was typed on the line
    rl.setPrompt(session.prompt);
    rl.prompt();
  });
  return new Promise((resolve) => {
    rl.on("line", (line) => {
      interrupted = false;
      session.feed(line);
      if (session.exited) {
        rl.close();
        return;
      }
      rl.setPrompt(session.prompt);
      rl.prompt();
    });
    rl.on("close", () => {
      if (!session.exited) process.stdout.write("\n");
      session.end();
      resolve();
    });
    rl.prompt();
  });
}
