// Bounded reads of user-named paths: FIFOs, devices, directories and oversized files are refused
// with one line, before a read can hang or grow without bound, on every command that reads a path.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readBoundedFile, readBoundedText } from "../../compiler/common/boundedRead.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

const hasDevZero = fs.existsSync("/dev/zero");
const canFifo = process.platform !== "win32";

function makeFifo(dir: string, name: string): string {
  const file = path.join(dir, name);
  execFileSync("mkfifo", [file]);
  return file;
}

afterAll(removeScratch);

describe("readBoundedFile", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-bounded-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("reads a regular file whole", () => {
    const f = path.join(tmp, "a.txt");
    fs.writeFileSync(f, "\ufeffhello");
    expect(readBoundedText(f, "a text", 100)).toBe("hello");
  });

  it("refuses a file one byte over the cap, without trusting stat", () => {
    const f = path.join(tmp, "big.txt");
    fs.writeFileSync(f, "x".repeat(2049));
    expect(() => readBoundedFile(f, "a text", 2048)).toThrow(`${f}: larger than 2 KiB; not a text`);
    expect(readBoundedFile(f, "a text", 2049).length).toBe(2049);
  });

  it.runIf(hasDevZero)("refuses /dev/zero at once (stat says size 0, the read would never end)", () => {
    expect(() => readBoundedFile("/dev/zero", "a RASP program", 1 << 20)).toThrow("/dev/zero: is a character device, not a RASP program");
  });

  it.runIf(canFifo)("refuses a FIFO without blocking on its open", () => {
    const fifo = makeFifo(tmp, "p.fifo");
    expect(() => readBoundedFile(fifo, "a RASP program", 1 << 20)).toThrow(`${fifo}: is a FIFO (named pipe), not a RASP program`);
  });

  it("refuses a directory, a missing file and an empty path with one line", () => {
    expect(() => readBoundedFile(tmp, "a model", 10)).toThrow(`${tmp}: is a directory, not a model`);
    expect(() => readBoundedFile(path.join(tmp, "nope"), "a model", 10)).toThrow(UsageError);
    expect(() => readBoundedFile("", "a model", 10)).toThrow("the path of a model is empty");
  });

  it.runIf(fs.existsSync("/proc/self/status"))("reads /proc files, whose stat size is 0 but which have content", () => {
    expect(fs.statSync("/proc/self/status").size).toBe(0);
    expect(readBoundedText("/proc/self/status", "a text", 1 << 20)).toContain("Pid:");
  });
});

describe.runIf(hasDevZero && canFifo)("every command refuses devices and FIFOs in one line, exit 1", () => {
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ["check /dev/zero", () => ["check", "/dev/zero"], /^raspc: \/dev\/zero: is a character device, not a RASP program\n$/],
    ["load of /dev/zero", () => ["check", "z.rasp", "--allow-outside"], /^z\.rasp:1:6: error: cannot load "\/dev\/zero": \/dev\/zero: is a character device, not a RASP program\n/],
    ["load of a FIFO", () => ["check", "f.rasp"], /^f\.rasp:1:6: error: cannot load "p\.fifo": .*p\.fifo: is a FIFO \(named pipe\), not a RASP program\n/],
    ["run --inputs /dev/zero", () => ["run", "ok.rasp", "--inputs", "/dev/zero"], /^raspc: \/dev\/zero: is a character device, not an inputs file \(JSON lines\)\n$/],
    ["run --inputs FIFO", () => ["run", "ok.rasp", "--inputs", "p.fifo"], /^raspc: p\.fifo: is a FIFO \(named pipe\), not an inputs file \(JSON lines\)\n$/],
    ["exec /dev/zero", () => ["exec", "/dev/zero", "--input", "[1]"], /^raspc: \/dev\/zero: is a character device, not a raspc model file\n$/],
    ["exec --inputs FIFO", () => ["exec", "/dev/zero", "--inputs", "p.fifo"], /^raspc: p\.fifo: is a FIFO \(named pipe\), not an inputs file \(JSON lines\)\n$/],
    ["inspect FIFO", () => ["inspect", "p.fifo"], /^raspc: p\.fifo: is a FIFO \(named pipe\), not a raspc model file\n$/],
    ["experiment /dev/zero", () => ["experiment", "/dev/zero"], /^raspc: \/dev\/zero: is a character device, not an experiment config\n$/],
    ["experiment FIFO", () => ["experiment", "p.fifo"], /^raspc: p\.fifo: is a FIFO \(named pipe\), not an experiment config\n$/],
  ];
  for (const [name, args, expected] of cases) {
    it.concurrent(name, async () => {
      const dir = scratch({ "z.rasp": 'load "/dev/zero";\nout = tokens;\n', "f.rasp": 'load "p.fifo";\nout = tokens;\n', "ok.rasp": "out = tokens;\n" });
      makeFifo(dir, "p.fifo");
      const r = await raspc(args(dir), { cwd: dir, timeoutMs: 10_000 });
      expectNoCrash(r);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(expected);
      expect(fs.readdirSync(dir).sort()).toEqual(["f.rasp", "ok.rasp", "p.fifo", "z.rasp"]);
    });
  }
});
