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

export function readSourceFile(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`${file}: no such file`);
  }
  if (stat.isDirectory()) throw new UsageError(`${file}: is a directory, not a .rasp file`);
  if (stat.size > MAX_SOURCE_BYTES) throw new UsageError(`${file}: larger than 16 MiB; not a RASP program`);
  return decodeSource(file, fs.readFileSync(file));
}
