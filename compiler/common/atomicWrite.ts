// Writing output files so that a reader never sees half of one: the bytes go to a temporary file
// in the same directory, which is renamed over the target only once it is complete. On any error
// the temporary file is removed, so a failed write leaves nothing behind.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../language/diagnostics.js";

/** Writes `data` to `file` atomically. Every failure is a UsageError naming the file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  let dirStat: fs.Stats;
  try {
    dirStat = fs.statSync(dir);
  } catch {
    throw new UsageError(`${file}: cannot write: the directory ${path.dirname(file)} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new UsageError(`${file}: cannot write: ${path.dirname(file)} is not a directory`);
  try {
    if (fs.statSync(file).isDirectory()) throw new UsageError(`${file}: cannot write: it is a directory`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // No such file yet: the usual case.
  }
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, "wx", 0o644);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // Already failing; the original error is the one to report.
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // The temporary file may never have been created.
    }
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "EACCES" || code === "EPERM" ? "permission denied" : code === "ENOSPC" ? "no space left on the device" : (err as Error).message.split("\n")[0];
    throw new UsageError(`${file}: cannot write: ${why}`);
  }
}
