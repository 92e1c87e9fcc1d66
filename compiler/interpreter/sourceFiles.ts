// Reading program files: strict UTF-8, so a binary or mis-encoded file gets a clear reason
// instead of a parse of replacement characters. The read is bounded (boundedRead.ts): a FIFO,
// a device or a huge file is refused before it can hang or exhaust memory.
import * as path from "node:path";
import { UsageError } from "../language/diagnostics.js";
import { readBoundedFile } from "../common/boundedRead.js";

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
  return decodeSource(file, readBoundedFile(file, "a RASP program", MAX_SOURCE_BYTES));
}

/** How a loaded file is named in diagnostics: relative to the working directory when it can be. */
export function displayName(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

/**
 * A reader (readSourceFile unless another is given) that also records every text it reads in
 * `sources`, under its path and under its display name, so a diagnostic inside a `load`ed file is
 * shown with its line and caret even when the program fails before the interpreter's own record is
 * copied.
 */
export function recordingReader(sources: Map<string, string>, read: (file: string) => string = readSourceFile): (file: string) => string {
  return (file) => {
    const text = read(file);
    sources.set(file, text);
    sources.set(displayName(path.resolve(file)), text);
    return text;
  };
}
