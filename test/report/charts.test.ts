// The chart builders: every spec compiles without a Vega-Lite warning and draws what it says —
// one cell per matrix entry labelled with the tokens (repeats included), one line per series, dashed
// baselines with their names, bars per label and group — and the colour scales mean what the docs
// say (diverging: negative blue, positive red, zero white; sequential: 0 light, max dark).
import { describe, expect, it } from "vitest";
import { barChart, heatmap, lineChart } from "../../runtime/report/charts.js";
import { compileSpec, renderSvg } from "../../runtime/report/render.js";

/** The SVG group of Vega's marks of one type (`rect`, `line`, `rule`, `text`), in drawing order. */
function marks(svg: string, type: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<g class="mark-${type} role-mark[^"]*"[^>]*>(.*?)</g>`, "gs");
  for (const m of svg.matchAll(re)) out.push(m[1]!);
  return out;
}

const count = (s: string, sub: string) => s.split(sub).length - 1;
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
const fills = (group: string) => [...group.matchAll(/<path[^>]*fill="(#[0-9a-f]{6}|rgb\([^)]*\))"/g)].map((m) => m[1]!);

function rgb(color: string): [number, number, number] {
  if (color.startsWith("#")) return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16)) as [number, number, number];
  return color.match(/\d+/g)!.slice(0, 3).map(Number) as [number, number, number];
}

describe("heatmap", () => {
  const tokens = ["BOS", "a", "b", "a"];
  const values = tokens.map((_, q) => tokens.map((_, k) => (k <= q ? 1 / (q + 1) : 0)));

  it("draws one cell per entry with the tokens on both axes, repeats kept", async () => {
    const spec = heatmap({ rows: tokens, cols: tokens, values, rowLabel: "query", colLabel: "key", colorLabel: "attention", title: "L0 H0" });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(svg.startsWith("<svg")).toBe(true);
    const rects = marks(svg, "rect");
    expect(rects.length).toBe(1);
    expect(count(rects[0]!, "<path")).toBe(16);
    const t = texts(svg);
    expect(t.filter((x) => x === "a").length).toBe(4); // "a" twice on each axis
    expect(t.filter((x) => x === "BOS").length).toBe(2);
    expect(t).toEqual(expect.arrayContaining(["query", "key", "attention", "L0 H0"]));
  });

  it("sequential scale: 0 light, the maximum dark blue", async () => {
    const svg = await renderSvg(heatmap({ rows: ["q"], cols: ["x", "y"], values: [[0, 1]], rowLabel: "r", colLabel: "c", colorLabel: "v", title: "t" }));
    const [low, high] = fills(marks(svg, "rect")[0]!).map(rgb);
    expect(Math.min(...low!)).toBeGreaterThan(200);
    expect(high![2]).toBeGreaterThan(high![0] + 40);
    expect(Math.max(...high!)).toBeLessThan(160);
  });

  it("signed values get the diverging scale: negative blue, zero white, positive red", async () => {
    const spec = heatmap({ rows: ["q"], cols: ["neg", "zero", "pos"], values: [[-2, 0, 1]], rowLabel: "r", colLabel: "c", colorLabel: "Δ", title: "t" });
    expect(JSON.stringify(spec)).toContain('"domainMid":0');
    const [neg, zero, pos] = fills(marks(await renderSvg(spec), "rect")[0]!).map(rgb);
    expect(neg![2]).toBeGreaterThan(neg![0] + 60);
    expect(pos![0]).toBeGreaterThan(pos![2] + 30);
    expect(Math.min(...zero!)).toBeGreaterThan(225);
  });

  it("small multiples share one colour scale and show each panel's name; values can be printed", async () => {
    const spec = heatmap({
      rows: tokens,
      cols: tokens,
      rowLabel: "query",
      colLabel: "key",
      colorLabel: "attention",
      title: "three models",
      showValues: ".1f",
      facet: { panels: ["compiled", "FT η=1e-4", "FT η=0.1"].map((name, i) => ({ name, values: values.map((r) => r.map((v) => v * (i + 1) * 0.3)) })) },
    });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(texts(svg)).toEqual(expect.arrayContaining(["compiled", "FT η=1e-4", "FT η=0.1", "0.9"]));
    expect(marks(svg, "rect").reduce((n, g) => n + count(g, "<path"), 0)).toBe(3 * 16);
    expect(count(svg, 'class="mark-rect role-legend-gradient"')).toBe(1);
  });

  it("a missing value (NaN) is a blank cell: no printed value, no 'null'", async () => {
    const spec = heatmap({ rows: ["q"], cols: ["x", "y"], values: [[NaN, 42]], rowLabel: "r", colLabel: "c", colorLabel: "v", title: "t", showValues: ".0f" });
    expect(compileSpec(spec).warnings).toEqual([]);
    const t = texts(await renderSvg(spec));
    expect(t).toContain("42");
    expect(t).not.toContain("null");
    expect(t).not.toContain("NaN");
  });

  it("labels that need escaping reach the picture as written", async () => {
    const svg = await renderSvg(heatmap({ rows: ['a"b', "<x>"], cols: ["\\", "it's"], values: [[1, 2], [3, 4]], rowLabel: "r", colLabel: "c", colorLabel: "v", title: "t" }));
    expect(texts(svg)).toEqual(expect.arrayContaining(['a"b', "&lt;x&gt;", "\\", "it's"]));
  });

  it("refuses values that do not match the labels", () => {
    expect(() => heatmap({ rows: ["a"], cols: ["x", "y"], values: [[1]], rowLabel: "r", colLabel: "c", colorLabel: "v", title: "t" })).toThrow(/row 0 has 1 value\(s\) but there are 2 column label/);
  });
});

