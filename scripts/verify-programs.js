#!/usr/bin/env node
// `npm run verify-programs [-- --samples K] [--max-len N]`: `raspc verify` on every program of
// rasp-programs/ at its suggested vocabulary and max length (rasp-programs/suggested.json, or N for
// all; `distinct` programs are sampled without replacement), then one summary table. Exits 1 if any program mismatches or
// fails to compile. Needs the built CLI (`npm run build`).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const suggested = JSON.parse(fs.readFileSync(path.join(root, "rasp-programs/suggested.json"), "utf8"));
const at = process.argv.indexOf("--samples");
const samples = at >= 0 ? process.argv[at + 1] : "1000";
const lenAt = process.argv.indexOf("--max-len");
const forcedLen = lenAt >= 0 ? Number(process.argv[lenAt + 1]) : null;

const rows = [];
let failed = 0;
for (const [file, { vocab, maxLen: suggestedLen, distinct }] of Object.entries(suggested)) {
  const maxLen = forcedLen ?? suggestedLen;
  const args = ["bin/raspc.js", "verify", `rasp-programs/${file}`, "--vocab", JSON.stringify(vocab), "--max-len", String(maxLen), "--samples", samples];
  if (distinct) args.push("--distinct");
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  const last = (r.stdout.trim().split("\n").pop() ?? "") || r.stderr.trim().split("\n")[0];
  process.stdout.write(`${file}: ${last}\n`);
  const m = /verify: (\d+) inputs, (\d+) mismatches/.exec(last);
  const undef = /(\d+) output positions left out/.exec(last);
  if (r.status !== 0) failed++;
  rows.push(`| ${file} | ${maxLen} | ${m ? m[1] : "-"} | ${m ? m[2] : "error"} | ${undef ? undef[1] : 0} |`);
}
process.stdout.write(["", "| program | max len | inputs | mismatches | positions left out (undefined) |", "|---|---|---|---|---|", ...rows, ""].join("\n"));
process.stdout.write(`${failed === 0 ? "every program agrees with the interpreter" : `${failed} program(s) failed`}\n`);
process.exit(failed === 0 ? 0 : 1);
