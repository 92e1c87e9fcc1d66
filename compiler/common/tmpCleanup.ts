// Temporary files of atomic writes must not outlive a Ctrl-C or a `kill`. A signal's default action
// ends the process at once, in the middle of a synchronous write, leaving `.NAME.PID.tmp` behind. So
// while a temporary file exists (and until the event loop has polled once after), SIGINT and SIGTERM get a
// listener: Node then holds the signal until the synchronous write has returned (renamed or removed
// its file), and the listener removes any temporary file still listed and re-raises the signal, so
// the process still ends the way it was told.
import * as fs from "node:fs";

const pending = new Set<string>();
let installed = false;
const SIGNALS = ["SIGINT", "SIGTERM"] as const;

function onSignal(signal: NodeJS.Signals): void {
  for (const file of pending) {
    try {
      fs.unlinkSync(file);
    } catch {
      // already renamed or removed
    }
  }
  pending.clear();
  uninstall();
  // Leave as the signal asked, unless someone else (a sweep's graceful stop) handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed || pending.size > 0) return;
  installed = false;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
}

/** Lists `file` for removal on SIGINT/SIGTERM until the returned function is called. */
export function trackTemporary(file: string): () => void {
  install();
  pending.add(file);
  return () => {
    pending.delete(file);
    // A signal that came during the write is delivered when the event loop next polls, which can be
    // after the first round of setImmediate callbacks but is before the second: the listener must
    // still be there then, to receive it and re-raise it.
    if (pending.size === 0) setImmediate(() => setImmediate(uninstall).unref()).unref();
  };
}
