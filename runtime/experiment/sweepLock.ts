// One writer per sweep folder. Two `raspc experiment` processes on the same folder (a `--resume`
// started while the first still runs, or while its orphaned workers finish) would append the same
// metrics twice and race on checkpoints. So a sweep holds `OUT/NAME.lock` beside its folder while it
// runs: JSON naming the process, its host, when it started and its worker pids. The file is created
// with link(2), which fails when it exists, so two starters never both win. A lock is stale when it
// was taken on this host and none of its processes is alive (zombies count as dead); a stale lock is
// replaced, a live one refuses the second writer in one line naming the holder.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { UsageError } from "../../compiler/language/diagnostics.js";

interface LockRecord {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  readonly workers: readonly number[];
}

export const lockFileOf = (sweepDir: string): string => `${sweepDir.replace(/[/\\]+$/, "")}.lock`;

/** Whether `pid` is a live process on this host; a zombie (exited, not yet reaped) is not. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // Linux: the state letter follows the parenthesised command name.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^\S+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return true; // no /proc: kill(0) succeeding is all we know
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync never returns on some paths where
 * mkdir keeps failing with ENOENT (`/proc/x`), so the missing levels are made one by one.
 */
export function makeFolder(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) fs.mkdirSync(d);
}

/** Why a folder cannot be written, as the rest of raspc says it ("cannot write: permission denied"). */
export function writeFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOENT") return "folders cannot be made there";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "ENOTDIR" || code === "EEXIST") return "a part of the path is a file, not a folder";
  return code ?? (err instanceof Error ? err.message.split("\n")[0]! : String(err));
}

function readRecord(file: string): LockRecord | null {
  try {
    const r = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockRecord>;
    if (typeof r.pid !== "number" || typeof r.host !== "string" || typeof r.started !== "string" || !Array.isArray(r.workers)) return null;
    return r as LockRecord;
  } catch {
    return null;
  }
}

function writeNew(file: string, record: LockRecord): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(record) + "\n");
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The lock a running sweep holds on its folder. */
export class SweepLock {
  private record: LockRecord;
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    readonly file: string,
    record: LockRecord,
  ) {
    this.record = record;
    process.on("exit", this.onExit);
  }

  /** Takes the lock of `sweepDir`, replacing a stale one. Throws UsageError when another process holds it. */
  static acquire(sweepDir: string): SweepLock {
    const file = lockFileOf(sweepDir);
    const record: LockRecord = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), workers: [] };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        makeFolder(path.dirname(file));
        if (writeNew(file, record)) return new SweepLock(file, record);
      } catch (err) {
        throw new UsageError(`${path.dirname(file)}: cannot write: ${writeFailure(err)}`);
      }
      const held = readRecord(file);
      if (held === null) throw new UsageError(`${sweepDir}: locked by ${file}, which is not a raspc lock file; delete it if no sweep is running there`);
      const alive = [held.pid, ...held.workers].filter(processAlive);
      if (held.host !== os.hostname()) {
        throw new UsageError(`${sweepDir}: in use by raspc experiment pid ${held.pid} on host ${held.host} since ${held.started}; delete ${file} if that sweep is no longer running`);
      }
      if (alive.length > 0) {
        const who = alive.includes(held.pid) ? `raspc experiment pid ${held.pid}` : `worker pid ${alive.join(", ")} of a stopped sweep (pid ${held.pid})`;
        throw new UsageError(`${sweepDir}: in use by ${who} since ${held.started}; wait for it to finish or stop it`);
      }
      // Stale: everyone who held it is gone. Remove it only if it is still that same lock.
      const again = readRecord(file);
      if (again !== null && again.pid === held.pid && again.started === held.started) fs.rmSync(file, { force: true });
    }
    throw new UsageError(`${sweepDir}: could not take the sweep's lock ${file} (other processes keep replacing it)`);
  }

  /** Records a worker's pid, so the lock stays live while an orphaned worker finishes. */
  addWorker(pid: number): void {
    if (this.released) return;
    this.record = { ...this.record, workers: [...this.record.workers.filter(processAlive), pid] };
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.record) + "\n");
    fs.renameSync(tmp, this.file);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    process.removeListener("exit", this.onExit);
    const held = readRecord(this.file);
    if (held !== null && held.pid === process.pid) fs.rmSync(this.file, { force: true });
  }
}
