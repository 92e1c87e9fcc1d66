// `raspc report RUN_DIR [-o OUT.html]`: one self-contained HTML page (inline SVG and CSS, no script,
// nothing fetched) for a run folder, a sweep folder, or a folder of instruments' figures; by default
// RUN_DIR/report.html. The output's folder is checked before any chart is drawn, and the page is
// written in one atomic step, so a failure leaves no page behind (runtime/report/html.ts builds it).
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import { writeFileAtomic } from "../../common/atomicWrite.js";
import { progressBar } from "../progress.js";

export interface ReportOptions {
  readonly output?: string;
}

/** Refuses an output that cannot be written, before the charts are drawn. */
function checkOutput(out: string): void {
  if (out === "") throw new UsageError("-o: the output path is empty");
  const dir = path.dirname(path.resolve(out));
  let dirOk = false;
  try {
    dirOk = fs.statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!dirOk) throw new UsageError(`${out}: cannot write: the folder ${path.dirname(out)} does not exist`);
  try {
    if (fs.statSync(out).isDirectory()) throw new UsageError(`${out}: cannot write: it is a folder (name the .html file)`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // No such file yet: the usual case.
  }
}

export async function report(dir: string, opts: ReportOptions): Promise<number> {
  const out = opts.output ?? path.join(dir, "report.html");
  checkOutput(out);
  const { buildReport } = await import("../../../runtime/report/html.js");
  let bar: ReturnType<typeof progressBar> | null = null;
  const page = await buildReport(dir, (done, total) => {
    bar ??= progressBar("report: drawing charts", total, 4, 500);
    bar.update(done);
  });
  (bar as ReturnType<typeof progressBar> | null)?.finish();
  writeFileAtomic(out, page.html);
  process.stdout.write(`wrote ${path.normalize(out)} (${page.charts} chart(s) from the metrics, ${page.figures} figure(s) from figures/, ${(Buffer.byteLength(page.html) / 1024).toFixed(0)} KiB)\n`);
  return 0;
}
