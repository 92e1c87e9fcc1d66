// The report page's structure, on tiny synthetic folders: every expected figure is present as a
// non-empty inline SVG with its title, caption and table; the lab's tables keep their baseline rows;
// the page has no script and fetches nothing (no http(s) URL but the SVG namespaces); element ids are
// unique across the charts; and a folder with nothing to show is refused in one line.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { buildReport, embedSvg } from "../../runtime/report/html.js";
import { removeTemp, sampleFigures, tempDir, writeFinetuneRun, writePretrainRun, writeSweep } from "./fixtures.js";

afterAll(removeTemp);

interface PageFigure {
  readonly id: string;
  readonly anchor: string;
  readonly body: string;
}

/** The page's <figure class="chart"> blocks (an SVG never contains a <figure>). */
export function pageFigures(html: string): PageFigure[] {
  return [...html.matchAll(/<figure class="chart" id="([^"]+)" data-figure="([^"]+)">(.*?)<\/figure>/gs)].map((m) => ({ anchor: m[1]!, id: m[2]!, body: m[3]! }));
}

/** What makes a page self-contained: no script, nothing to fetch, unique ids. */
export function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/\son\w+=/i); // no inline event handlers
  const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
  expect(urls.filter((u) => u !== "http://www.w3.org/2000/svg" && u !== "http://www.w3.org/1999/xlink")).toEqual([]);
  for (const m of html.matchAll(/https?:\/\/[^\s"'<>)]+/g)) expect(html.slice(Math.max(0, m.index - 13), m.index)).toMatch(/(\sxmlns|xmlns:xlink)="$/);
  expect(html).not.toMatch(/\s(src|href)="(?!#)/);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  expect(new Set(ids).size).toBe(ids.length);
  expect(html).not.toMatch(/<link\b/i);
  expect(html).not.toMatch(/@import|url\((?!#)/);
}

/** A non-empty inline SVG: sized, with drawn marks. */
function expectDrawn(f: PageFigure): void {
  const svg = /<svg\b[^>]*>.*<\/svg>/s.exec(f.body)?.[0] ?? "";
  expect(svg, `figure ${f.id} has an inline SVG`).not.toBe("");
  const [w, h] = [Number(/\swidth="(\d+(\.\d+)?)"/.exec(svg)?.[1]), Number(/\sheight="(\d+(\.\d+)?)"/.exec(svg)?.[1])];
  expect(w).toBeGreaterThan(50);
  expect(h).toBeGreaterThan(50);
  expect(svg).toMatch(/class="mark-(rect|line|symbol|rule) role-mark/);
  expect((svg.match(/<path\b/g) ?? []).length, `figure ${f.id} draws marks`).toBeGreaterThan(2);
}

describe("report of a fine-tuning run", () => {
  it("learning curves, summary, confusion tables and every figure of figures/", async () => {
    const dir = writeFinetuneRun(path.join(tempDir(), "FT-lr1e-2-c1-s0"), { figures: true });
    const page = await buildReport(dir);
    expect(page.charts).toBe(2);
    expect(page.figures).toBe(3);
    const html = page.html;
    expectSelfContained(html);
    expect(html.startsWith("<!doctype html>")).toBe(true);
    const figures = pageFigures(html);
    expect(figures.map((f) => f.id)).toEqual(["curves-accuracy", "curves-loss", ...sampleFigures().map((f) => f.id).sort()]);
    figures.forEach(expectDrawn);
    for (const f of sampleFigures()) {
      const shown = figures.find((x) => x.id === f.id)!;
      expect(shown.body).toContain(`<h3>${f.title}</h3>`);
      expect(shown.body).toContain("<figcaption>");
    }
    expect(figures.find((f) => f.id === "prune-curve")!.body).toContain('<tr class="baseline"><td><em>baseline: always 0</em></td><td class="num">20</td></tr>');
    expect(html).toContain("<h2>What the model computes</h2>");
    expect(html).toContain('<td class="num">95.0</td>');
    expect(html).toContain("Fine-tuning run: protocol FT, η = 0.01, C_Tr = 1, 200 iterations, seed 0, task counter, O_PT = a, O_FT = b. Status: done at step 200.");
    expect(html).toContain("No baselines: the run is not inside a sweep folder");
  });

  it("a run still training: the half-written last line is left out and said so", async () => {
    const dir = writeFinetuneRun(path.join(tempDir(), "FT-x-s0"));
    fs.rmSync(path.join(dir, "summary.json"));
    fs.appendFileSync(path.join(dir, "metrics.jsonl"), '{"step":250,"loss":0.3,"ac');
    const { html } = await buildReport(dir);
    expect(html).toContain("not finished (last record: step 200)");
    expect(html).toContain("the last line of metrics.jsonl was still being written");
  });
});

describe("report of a sweep", () => {
  it("the lab's tables with baseline rows, curves per protocol with the sweep's baselines, runs and their figures", async () => {
    const dir = writeSweep(path.join(tempDir(), "tiny"));
    const page = await buildReport(dir);
    const html = page.html;
    expectSelfContained(html);
    expect(html).toContain("<h3>tiny: counter, ort/cpu</h3>");
    expect((html.match(/<tr class="baseline">/g) ?? []).length).toBeGreaterThanOrEqual(2);
    const ids = pageFigures(html).map((f) => f.id);
    expect(ids.slice(0, 2)).toEqual(["curves-FT-accuracy", "curves-FT-loss"]);
    for (const f of sampleFigures()) {
      expect(ids).toContain(f.id); // the first run's figures, inside its details
      expect(ids).toContain(`sweep-${f.id}`);
    }
    pageFigures(html).forEach(expectDrawn);
    expect(page.figures).toBe(6);
    expect(html).toContain("3 run folder(s), 2 finished, 0 unfinished, 1 not started");
    expect(html).toContain("Trivial baselines on the sweep&#39;s test sets: always 0");
    expect(html).toContain('<details id="run-FT-lr1e-2-c1-s0" open><summary>FT-lr1e-2-c1-s0 (3 figure(s))</summary>');
    expect(html).toContain('<details id="run-FT-lr1e-2-c1-s1"><summary>FT-lr1e-2-c1-s1</summary>');
    expect(html).toContain("<td>FT-lr1e-2-c1-s2</td><td>not started</td>");
  });

  it("one run of the sweep gets the sweep's baselines on its curves and in its table", async () => {
    const dir = writeSweep(path.join(tempDir(), "tiny"));
    const { html } = await buildReport(path.join(dir, "runs", "FT-lr1e-2-c1-s1"));
    expectSelfContained(html);
    const acc = pageFigures(html).find((f) => f.id === "curves-accuracy")!;
    expect(acc.body).toMatch(/best constant \(always \d\): [\d.]+/);
    expect(acc.body).toContain('<tr class="baseline"><td><em>baseline: always');
  });
});

describe("other folders", () => {
  it("a pretraining run: loss and accuracy curves", async () => {
    const { html, charts } = await buildReport(writePretrainRun(path.join(tempDir(), "gpt-copy")));
    expect(charts).toBe(2);
    expectSelfContained(html);
    pageFigures(html).forEach(expectDrawn);
    expect(html).toContain("Pretraining run");
    expect(html).toContain("answer 30.0%");
  });

  it("a folder with only figures", async () => {
    const dir = tempDir();
    for (const f of sampleFigures()) (await import("../../runtime/report/figure.js")).saveFigure(dir, f);
    const { html, charts, figures } = await buildReport(dir);
    expect([charts, figures]).toEqual([0, 3]);
    expectSelfContained(html);
    pageFigures(html).forEach(expectDrawn);
  });
});

describe("refusals", () => {
  async function refusal(dir: string): Promise<string> {
    const err = await buildReport(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).not.toContain("\n");
    return (err as Error).message;
  }

  it("a folder with no metrics, checkpoint or figures names what is missing and what is expected", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "notes.txt"), "hello");
    const message = await refusal(dir);
    expect(message).toMatch(/nothing to report: no metrics\.jsonl, checkpoint\.json or figures\/\*\.json; expected a run folder \(metrics\.jsonl, checkpoint\.json, summary\.json\), a sweep folder \(experiment\.json, runs\/\) or instruments' figures/);
    expect(fs.readdirSync(dir)).toEqual(["notes.txt"]);
  });

  it("a checkpoint without metrics, a file, a missing folder", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "checkpoint.json"), "{}");
    expect(await refusal(dir)).toMatch(/no metrics\.jsonl \(it has a checkpoint\.json but no metrics\)/);
    expect(await refusal(path.join(dir, "checkpoint.json"))).toMatch(/not a folder/);
    expect(await refusal(path.join(dir, "nope"))).toMatch(/nope: no such folder/);
  });

  it("a broken metrics line names file and line; a broken figure names its file", async () => {
    const dir = writeFinetuneRun(path.join(tempDir(), "FT-x-s0"));
    fs.writeFileSync(path.join(dir, "metrics.jsonl"), '{"step":0,"loss":null,"acc":{"ptC0":1,"ftC0":0,"ptC1":1,"ftC1":0}}\n{"step": "zero"}\n{"step":50}\n');
    expect(await refusal(dir)).toMatch(/metrics\.jsonl:2: not a metrics record/);
    const dir2 = writeFinetuneRun(path.join(tempDir(), "FT-y-s0"));
    fs.mkdirSync(path.join(dir2, "figures"));
    fs.writeFileSync(path.join(dir2, "figures", "bad.json"), "{}");
    expect(await refusal(dir2)).toMatch(/figures\/bad\.json: not a raspc figure file/);
  });

  it("an empty sweep folder", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "experiment.json"), "{}");
    expect(await refusal(dir)).toMatch(/nothing to report yet: no run under runs\/ has a metrics\.jsonl, there is no sweep\.md/);
  });
});

describe("embedSvg", () => {
  it("prefixes every id and every reference to it", () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><defs><clipPath id="clip1"><rect/></clipPath><linearGradient id="gradient_0"/></defs><g clip-path="url(#clip1)"><path fill="url(#gradient_0)"/><use href="#clip1"/></g></svg>';
    const out = embedSvg(svg, "c3-", "a <chart>");
    expect(out).toContain('<svg role="img" aria-label="a &lt;chart&gt;" xmlns=');
    expect(out).toContain('id="c3-clip1"');
    expect(out).toContain('clip-path="url(#c3-clip1)"');
    expect(out).toContain('fill="url(#c3-gradient_0)"');
    expect(out).toContain('href="#c3-clip1"');
    expect(out).not.toMatch(/"(url\()?#?clip1\)?"/);
  });
});
