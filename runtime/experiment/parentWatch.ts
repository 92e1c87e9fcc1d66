// A sweep's worker process must not outlive the sweep that started it: an orphaned worker keeps
// training and appending to its run folder, and a `--resume` started meanwhile then writes the same
// records twice. Two signals that the parent is gone, whichever comes first: the IPC channel closes
// (the parent exited or was killed), or the worker's parent pid changes (it was re-parented to init
// or a subreaper). The poll covers a parent that dies without the channel closing promptly.
const POLL_MS = 100;

/** Makes this process exit (status 1) as soon as its parent is gone. Call once, in the worker. */
export function exitWithParent(onGone: () => void = () => process.exit(1)): void {
  const parent = process.ppid;
  let gone = false;
  const leave = (): void => {
    if (gone) return;
    gone = true;
    clearInterval(timer);
    onGone();
  };
  process.once("disconnect", leave);
  const timer = setInterval(() => {
    if (process.ppid !== parent) leave();
  }, POLL_MS);
  // The watch alone must not keep a finished worker alive.
  timer.unref();
}
