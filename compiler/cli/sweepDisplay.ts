// What `raspc experiment` shows while a sweep runs, drawn from the sweep's progress events
// (runtime/experiment/sweep.ts emits them). On a terminal: one progress bar per active run (steps,
// loss, the run's target accuracy) under a line with the sweep's count and ETA, redrawn at most 5 times a
// second. Elsewhere (logs, CI): one line per finished run, with the ETA. The ETA is the remaining
// iterations at the rate this sweep has managed so far, so parallel jobs and slow engines are
// accounted for without guessing.
import { barText } from "./progress.js";
import type { SweepObserver } from "../../runtime/experiment/sweep.js";
import type { MetricsRecord, RunSummary } from "../../runtime/train/loop.js";
import { formatNumber, type PlannedRun } from "../../runtime/experiment/plan.js";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A run as people read it: `FT η=1e-2 C_Tr=0.5 seed 1`. */
export function describeRun(r: PlannedRun): string {
  return `${describeCell(r)} seed ${r.seed}`;
}

function describeCell(r: PlannedRun): string {
  const lr = `η=${formatNumber(r.learningRate)}`;
  if (r.protocol === "FT") return `FT ${lr} C_Tr=${r.cTrain}${r.ptMix !== 0 ? ` PT mix ${r.ptMix}` : ""}`;
  if (r.protocol === "reFT") {
    const src = r.source!;
    return `reFT ${lr} of ${src.protocol} η=${formatNumber(src.learningRate)}${src.cTrain !== null ? ` C_Tr=${src.cTrain}` : ""}`;
  }
  return `${r.protocol} ${lr}`;
}

function targetText(r: PlannedRun, last: MetricsRecord | null): string {
  if (!last) return "";
  const a = last.acc;
  const loss = last.loss !== null ? ` loss ${last.loss.toFixed(3)}` : "";
  // randFT has no target; what it does to O_PT is what a user watches.
  return r.target === "ftC0" ? `${loss} Acc O_FT ${pct(a.ftC0)}` : `${loss} Acc O_PT ${pct(a.ptC0)}`;
}

interface Active {
  readonly run: PlannedRun;
  step: number;
  total: number;
  last: MetricsRecord | null;
}

export class SweepDisplay implements SweepObserver {
  private readonly tty = process.stderr.isTTY === true;
  private readonly active = new Map<string, Active>();
  private readonly startedAt = performance.now();
  private finished = 0;
  /** Iterations still to run, and iterations run by this process so far. */
  private remaining: number;
  private doneIters = 0;
  private drawnLines = 0;
  private lastDraw = 0;

  constructor(
    private readonly all: readonly PlannedRun[],
    pending: readonly PlannedRun[],
    private readonly log: (line: string) => void,
  ) {
    this.remaining = pending.reduce((a, r) => a + r.iterations, 0);
    this.finished = all.length - pending.length;
  }

  private eta(): number {
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const inFlight = [...this.active.values()].reduce((a, x) => a + x.step, 0);
    const done = this.doneIters + inFlight;
    return done > 0 ? ((this.remaining - inFlight) * elapsed) / done : Infinity;
  }

  private header(): string {
    const elapsed = (performance.now() - this.startedAt) / 1000;
    return `sweep: ${this.finished}/${this.all.length} runs done, elapsed ${formatEta(elapsed)}, ETA ${formatEta(this.eta())}`;
  }

  private erase(): void {
    if (!this.tty || this.drawnLines === 0) return;
    process.stderr.write(`\x1b[${this.drawnLines}A\x1b[J`);
    this.drawnLines = 0;
  }

  private draw(force = false): void {
    if (!this.tty) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    this.erase();
    const lines = [this.header()];
    for (const a of this.active.values()) lines.push(`  ${describeRun(a.run).padEnd(34)} ${barText(a.step, a.total, 24)} ${a.step}/${a.total}${targetText(a.run, a.last)}`);
    const cols = process.stderr.columns ?? 120;
    process.stderr.write(lines.map((l) => (l.length > cols - 1 ? l.slice(0, cols - 1) : l)).join("\n") + "\n");
    this.drawnLines = lines.length;
  }

  /** A line that stays (above the live block on a terminal). */
  private say(line: string): void {
    this.erase();
    this.log(line);
    this.draw(true);
  }

  start(r: PlannedRun): void {
    this.active.set(r.id, { run: r, step: 0, total: r.iterations, last: null });
    this.draw(true);
  }

  progress(r: PlannedRun, step: number, total: number, last: MetricsRecord | null): void {
    const a = this.active.get(r.id);
    if (!a) return;
    a.step = step;
    a.total = total;
    a.last = last;
    this.draw();
  }

  private end(r: PlannedRun): void {
    this.active.delete(r.id);
    this.finished++;
    this.remaining -= r.iterations;
    this.doneIters += r.iterations;
  }

  finish(r: PlannedRun, s: RunSummary): void {
    this.end(r);
    const a = s.final.acc;
    const status = s.status === "diverged" ? `DIVERGED: ${s.message}` : `Acc O_PT ${pct(a.ptC0)} / O_FT ${pct(a.ftC0)} (C_Te=0), ${pct(a.ptC1)} / ${pct(a.ftC1)} (C_Te=1)`;
    const reach = r.target ? `, 90% held from ${s.heldFrom90 ?? "never"}` : "";
    this.say(`[${this.finished}/${this.all.length}] ${describeRun(r)}: ${status}${reach}; ${s.stepsPerSecond.toFixed(0)} steps/s; ETA ${formatEta(this.eta())}`);
  }

  fail(r: PlannedRun, why: string): void {
    this.end(r);
    this.say(`[${this.finished}/${this.all.length}] ${describeRun(r)}: FAILED: ${why}`);
  }

  skip(r: PlannedRun): void {
    this.end(r);
    this.say(`[${this.finished}/${this.all.length}] ${describeRun(r)}: skipped (${r.start.kind === "run" ? `${r.start.id} did not finish` : "no source"})`);
  }

  close(): void {
    this.erase();
  }
}
