// The one way tests run raspc. As a child process (`raspc`, `spawnRaspc`): the CLI bundled from the
// current sources by the build's own script, started through the real launcher (cliBundle.ts, the
// integration project's global setup), with a time limit so a hang fails its test instead of the
// suite; exit codes and what reaches stdout and stderr are what a user gets. In this process
// (`inProcess`): a command function run as main.ts runs it, for tests that hand a command a broken
// part (the fuzzer's compiler) to see it caught. Also the checks every CLI test shares.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, inject, vi } from "vitest";
import { runReported } from "../../compiler/cli/report.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The launcher of the CLI under test (see cliBundle.ts). */
export function raspcBin(): string {
  const bin = inject("raspcBin");
  if (!bin) throw new Error("no CLI under test: test/helpers/cliBundle.ts is the integration project's globalSetup; run this file in that project (vitest.config.ts)");
  return bin;
}

export interface CliResult {
  /** The exit status; null when the process was ended by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Working directory (default: the repository root). */
  readonly cwd?: string;
  /** What stdin reads (default: nothing; stdin is closed). */
  readonly input?: string | Buffer;
  readonly env?: Record<string, string>;
  /** Node flags before the script, e.g. `--import` of a module-resolution hook. */
  readonly nodeFlags?: readonly string[];
  /** Past this the process is killed and the test fails (default 45 s: hang detection, not a speed test). */
  readonly timeoutMs?: number;
}

/** No colours, no history file, no debug stacks: what a user's script sees. */
function cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: "1", RASPC_HISTORY: "", RASPC_DEBUG: "", ...env };
}

/** `raspc ARGS` as a child process, for tests that stream to it, signal it or kill its parent. */
export function spawnRaspc(args: readonly string[], opts: SpawnOptions & { nodeFlags?: readonly string[] } = {}): ChildProcess {
  const { nodeFlags = [], env, ...rest } = opts;
  return spawn(process.execPath, [...nodeFlags, raspcBin(), ...args], { cwd: ROOT, ...rest, env: cliEnv(env as Record<string, string> | undefined) });
}

/** Runs `raspc ARGS` to the end and collects its exit status and output. */
export function raspc(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 45_000;
  return new Promise((resolve, reject) => {
    const child = spawnRaspc(args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? {}, nodeFlags: opts.nodeFlags ?? [], stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`raspc ${args.join(" ")} did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin!.on("error", () => {}); // the CLI may exit before reading all of stdin
    child.stdin!.end(opts.input ?? "");
  });
}

/**
 * A command function (compiler/cli/commands/) run in this process as main.ts runs it: its exit
 * status, or its error reported as a user reads it; stdout and stderr captured meanwhile. The
 * capture is of the whole process, so the test runner's own writes may land in it (without a
 * newline): match lines, not the whole text. One at a time.
 */
export async function inProcess(command: (sources: Map<string, string>) => Promise<number> | number): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await runReported(command);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const scratchDirs: string[] = [];

/** A fresh scratch directory with the given files (paths relative to it; string or raw bytes). */
export function scratch(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-cli-"));
  scratchDirs.push(dir);
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return dir;
}

/** Removes the scratch directories this test file made (call from afterAll). */
export function removeScratch(): void {
  for (const dir of scratchDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** What every failure must look like: no stack trace, no internal error. */
export function expectNoCrash(r: CliResult): void {
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain("internal error");
  expect(r.stdout).not.toMatch(/^\s+at /m);
}

/** An error run: exit status 1 and exactly one line on stderr, no stack trace; returns the line. */
export function oneLineError(r: CliResult): string {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expectNoCrash(r);
  return lines[0]!;
}

export interface ParsedDiagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  /** The quoted source line and the caret line, when shown. */
  readonly source?: string;
  readonly caret?: string;
}

const HEAD = /^(.+?):(\d+):(\d+): error: (.*)$/;

/** Splits stderr into diagnostics: a `file:line:col: error: message` line, then source and caret lines. */
export function diagnostics(stderr: string): ParsedDiagnostic[] {
  const lines = stderr.split("\n");
  const out: ParsedDiagnostic[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = HEAD.exec(lines[i]!);
    if (!m) continue;
    const [source, caret] = [lines[i + 1], lines[i + 2]];
    const quoted = source !== undefined && /^\s*\d+ \| /.test(source) && caret !== undefined && /^\s+\| *\^+$/.test(caret);
    out.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), message: m[4]!, ...(quoted ? { source, caret } : {}) });
  }
  return out;
}

/** The column (1-based) a caret line points at, given the gutter of its source line. */
export function caretColumn(d: ParsedDiagnostic): number {
  const gutter = d.source!.indexOf("| ") + 2;
  return d.caret!.indexOf("^") - gutter + 1;
}
