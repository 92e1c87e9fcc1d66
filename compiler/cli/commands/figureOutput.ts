// `-o FILE.svg|.png|.json` and `--save RUN_DIR` of the instrument commands: where their figures go.
// `-o` writes the command's main figure to FILE and any further one beside it as FILE's stem plus
// `.<name>` (out.svg, out.matrices.svg); `--save` adds every figure to RUN_DIR/figures/ for
// `raspc report`. Both are checked before any work is done, so a bad path costs nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import type { Figure } from "../../../runtime/report/figure.js";
import { FIGURE_FORMATS, writeFigureFile } from "../../../runtime/report/render.js";
import { saveFigure } from "../../../runtime/report/figure.js";

export interface FigureOutputOptions {
  /** -o FILE */
  readonly output?: string;
  /** --save RUN_DIR */
  readonly save?: string;
}

/** A figure and, for all but the main one, the name its -o file carries. */
export interface NamedFigure {
  readonly figure: Figure;
  readonly name?: string;
}

/** Refuses an -o or --save path that cannot be written, before anything is computed. */
export function checkFigureOutput(opts: FigureOutputOptions): void {
  if (opts.output !== undefined) {
    const ext = path.extname(opts.output).toLowerCase();
    if (!(FIGURE_FORMATS as readonly string[]).includes(ext)) throw new UsageError(`-o ${opts.output}: cannot tell the format from ${ext === "" ? "a name without an extension" : `"${ext}"`}; use ${FIGURE_FORMATS.join(", ")}`);
    const dir = path.dirname(path.resolve(opts.output));
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`-o ${opts.output}: cannot write: the folder ${path.dirname(opts.output)} does not exist`);
    if (fs.existsSync(opts.output) && fs.statSync(opts.output).isDirectory()) throw new UsageError(`-o ${opts.output}: cannot write: it is a folder`);
  }
  if (opts.save !== undefined && fs.existsSync(opts.save) && !fs.statSync(opts.save).isDirectory()) throw new UsageError(`--save ${opts.save}: not a folder (figures go to RUN_DIR/figures/)`);
}

function withName(file: string, name: string | undefined): string {
  if (name === undefined) return file;
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${name}${ext}`;
}

/** Writes the figures where -o and --save say; returns the files written. */
export async function emitFigures(figures: readonly NamedFigure[], opts: FigureOutputOptions): Promise<string[]> {
  const written: string[] = [];
  if (opts.output !== undefined) {
    for (const { figure, name } of figures) {
      const file = withName(opts.output, name);
      await writeFigureFile(file, figure);
      written.push(file);
    }
  }
  if (opts.save !== undefined) {
    for (const { figure } of figures) written.push(saveFigure(opts.save, figure));
  }
  return written;
}
