// Global setup of the integration project: the CLI every test runs, built once per test run from
// the current sources by the build's own bundling script (scripts/bundle-cli.js), beside a copy of
// the real launcher (bin/raspc.js), so a test never runs a stale dist/ and always runs the CLI a
// user's `npm run build` would produce. It lives under node_modules/ so the external tensor and
// ONNX packages resolve from the bundle as they do from dist/.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

declare module "vitest" {
  export interface ProvidedContext {
    /** The launcher of the CLI under test: `node RASPC_BIN ARGS` runs `raspc ARGS`. */
    raspcBin: string;
  }
}

export default function setup(project: TestProject): () => void {
  fs.mkdirSync(path.join(ROOT, "node_modules", ".cache"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, "node_modules", ".cache", "raspc-test-cli-"));
  execFileSync(process.execPath, [path.join(ROOT, "scripts", "bundle-cli.js"), path.join(dir, "dist", "cli")], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  fs.mkdirSync(path.join(dir, "bin"));
  fs.copyFileSync(path.join(ROOT, "bin", "raspc.js"), path.join(dir, "bin", "raspc.js"));
  // The repository's package type (ES modules); a folder under node_modules/ has no package scope of its own.
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n");
  project.provide("raspcBin", path.join(dir, "bin", "raspc.js"));
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
