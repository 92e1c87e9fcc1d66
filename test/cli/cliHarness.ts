// Running the built CLI the way a user does: `node bin/raspc.js ARGS`, with optional stdin, in a
// scratch directory. Every process has a time limit so a hang fails a test instead of the suite.
import { execSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { expect } from "vitest";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const BIN = path.join(ROOT, "bin", "raspc.js");

/** `npm test` builds first (pretest); a bare `npx vitest run test/cli` builds only if dist is missing. */
export function ensureBuilt(): void {
  if (!fs.existsSync(path.join(ROOT, "dist", "cli", "main.js"))) execSync("npm run build", { cwd: ROOT, stdio: "ignore" });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly input?: string | Buffer;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

export function raspc(args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      // No colours, no history file, no debug stacks: what a user's script sees.
      env: { ...process.env, NO_COLOR: "1", RASPC_HISTORY: "", RASPC_DEBUG: "", ...opts.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`raspc ${args.join(" ")} did not finish within ${opts.timeoutMs ?? 15_000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on("error", () => {}); // the CLI may exit before reading all of stdin
    child.stdin.end(opts.input ?? "");
  });
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

/**
 * Bundles the CLI from the current sources into `outdir` with scripts/bundle-cli.js's options
 * (faster than going through tsx per run, and independent of a stale dist/); returns main.js.
 * Put `outdir` under node_modules/ so the external tensor and ONNX packages resolve.
 */
export async function bundleCli(outdir: string): Promise<string> {
  await build({
    entryPoints: { main: path.join(ROOT, "compiler/cli/main.ts") },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outdir,
    external: ["onnxruntime-node", "onnx-proto", "protobufjs", "@tensorflow/*", "vega", "vega-lite", "@resvg/*"],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: "error",
  });
  return path.join(outdir, "main.js");
}
