// A one-line progress bar on stderr for long CLI runs (verify, fuzz): drawn only on a terminal,
// at most every 100 ms, and erased before anything else is printed on that line.
export interface ProgressBar {
  /** `detail` follows the count, e.g. ", 2 failing". */
  update(done: number, detail?: string): void;
  /** Erases the line (to print something), keeping the bar for the next update. */
  clear(): void;
  /** Erases the line for good. */
  finish(): void;
}

/** `[#####-----]`, `width` cells filled in proportion to done/total (empty when total is 0). */
export function barText(done: number, total: number, width: number): string {
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

/** `minTotal`: runs shorter than this get no bar at all; `delayMs`: nor do runs done within it. */
export function progressBar(name: string, total: number, minTotal = 0, delayMs = 0): ProgressBar {
  const tty = process.stderr.isTTY === true && total >= minTotal;
  const start = performance.now();
  let last = 0;
  let shown = false;
  const clear = (): void => {
    if (tty && shown) process.stderr.write("\r\x1b[K");
    shown = false;
  };
  return {
    update(done, detail = "") {
      if (!tty) return;
      const now = performance.now();
      if (now - start < delayMs) return;
      if (now - last < 100 && done < total) return;
      last = now;
      const elapsed = (now - start) / 1000;
      process.stderr.write(`\r${name} ${barText(done, total, 30)} ${done}/${total}${detail} ${elapsed.toFixed(1)} s`);
      shown = true;
    },
    clear,
    finish: clear,
  };
}
