// A SIGTERM or SIGINT that arrives while an atomic write has its temporary file open leaves no
// `.NAME.PID.tmp` behind: the signal waits for the write to finish, then ends the process as asked.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-tmp-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A process that sends itself `signal` while writeFileAtomic's temporary file exists (after fsync, before rename). */
function writeWithSignal(signal: "SIGTERM" | "SIGINT", target: string) {
  const script = `
    import fs from "node:fs";
    import { syncBuiltinESMExports } from "node:module";
    const { writeFileAtomic } = await import(${JSON.stringify(path.join(ROOT, "compiler", "common", "atomicWrite.ts"))});
    const fsync = fs.fsyncSync;
    fs.fsyncSync = (fd) => { fsync(fd); process.kill(process.pid, ${JSON.stringify(signal)}); };
    syncBuiltinESMExports();
    writeFileAtomic(${JSON.stringify(target)}, "x".repeat(100000));
    setTimeout(() => console.log("still running"), 2000);
  `;
  // The module from the sources (through tsx, as vitest loads it here), not a possibly stale dist/.
  return spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", timeout: 20_000 });
}

describe("temporary files of atomic writes", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`are gone after a ${signal} during the write, and the process still ends by the signal`, () => {
      const sub = fs.mkdtempSync(path.join(dir, "w-"));
      const target = path.join(sub, "model.json");
      const r = writeWithSignal(signal, target);
      expect(r.signal).toBe(signal);
      expect(r.stdout).not.toContain("still running");
      expect(fs.readdirSync(sub)).toEqual(["model.json"]);
      expect(fs.readFileSync(target, "utf8")).toHaveLength(100000);
    });
  }

  it("leave no signal listener behind once the write is done", async () => {
    const before = process.listenerCount("SIGTERM");
    writeFileAtomic(path.join(dir, "plain.json"), "{}");
    await new Promise((r) => setImmediate(() => setImmediate(() => setImmediate(r))));
    expect(process.listenerCount("SIGTERM")).toBe(before);
  });

  it("an empty output path is refused in one line", () => {
    expect(() => writeFileAtomic("", "x")).toThrow("cannot write: the output path is empty");
  });
});
