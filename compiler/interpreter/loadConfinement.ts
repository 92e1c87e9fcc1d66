// Where `load` may read: by default only inside the folder tree of the top-level program (after
// resolving symbolic links, so a link inside the tree cannot point out of it). A program shared by
// someone else could otherwise `load "../../../../etc/passwd";` or `/proc/self/environ` and have
// the diagnostic echo what it found. `--allow-outside` lifts the rule for programs one trusts.
// The same rule applies to an experiment config's `program`, relative to the config's folder.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Diagnostic } from "../language/diagnostics.js";

/** The real path of `p`, or, for a path that does not exist (yet), its resolved form. */
function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The folder a top-level file's loads are confined to: its own, links resolved. */
export function confinementRoot(topLevelFile: string): string {
  return realOrResolved(path.dirname(path.resolve(topLevelFile)));
}

/** Whether `target` (links resolved) lies inside `root`'s tree. */
export function insideTree(root: string, target: string): boolean {
  const rel = path.relative(root, realOrResolved(target));
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** The reason a path outside the tree is refused, for diagnostics: names the folder and the option. */
export function outsideReason(root: string, what: string): string {
  const shown = path.relative(process.cwd(), root) || ".";
  return `${what} is outside the top-level file's folder (${shown}); pass --allow-outside to allow it`;
}

/** True for a file whose text may be quoted in diagnostics: a `.rasp` file. Any other (a config
 * naming /etc/passwd as its program) is shown by name only. */
export function isRaspFileName(file: string): boolean {
  return file.endsWith(".rasp");
}

/** What is said of a file that is not named .rasp and does not parse: where, but none of its text. */
export function notRaspReason(first: Diagnostic): string {
  return `not a RASP program (a syntax error at line ${first.range.startLine}, column ${first.range.startColumn}; its name does not end in .rasp, so its text is not shown)`;
}
