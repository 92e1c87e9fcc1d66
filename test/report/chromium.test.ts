// The report in a real browser, where one is installed (Debian's `chromium`; CI has none, so this
// is skipped there and html.test.ts checks the page's structure instead). Two checks: a copy of the
// page with a measuring script added (the report itself has no script) is loaded headless and
// `--dump-dom` returns, for every figure, the size the browser laid its SVG out at and the extent of
// what it drew; and a screenshot of the unmodified page is a real, non-blank PNG.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { buildReport } from "../../runtime/report/html.js";
import { removeTemp, tempDir, writeSweep } from "./fixtures.js";

afterAll(removeTemp);

function findChromium(): string | null {
  for (const name of ["chromium", "chromium-browser"]) {
    const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
    if (r.status === 0 && r.stdout.trim() !== "") return r.stdout.trim();
  }
  return null;
}

const CHROMIUM = findChromium();

function chromium(args: readonly string[], profile: string): string {
  return execFileSync(CHROMIUM!, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", `--user-data-dir=${profile}`, ...args], {
    encoding: "utf8",
    timeout: 90_000,
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "ignore"],
  });
}

/** Measures every figure once the page has laid out, and writes the result into the DOM. */
const PROBE = `<script>
addEventListener("load", () => {
  const out = [...document.querySelectorAll("figure.chart")].map((f) => {
    const svg = f.querySelector("svg");
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    let drawn = { width: 0, height: 0 };
    if (svg) { const b = svg.getBBox(); drawn = { width: b.width, height: b.height }; }
    const marks = svg ? svg.querySelectorAll(".role-mark path, .role-mark line").length : 0;
    return { id: f.dataset.figure, width: box.width, height: box.height, drawn, marks };
  });
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>`;

/** The PNG's size and a sample of its decompressed scanlines (enough to tell a blank page). */
function readPng(file: string): { width: number; height: number; pixels: Buffer } {
  const png = fs.readFileSync(file);
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  for (let at = 8; at < png.length; ) {
    const len = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    if (type === "IHDR") [width, height] = [png.readUInt32BE(at + 8), png.readUInt32BE(at + 12)];
    if (type === "IDAT") idat.push(png.subarray(at + 8, at + 8 + len));
    at += 12 + len;
  }
  return { width, height, pixels: inflateSync(Buffer.concat(idat)) };
}

describe.skipIf(CHROMIUM === null)("the report in headless Chromium", () => {
  it("lays out every figure at a non-zero size with drawn marks, and screenshots as a real page", async () => {
    const work = tempDir();
    const dir = writeSweep(path.join(work, "tiny"));
    const { html } = await buildReport(dir);
    const expected = [...html.matchAll(/data-figure="([^"]+)"/g)].map((m) => m[1]!);
    expect(expected.length).toBe(8);

    const probePage = path.join(work, "probe.html");
    fs.writeFileSync(probePage, html.replace("</body>", `${PROBE}\n</body>`));
    const dom = chromium(["--window-size=1280,2000", "--virtual-time-budget=5000", "--dump-dom", `file://${probePage}`], path.join(work, "profile1"));
    const json = /<pre id="probe">(.*?)<\/pre>/s.exec(dom)?.[1];
    expect(json, "the probe ran in Chromium").toBeDefined();
    const measured = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")) as { id: string; width: number; height: number; drawn: { width: number; height: number }; marks: number }[];
    expect(measured.map((m) => m.id)).toEqual(expected);
    for (const m of measured) {
      expect(m.width, `${m.id} width`).toBeGreaterThan(50);
      expect(m.height, `${m.id} height`).toBeGreaterThan(50);
      expect(m.drawn.width, `${m.id} drawn width`).toBeGreaterThan(50);
      expect(m.drawn.height, `${m.id} drawn height`).toBeGreaterThan(50);
      expect(m.marks, `${m.id} marks`).toBeGreaterThan(0);
    }

    const reportFile = path.join(dir, "report.html");
    fs.writeFileSync(reportFile, html);
    const shot = path.join(work, "report.png");
    chromium(["--window-size=1280,2400", `--screenshot=${shot}`, `file://${reportFile}`], path.join(work, "profile2"));
    const { width, height, pixels } = readPng(shot);
    expect([width, height]).toEqual([1280, 2400]);
    // A blank page inflates to filter bytes and 255s (or 0s after a filter); charts and text give many values.
    const mid = pixels.subarray(0, Math.min(pixels.length, 4_000_000));
    const values = new Set(mid);
    const inked = mid.filter((b) => b !== 0 && b !== 255).length;
    expect(values.size).toBeGreaterThan(100);
    expect(inked / mid.length).toBeGreaterThan(0.01);
  }, 180_000);
});