describe("lineChart", () => {
  const series = [
    { name: "Acc O_PT", points: [0, 1, 3, 10].map((x, i) => ({ x, y: 10 + 20 * i })) },
    { name: "Acc O_FT", points: [0, 1, 3, 10].map((x, i) => ({ x, y: 95 - 25 * i })) },
  ];

  it("draws a line per series and each baseline as a dashed rule named at its end (equal values share one)", async () => {
    const spec = lineChart({ series, xLabel: "K", yLabel: "accuracy (%)", title: "pruning", baselines: [{ name: "always 0", y: 20 }, { name: "always 1", y: 20 }, { name: "min(count a, 1)", y: 40 }] });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(marks(svg, "line").reduce((n, g) => n + count(g, "<path"), 0)).toBe(2);
    const rules = marks(svg, "rule").join("");
    expect(count(rules, "<line")).toBe(2);
    expect(count(rules, 'stroke-dasharray="6,4"')).toBe(2);
    expect(texts(svg)).toEqual(expect.arrayContaining(["always 0 / always 1: 20", "min(count a, 1): 40", "Acc O_PT", "Acc O_FT", "K", "accuracy (%)"]));
  });

  it("logX uses symlog when an x is 0, log otherwise, with the x's as ticks", () => {
    expect(JSON.stringify(lineChart({ series, xLabel: "K", yLabel: "y", title: "t", logX: true }))).toContain('"type":"symlog"');
    const positive = [{ name: "s", points: [1, 10, 100].map((x) => ({ x, y: x })) }];
    const spec = JSON.stringify(lineChart({ series: positive, xLabel: "K", yLabel: "y", title: "t", logX: true }));
    expect(spec).toContain('"type":"log"');
    expect(spec).toContain('"values":[1,10,100]');
  });

  it("xNames label x = 0, 1, ... by name, one tick each", async () => {
    const spec = lineChart({ series: [{ name: "pt", points: [0, 1, 2].map((x) => ({ x, y: 50 })) }], xNames: ["embed", "block 0", "block 1"], xLabel: "stream", yLabel: "y", title: "t" });
    expect(compileSpec(spec).warnings).toEqual([]);
    const labels = texts(await renderSvg(spec));
    expect(labels).toEqual(expect.arrayContaining(["embed", "block 0", "block 1"]));
    expect(labels).not.toContain("0.5");
  });

  it("small multiples: one panel per name, with each panel's own baselines", async () => {
    const spec = lineChart({
      xLabel: "step",
      yLabel: "accuracy (%)",
      title: "curves",
      facet: {
        panels: [
          { name: "FT η=1e-4", series, baselines: [{ name: "majority", y: 35.6 }] },
          { name: "FT η=0.1", series: [series[0]!] },
        ],
      },
    });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(texts(svg)).toEqual(expect.arrayContaining(["FT η=1e-4", "FT η=0.1", "majority: 35.6"]));
    expect(texts(svg).filter((t) => t.startsWith("majority")).length).toBe(1);
    expect(marks(svg, "line").reduce((n, g) => n + count(g, "<path"), 0)).toBe(3);
  });

  it("series sharing a key share one legend entry and colour", async () => {
    const seeds = [0, 1, 2].map((s) => ({ name: `seed ${s}`, key: "Acc O_FT", points: [{ x: 0, y: s }, { x: 1, y: s + 1 }] }));
    const svg = await renderSvg(lineChart({ series: [...seeds, { name: "other", points: [{ x: 0, y: 5 }, { x: 1, y: 5 }] }], xLabel: "x", yLabel: "y", title: "t" }));
    expect(texts(svg).filter((t) => t === "Acc O_FT").length).toBe(1);
    const strokes = [...marks(svg, "line").join("").matchAll(/stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(new Set(strokes.slice(0, 3)).size).toBe(1);
    expect(strokes[3]).not.toBe(strokes[0]);
  });
});

describe("barChart", () => {
  it("draws one bar per label and group, grouped side by side, with a baseline", async () => {
    const bars = [0, 1, 2, 3].flatMap((c) => ["0", "3", "10"].map((g) => ({ label: String(c), value: c + Number(g), group: g })));
    const spec = barChart({ bars, xLabel: "predicted count", yLabel: "samples", title: "after pruning", groupLabel: "K", baselines: [{ name: "uniform", y: 5 }] });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    const barPaths = marks(svg, "rect").reduce((n, g) => n + count(g, "<path"), 0);
    expect(barPaths).toBe(12);
    expect(texts(svg)).toEqual(expect.arrayContaining(["0", "1", "2", "3", "10", "K", "uniform: 5", "predicted count"]));
  });

  it("horizontal bars for long labels, negative values below zero", async () => {
    const spec = barChart({ bars: [{ label: "layers[0].attention[1].wq", value: -1.5 }, { label: "unembedding", value: 2 }], xLabel: "matrix", yLabel: "effect", title: "t", horizontal: true });
    expect(compileSpec(spec).warnings).toEqual([]);
    const svg = await renderSvg(spec);
    expect(texts(svg)).toEqual(expect.arrayContaining(["layers[0].attention[1].wq", "unembedding"]));
    expect(marks(svg, "rect").reduce((n, g) => n + count(g, "<path"), 0)).toBe(2);
  });
});
