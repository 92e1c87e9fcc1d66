// A sweep folder has one writer: workers die with the sweep that started them, a second process on
// the same folder is refused in one line naming the holder, stale locks of dead processes are taken
// over, and a tampered checkpoint is refused instead of being resumed as "done".
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lockFileOf, processAlive, SweepLock } from "../../runtime/experiment/sweepLock.js";
import { expectNoCrash, raspc, removeScratch, scratch, spawnRaspc } from "../helpers/cli.js";

afterAll(removeScratch);

const LONG = { task: "counter", preset: "quick", name: "long", seeds: [0], protocols: ["FT"], ft: { learningRates: [0.01], cTrain: [0, 1], iterations: 1_000_000 }, eval: { every: 10, samples: 30 }, checkpointEvery: 10 };
const SHORT = { task: "counter", preset: "quick", name: "short", seeds: [0], protocols: ["ScrFT"], scrft: { learningRates: [0.01], iterations: 20 }, eval: { every: 10, samples: 30 }, checkpointEvery: 10 };

async function waitFor<T>(what: string, f: () => T | null, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("sweep folder lock", () => {
  it("takes over a stale lock of a dead process, and refuses a live holder naming it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-lock-"));
    try {
      const sweep = path.join(dir, "s");
      // pid 2^22+1 is above Linux's pid_max default range: no such process.
      fs.writeFileSync(lockFileOf(sweep), JSON.stringify({ pid: 4194305, host: os.hostname(), started: "2020-01-01T00:00:00.000Z", workers: [4194306] }));
      const lock = SweepLock.acquire(sweep);
      expect(JSON.parse(fs.readFileSync(lockFileOf(sweep), "utf8")).pid).toBe(process.pid);
      expect(() => SweepLock.acquire(sweep)).toThrow(`${sweep}: in use by raspc experiment pid ${process.pid} since`);
      lock.release();
      expect(fs.existsSync(lockFileOf(sweep))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a lock held only by a live worker of a dead sweep is still live", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raspc-lock-"));
    try {
      const sweep = path.join(dir, "s");
      fs.writeFileSync(lockFileOf(sweep), JSON.stringify({ pid: 4194305, host: os.hostname(), started: "2020-01-01T00:00:00.000Z", workers: [process.pid] }));
      expect(() => SweepLock.acquire(sweep)).toThrow(`${sweep}: in use by worker pid ${process.pid} of a stopped sweep (pid 4194305)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("experiment workers and a second writer", () => {
  it("refuses a second writer while a sweep runs; kill -9 of the parent takes its workers down within a second", async () => {
    const dir = scratch({ "long.json": JSON.stringify(LONG) });
    const parent = spawnRaspc(["experiment", "long.json", "--out", "out", "--jobs", "2"], { cwd: dir, stdio: "ignore" });
    try {
      const lockFile = path.join(dir, "out", "long.lock");
      const workers = await waitFor(
        "two workers",
        () => {
          try {
            const w = JSON.parse(fs.readFileSync(lockFile, "utf8")).workers as number[];
            return w.length === 2 ? w : null;
          } catch {
            return null;
          }
        },
        20_000,
      );
      const second = await raspc(["experiment", "long.json", "--out", "out", "--resume"], { cwd: dir, timeoutMs: 20_000 });
      expectNoCrash(second);
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split("\n").at(-1)).toMatch(new RegExp(`^raspc: out/long: in use by raspc experiment pid ${parent.pid} since \\S+; wait for it to finish or stop it$`));
      expect(workers.every(processAlive)).toBe(true);
      const metrics = path.join(dir, "out", "long", "runs", "FT-lr1e-2-c0-s0", "metrics.jsonl");
      await waitFor("a worker training", () => (fs.existsSync(metrics) ? true : null), 20_000);
      parent.kill("SIGKILL");
      const killed = Date.now();
      await waitFor("the workers to exit", () => (workers.some(processAlive) ? null : true), 1000);
      expect(Date.now() - killed).toBeLessThan(1000);
      // Nothing writes to the folder any more.
      const size = fs.statSync(metrics).size;
      await new Promise((r) => setTimeout(r, 300));
      expect(fs.statSync(metrics).size).toBe(size);
    } finally {
      parent.kill("SIGKILL");
    }
  }, 30_000);
});

describe("tampered checkpoints", () => {
  let dir: string;
  const run = () => path.join(dir, "out", "short", "runs", "ScrFT-lr1e-2-s0");
  beforeAll(async () => {
    dir = scratch({ "short.json": JSON.stringify(SHORT) });
    const r = await raspc(["experiment", "short.json", "--out", "out"], { cwd: dir, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  const tamper = (change: Record<string, unknown>) => {
    fs.rmSync(path.join(run(), "summary.json"), { force: true });
    const file = path.join(run(), "checkpoint.json");
    const ck = JSON.parse(fs.readFileSync(file, "utf8"));
    fs.writeFileSync(file, JSON.stringify({ ...ck, step: 20, metricsLines: 3, ...change }));
  };

  it("a step past the run's iterations is refused, not resumed as done", async () => {
    tamper({ step: 999 });
    const r = await raspc(["experiment", "short.json", "--out", "out", "--resume"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ScrFT-lr1e-2-s0\/checkpoint\.json: step 999 is past the run's 20 iterations/);
    expect(fs.existsSync(path.join(run(), "summary.json"))).toBe(false);
  }, 60_000);

  it("metricsLines beyond the metrics file is refused", async () => {
    tamper({ metricsLines: 50 });
    const r = await raspc(["experiment", "short.json", "--out", "out", "--resume"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ScrFT-lr1e-2-s0\/checkpoint\.json: metricsLines 50 but metrics\.jsonl has 3 record\(s\)/);
    expect(fs.existsSync(lockFileOf(path.join(dir, "out", "short")))).toBe(false);
  }, 60_000);
});
