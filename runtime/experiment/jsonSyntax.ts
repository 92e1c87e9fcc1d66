// Where a config file's JSON is broken. Node 20's JSON.parse does not always give a position
// ("Unexpected token '}', ... is not valid JSON"), so a small strict scanner finds the first error
// itself; the caller turns its offset into file:line:col. It is also stricter than JSON.parse in one
// way: a key given twice in one object is an error (JSON.parse keeps the last silently, so a config
// with two "ft" sections would run with half of what its author wrote). readJsonConfig is the one
// way every config (experiment, pretraining, PCFG task) and figure file is read: bounded, located, strict.
import { readBoundedText } from "../../compiler/common/boundedRead.js";
import { rangeAt, UsageError } from "../../compiler/language/diagnostics.js";

/** A config is a few hundred bytes; past this it is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a JSON config a user named (`kind` says what it is, e.g. "an experiment config"): refused
 * unless a regular file under `maxBytes` (1 MiB; figure files with their data get more), and every
 * syntax error or repeated key is one UsageError at file:line:col.
 */
export function readJsonConfig(file: string, kind: string, maxBytes = MAX_CONFIG_BYTES): unknown {
  const text = readBoundedText(file, kind, maxBytes);
  // The scanner runs on valid JSON too: it alone refuses a key given twice.
  const found = jsonSyntaxError(text);
  if (found !== null) {
    const at = rangeAt(file, text, found.offset);
    throw new UsageError(`${file}:${at.startLine}:${at.startColumn}: ${found.reason.endsWith("twice in this object") ? "" : "not valid JSON: "}${found.reason}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

class JsonSyntax {
  constructor(readonly offset: number, readonly reason: string) {}
}

/** The first syntax error or repeated key in `text` (offset and reason), or null if it is valid JSON. */
export function jsonSyntaxError(text: string): { offset: number; reason: string } | null {
  let i = 0;
  const here = () => (i >= text.length ? "the end of the file" : JSON.stringify(text[i]));
  // Typed as a const of a never-returning function type so that control flow narrows after a call.
  const fail: (reason: string) => never = (reason) => {
    throw new JsonSyntax(i, reason);
  };
  const skipSpace = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      const c = text[i];
      if (c === undefined) fail("unterminated string");
      if (c === '"') {
        i++;
        return;
      }
      if (c === "\\") {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail("bad escape in string");
      } else if (c.charCodeAt(0) < 0x20) fail("unescaped control character (a line break?) in string");
      else i++;
    }
  };
  /** An object's or array's members, from its opening bracket to `close`, separated by commas. */
  const members = (close: "}" | "]", member: () => void) => {
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (text[i] === ",") i++;
      else if (text[i] === close) {
        i++;
        return;
      } else fail(`expected ',' or '${close}', got ${here()}`);
    }
  };
  const keys: Set<string>[] = [];
  const property = () => {
    skipSpace();
    if (text[i] !== '"') fail(`expected a property name in double quotes, got ${here()}`);
    const start = i;
    string();
    const key = JSON.parse(text.slice(start, i)) as string;
    if (keys.at(-1)!.has(key)) {
      i = start;
      fail(`${JSON.stringify(key)} appears twice in this object`);
    }
    keys.at(-1)!.add(key);
    skipSpace();
    if (text[i] !== ":") fail(`expected ':' after the property name, got ${here()}`);
    i++;
    value();
  };
  const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const value = (): void => {
    skipSpace();
    const c = text[i];
    if (c === "{") {
      keys.push(new Set());
      members("}", property);
      keys.pop();
      return;
    }
    if (c === "[") return members("]", value);
    if (c === '"') return string();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.exec(text) !== null && NUMBER.lastIndex > i) {
      i = NUMBER.lastIndex;
      return;
    }
    fail(`expected a JSON value, got ${here()}`);
  };
  try {
    value();
    skipSpace();
    if (i < text.length) fail(`unexpected ${here()} after the JSON value`);
    return null;
  } catch (err) {
    if (err instanceof JsonSyntax) return { offset: err.offset, reason: err.reason };
    return null; // e.g. nesting too deep for the stack: the caller falls back to JSON.parse's words
  }
}
