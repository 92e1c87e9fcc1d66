// `raspc report` as a user runs it (the built CLI): the page lands at RUN_DIR/report.html or at -o,
// and every refusal is one line, exit 1, with nothing written.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { expectNoCrash, raspc } from "../helpers/cli.js";
import { removeTemp, tempDir, writeFinetuneRun, writeSweep } from "./fixtures.js";

afterAll(removeTemp);

describe("raspc report", () => {
  it("writes RUN_DIR/report.html by default and says what it drew", async () => {
    const dir = writeFinetuneRun(path.join(tempDir(), "FT-lr1e-2-c1-s0"), { figures: true });
    const r = await raspc(["report", dir], { timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*report\.html \(2 chart\(s\) from the metrics, 3 figure\(s\) from figures\/, \d+ KiB\)\n$/);
    const html = fs.readFileSync(path.join(dir, "report.html"), "utf8");
    expect((html.match(/<figure class="chart"/g) ?? []).length).toBe(5);
    expect(fs.readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });

  it("-o puts the page elsewhere; a sweep folder works the same", async () => {
    const dir = writeSweep(path.join(tempDir(), "tiny"));
    const out = path.join(tempDir(), "sweep.html");
    const r = await raspc(["report", dir, "-o", out], { timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(out, "utf8")).toContain("<h2>The lab&#39;s tables</h2>");
    expect(fs.existsSync(path.join(dir, "report.html"))).toBe(false);
  });

  it("a folder with nothing to report: one line, exit 1, nothing written", async () => {
    const dir = tempDir();
    const r = await raspc(["report", dir]);
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^raspc: .*: nothing to report: no metrics\.jsonl, checkpoint\.json or figures\/\*\.json; expected a run folder/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("an output folder that does not exist is refused before anything is drawn", async () => {
    const dir = writeFinetuneRun(path.join(tempDir(), "FT-lr1e-2-c1-s0"));
    const r = await raspc(["report", dir, "-o", path.join(dir, "missing", "r.html")]);
    expectNoCrash(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^raspc: .*r\.html: cannot write: the folder .*missing does not exist\n$/);
    const r2 = await raspc(["report", dir, "-o", dir]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/cannot write: it is a folder/);
  });

  it("without a folder it is a usage error", async () => {
    const r = await raspc(["report"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'run_dir'");
  });
});
