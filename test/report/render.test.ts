// Rendering: SVG from Vega in Node, PNG from resvg with the shipped font (same bytes every time),
// text measured with that font rather than guessed, no data fetched on a spec's behalf, and figure
// files written atomically in the format their extension names.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as vega from "vega";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { barChart } from "../../runtime/report/charts.js";
import type { Figure, VegaLiteSpec } from "../../runtime/report/figure.js";
import { fontFiles, measureText, textWidth } from "../../runtime/report/fonts.js";
import { renderPng, renderSvg, writeFigureFile } from "../../runtime/report/render.js";
import { removeTemp, tempDir } from "./fixtures.js";

afterAll(removeTemp);

const spec = barChart({ bars: [{ label: "a", value: 1 }, { label: "b", value: 3 }], xLabel: "token", yLabel: "count", title: "Counts" });
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe("the shipped font", () => {
  it("is in the repository with its licence", () => {
    for (const f of fontFiles()) expect(fs.statSync(f).size).toBeGreaterThan(100_000);
    const licence = fs.readFileSync(path.join(path.dirname(fontFiles()[0]!), "LICENSE"), "utf8");
    expect(licence).toContain("Bitstream Vera Fonts Copyright");
    expect(licence).toContain("Arev Fonts Copyright");
  });

  it("measures advances: DejaVu Sans's space is 651/2048 em, widths add up, bold is wider", () => {
    expect(measureText(" ", 20)).toBeCloseTo((651 / 2048) * 20, 1);
    expect(measureText("ab", 10)).toBeCloseTo(measureText("a", 10) + measureText("b", 10), 1);
    expect(measureText("count", 10, "bold")).toBeGreaterThan(measureText("count", 10) + 0.5);
    expect(measureText("iiii", 10)).toBeLessThan(measureText("WWWW", 10) / 2);
    expect(textWidth({ fontSize: 10 }, "  ab  ")).toBeCloseTo(measureText("ab", 10), 5);
    expect(measureText("", 10)).toBe(0);
  });

  it("is what Vega measures with once a chart is drawn", async () => {
    await renderSvg(spec);
    const metrics = (vega as unknown as { textMetrics: { width: unknown } }).textMetrics;
    expect(metrics.width).toBe(textWidth);
  });
});

describe("renderSvg / renderPng", () => {
  it("draws an SVG document with the marks and the font", async () => {
    const svg = await renderSvg(spec);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain('class="mark-rect role-mark');
    expect(svg).toContain('font-family="DejaVu Sans, Verdana, sans-serif"');
    expect(svg).toMatch(/>Counts<\/text>/);
  });

  it("PNG: magic bytes, the SVG's size times the scale, and the same bytes on every render", async () => {
    const svg = await renderSvg(spec);
    const [w, h] = [Number(/width="(\d+)"/.exec(svg)![1]), Number(/height="(\d+)"/.exec(svg)![1])];
    const a = await renderPng(spec);
    const b = await renderPng(spec);
    expect([...a.slice(0, 8)]).toEqual(PNG_MAGIC);
    expect(pngSize(a)).toEqual({ width: 2 * w, height: 2 * h });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(pngSize(await renderPng(spec, 1))).toEqual({ width: w, height: h });
    await expect(renderPng(spec, 0)).rejects.toThrow(/scale must be in \(0, 16\]/);
  });

  it("refuses a spec that would load data instead of carrying it", async () => {
    const remote = { data: { url: "https://example.com/data.csv" }, mark: "bar", encoding: { x: { field: "a", type: "nominal" } } } as VegaLiteSpec;
    await expect(renderSvg(remote)).rejects.toThrow(UsageError);
    await expect(renderSvg(remote)).rejects.toThrow(/loads "https:\/\/example.com\/data.csv"; a figure must carry its data inline/);
  });

  it("a spec Vega-Lite cannot compile is one UsageError line", async () => {
    const bad = { data: { values: [] }, mark: "nonsense" } as unknown as VegaLiteSpec;
    const err = await renderSvg(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toContain("\n");
  });
});

describe("writeFigureFile", () => {
  const fig: Figure = { id: "counts", title: "Counts", caption: "two bars", spec };

  it("writes SVG, PNG or the figure's JSON by extension, leaving no temporary file", async () => {
    const dir = tempDir();
    await writeFigureFile(path.join(dir, "c.svg"), fig);
    await writeFigureFile(path.join(dir, "c.PNG"), fig);
    await writeFigureFile(path.join(dir, "c.json"), fig);
    expect(fs.readFileSync(path.join(dir, "c.svg"), "utf8").startsWith("<svg")).toBe(true);
    expect([...fs.readFileSync(path.join(dir, "c.PNG")).subarray(0, 8)]).toEqual(PNG_MAGIC);
    expect(JSON.parse(fs.readFileSync(path.join(dir, "c.json"), "utf8"))).toMatchObject({ format: "raspc-figure", id: "counts", caption: "two bars" });
    expect(fs.readdirSync(dir).sort()).toEqual(["c.PNG", "c.json", "c.svg"]);
  });

  it("an unknown extension names the valid ones; a missing folder is one line; nothing is written", async () => {
    const dir = tempDir();
    await expect(writeFigureFile(path.join(dir, "c.pdf"), fig)).rejects.toThrow(/c\.pdf: cannot tell the format from "\.pdf"; use \.svg, \.png, \.json/);
    await expect(writeFigureFile(path.join(dir, "c"), fig)).rejects.toThrow(/a name without an extension; use \.svg, \.png, \.json/);
    await expect(writeFigureFile(path.join(dir, "no", "c.svg"), fig)).rejects.toThrow(/does not exist/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
