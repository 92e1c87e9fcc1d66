#!/usr/bin/env node
// Thin launcher: the CLI is written in TypeScript and built into dist/ by `npm run build`
// (run automatically by `npm ci`/`npm install` through the `prepare` script).
import("../dist/cli/main.js").catch((err) => {
  if (err && err.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write("raspc: the CLI is not built yet; run `npm run build` first\n");
  } else {
    process.stderr.write(`raspc: internal error: ${err && err.message ? err.message : String(err)}\n`);
  }
  process.exit(1);
});
