// Reading a file a user named, without trusting it: the path may be a FIFO (whose open blocks until
// a writer comes), a device such as /dev/zero (endless, and `stat` says size 0), a directory, or a
// file far larger than anything of ours. So the file is opened non-blocking, checked with `fstat`
// on the open descriptor (the thing actually read, not whatever the path names a moment later), and
// read in chunks that stop one byte past the cap. `stat.size` is never trusted: /proc files report
// 0 and still have content. Every refusal is a UsageError naming the file, in one line.
import * as fs from "node:fs";
import { UsageError } from "../language/diagnostics.js";

const CHUNK = 1 << 20;

/** "16 MiB", "1 GiB", "512 KiB": a byte cap as people write it. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 1 << 30], ["MiB", 1 << 20], ["KiB", 1 << 10]] as const) {
    if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  }
  return `${n} bytes`;
}

/** What a path is when it is not a regular file, for "is a FIFO, not a RASP program". */
function kindOfNonFile(stat: fs.Stats): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}

/** Why opening failed, as a user reads it. */
export function openFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "cannot read: permission denied";
  if (code === "ENOTDIR") return "no such file (a part of the path is not a directory)";
  if (code === "ELOOP") return "cannot read: too many symbolic links";
  if (code === "ENAMETOOLONG") return "cannot read: the path is too long";
  if (code === "EISDIR") return "is a directory";
  return `cannot read (${code ?? (err as Error).message.split("\n")[0]})`;
}

/**
 * The bytes of `file`, a regular file of at most `maxBytes`. `kind` names what the file should be
 * ("a RASP program") in refusals. Throws UsageError.
 */
export function readBoundedFile(file: string, kind: string, maxBytes: number): Buffer {
  if (file === "") throw new UsageError(`the path of ${kind} is empty`);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    throw new UsageError(`${file}: ${openFailure(err)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${file}: is ${kindOfNonFile(stat)}, not ${kind}`);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      let n: number;
      try {
        n = fs.readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        throw new UsageError(`${file}: ${openFailure(err)}`);
      }
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      if (total > maxBytes) throw new UsageError(`${file}: larger than ${formatBytes(maxBytes)}; not ${kind}`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    fs.closeSync(fd);
  }
}

/** As readBoundedFile, decoded as UTF-8 (a leading byte-order mark dropped). */
export function readBoundedText(file: string, kind: string, maxBytes: number): string {
  const text = readBoundedFile(file, kind, maxBytes).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
