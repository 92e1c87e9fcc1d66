// The one typeface of every chart, shipped with raspc (runtime/report/fonts/, DejaVu Sans regular
// and bold, licence beside them), so that a PNG is the same bytes on every machine: resvg draws with
// these files and never looks at the system's fonts. Vega lays a chart out by the widths of its
// labels; with no canvas in Node it would guess them (0.8 × font size per character), so
// `textWidth` measures them instead, with resvg and the same font files that draw the PNG: the width
// of "X" + text + "X" less that of "XX" is the text's advance, spaces and kerning included.
import * as path from "node:path";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import { packageRoot } from "../experiment/config.js";

/** The family name inside the shipped files; charts ask for it first. */
export const FONT_FAMILY = "DejaVu Sans";
/** What the SVG's text asks for: the shipped face, then faces of similar width a browser may have. */
export const FONT_STACK = `${FONT_FAMILY}, Verdana, sans-serif`;

const FONT_FILE_NAMES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"] as const;

let files: string[] | undefined;
/** Absolute paths of the shipped font files (found from raspc's package root, bundled or not). */
export function fontFiles(): readonly string[] {
  files ??= FONT_FILE_NAMES.map((f) => path.join(packageRoot(), "runtime", "report", "fonts", f));
  return files;
}

/** resvg's font settings: the shipped files only, so no system font can change a pixel. */
export function resvgFontOptions(): NonNullable<ResvgRenderOptions["font"]> {
  return { loadSystemFonts: false, fontFiles: [...fontFiles()], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY };
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Only what resvg understands as a weight or style keyword or number; anything else is normal. */
function cssKeyword(v: unknown, fallback: string): string {
  const s = v === undefined || v === null ? "" : String(v);
  return /^[a-z0-9]+$/i.test(s) ? s : fallback;
}

/** The ink extent of `text` between two X's, in pixels. */
function bracketedWidth(text: string, size: number, weight: string, style: string): number {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">` +
    `<text x="0" y="${size * 2}" font-family="${FONT_FAMILY}" font-size="${size}" font-weight="${weight}" font-style="${style}" xml:space="preserve">X${escapeXml(text)}X</text></svg>`;
  const box = new Resvg(svg, { font: resvgFontOptions() }).getBBox();
  return box === undefined ? 0 : box.width;
}

const cache = new Map<string, number>();

/** The advance width in pixels of `text` set in the shipped font. */
export function measureText(text: string, size: number, weight = "normal", style = "normal"): number {
  if (text === "" || !(size > 0)) return 0;
  const key = `${size}|${weight}|${style}|${text}`;
  let width = cache.get(key);
  if (width === undefined) {
    const brackets = `${size}|${weight}|${style}|`;
    let xx = cache.get(brackets);
    if (xx === undefined) cache.set(brackets, (xx = bracketedWidth("", size, weight, style)));
    width = Math.max(0, bracketedWidth(text, size, weight, style) - xx);
    cache.set(key, width);
  }
  return width;
}

/** A text mark as Vega hands it to its width function. */
export interface TextItem {
  readonly fontSize?: number | string;
  readonly fontWeight?: number | string;
  readonly fontStyle?: string;
}

/** Vega's `textMetrics.width(item, text)`: Vega's own defaults (11 px, trimmed lines), measured. */
export function textWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize === undefined || item.fontSize === null ? 11 : Number(item.fontSize) || 0;
  const line = text === undefined || text === null ? "" : String(text).trim();
  return measureText(line, size, cssKeyword(item.fontWeight, "normal"), cssKeyword(item.fontStyle, "normal"));
}
