// Reading program files: strict UTF-8, so a binary or mis-encoded file gets a clear reason
// instead of a parse of replacement characters.
import * as fs from "node:fs";
import { UsageError } from "../language/diagnostics.js";

const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

export function decodeSource(file: string, bytes: Uint8Array): string {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch {
    let offset = 0;
    for (; offset < bytes.length; offset++) {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, offset + 1), { stream: true });
      } catch {
        break;
      }
    }
    throw new UsageError(`${file}: not valid UTF-8 text (bad byte at offset ${offset})`);
  }
}

/** Checks that a user-named file exists, is a file, and is not absurdly large; one-line reasons. */
export function checkUserFile(file: string, kind: string, maxBytes: number, sizeText: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`${file}: no such file`);
  }
  if (stat.isDirectory()) throw new UsageError(`${file}: is a directory, not ${kind}`);
  if (stat.size > maxBytes) throw new UsageError(`${file}: larger than ${sizeText}; not ${kind}`);
}

export function readSourceFile(file: string): string {
  checkUserFile(file, "a RASP program", MAX_SOURCE_BYTES, "16 MiB");
  return decodeSource(file, fs.readFileSync(file));
}
