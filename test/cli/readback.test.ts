// `raspc readback` end to end: a run folder of a (miniature) fine-tuning sweep is read against the
// program with the sweep's operand and fed the sweep's task; --base reads a model as another
// compiled program; a bare model file gets uniform inputs; bad input (a gpt, a model without a
// plan, a base of another layout, a bad figure path) is one line, exit 1, before anything runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileFile } from "../../compiler/compileFile.js";
import { writeModel } from "../../compiler/model/modelFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { COUNTER_VOCAB } from "../../runtime/tasks/data.js";
import { ROOT, expectNoCrash, raspc, removeScratch, scratch } from "../helpers/cli.js";

let dir: string;
const program = path.join(ROOT, "rasp-programs", "counter.rasp");

/** A sweep folder as `raspc experiment` leaves it, with one "run" whose final weights are the O_PT model's own. */
function miniSweep(): string {
  const d = scratch({ "experiment.json": JSON.stringify({ task: "counter", preset: "quick", program, oPt: "c", oFt: "d" }) });
  const compile = (operand: string): CompiledModel => compileFile(program, { vocab: COUNTER_VOCAB, maxLen: 10, overrides: new Map([["operand", operand]]) });
  const pt = compile("c");
  fs.mkdirSync(path.join(d, "models"));
  writeModel(path.join(d, "models", "pt.json"), pt);
  writeModel(path.join(d, "models", "ft.json"), compile("d"));
  fs.mkdirSync(path.join(d, "runs", "FT-x-s0"), { recursive: true });
  writeModel(path.join(d, "runs", "FT-x-s0", "final-model.json"), { ...pt, trained: { sourceModel: "models/pt.json", runId: "FT-x-s0", step: 0, protocol: "FT" } });
  return d;
}

/** The table's row for an s-op: its cells after "written". */
function cells(stdout: string, sop: string): string[] {
  const line = stdout.split("\n").find((l) => l.startsWith(`| ${sop} |`));
  expect(line, `${sop} row in\n${stdout}`).toBeDefined();
  return line!.split("|").slice(3, -1).map((c) => c.trim());
}

beforeAll(() => {
  dir = miniSweep();
});
afterAll(removeScratch);

describe("raspc readback", () => {
  it("reads a sweep's run against the program with the sweep's operand, on the sweep's task", async () => {
    const r = await raspc(["readback", "runs/FT-x-s0", "--samples", "60"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The model file's text says operand = "a"; the sweep compiled it with "c".
    expect(r.stdout).toContain('operand = "c" from the sweep\'s experiment.json');
    expect(r.stdout).toContain("60 inputs of the sweep's counter task (length 10");
    expect(r.stdout).toContain("| s-op | written | embed | L0 | L1 |");
    for (const sop of ["indices", "tokens", "bin"]) expect(cells(r.stdout, sop)).toEqual(["100", "100", "100"]);
    expect(cells(r.stdout, "count_a")).toEqual(["–", "100", "100"]);
    expect(cells(r.stdout, "out")).toEqual(["–", "–", "100"]);
  });

  it("with --base reads the O_PT model as the O_FT program: bin no longer holds, and --json gives the counts", async () => {
    const r = await raspc(["readback", "models/pt.json", "--base", "models/ft.json", "--samples", "60", "--json"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    const [result] = JSON.parse(r.stdout) as { about: string; inputs: number; sops: { sop: string; cells: ({ matched: number; compared: number } | null)[] }[] }[];
    expect(result!.about).toContain('operand = "d"');
    expect(result!.inputs).toBe(60);
    const bin = result!.sops.find((s) => s.sop === "bin")!.cells[0]!;
    expect(bin.compared).toBe(600);
    expect(bin.matched).toBeLessThan(bin.compared);
    const tokens = result!.sops.find((s) => s.sop === "tokens")!.cells[0]!;
    expect(tokens.matched).toBe(tokens.compared);
  });

  it("feeds a bare model file uniform inputs at its max length; --position narrows to one position", async () => {
    const bare = scratch({});
    fs.copyFileSync(path.join(dir, "models", "pt.json"), path.join(bare, "counter.json"));
    const r = await raspc(["readback", "counter.json", "--samples", "30", "--seed", "3", "--position", "1", "--set", "operand=c"], { cwd: bare, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("30 uniformly random inputs of length 10 (seed 3)");
    expect(r.stdout).toContain("inputs at position 1");
    expect(cells(r.stdout, "out")).toEqual(["–", "–", "100"]);
  });

  it("writes the heatmap with -o (SVG) and adds it to a folder's figures/ with --save", async () => {
    const r = await raspc(["readback", "runs/FT-x-s0", "models/pt.json", "--samples", "20", "--position", "1", "-o", "readback.svg", "--save", "runs/FT-x-s0"], { cwd: dir, timeoutMs: 60_000 });
    expectNoCrash(r);
    expect(r.code).toBe(0);
    const svg = fs.readFileSync(path.join(dir, "readback.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("count_a (L0 attn+mlp)");
    const saved = path.join(dir, "runs", "FT-x-s0", "figures", "readback-pos1-FT-x-s0-pt.json");
    expect(r.stdout).toContain(`saved runs/FT-x-s0/figures/readback-pos1-FT-x-s0-pt.json`);
    const fig = JSON.parse(fs.readFileSync(saved, "utf8")) as { format: string; caption: string; table: { rows: unknown[][] } };
    expect(fig.format).toBe("raspc-figure");
    expect(fig.caption).toContain("FT-x-s0: every s-op 100% after L1");
    expect(fig.table.rows).toHaveLength(10);
  });

  it("refuses a gpt, a model without a plan, a base of another layout, and bad options in one line, exit 1", async () => {
    const model = JSON.parse(fs.readFileSync(path.join(dir, "models", "pt.json"), "utf8")) as CompiledModel;
    const other = compileFile(path.join(ROOT, "rasp-programs", "hist.rasp"), { vocab: ["a", "b"], maxLen: 4 });
    const bad = scratch({
      "noplan.json": JSON.stringify({ ...model, plan: [] }),
      "gpt.json": JSON.stringify({ format: "raspc-gpt-checkpoint", version: 1, fingerprint: "x", params: {} }),
      "gpt-run/config.json": JSON.stringify({ kind: "gpt-pretrain", name: "g" }),
      "hist.json": JSON.stringify(other),
    });
    fs.copyFileSync(path.join(dir, "models", "pt.json"), path.join(bad, "pt.json"));
    const cases: [string[], RegExp][] = [
      [["noplan.json"], /^raspc: noplan\.json: its plan is empty/],
      [["gpt.json"], /^raspc: gpt\.json: a gpt \(minGPT\) model has no plan/],
      [["gpt-run"], /^raspc: gpt-run: a gpt \(minGPT\) model has no plan/],
      [["pt.json", "--base", "hist.json"], /read-back needs one layout/],
      [["pt.json", "-o", "fig.gif"], /must end in \.svg, \.png, \.json/],
      [["pt.json", "--samples", "0"], /--samples must be a positive integer/],
      [["pt.json", "--position", "10"], /--position 10: inputs have 10 tokens/],
      [["pt.json", "--correlated", "0.5"], /not in a fine-tuning sweep's folder/],
      [["pt.json", "--tolerance", "-1"], /--tolerance must be a positive number/],
    ];
    for (const [args, message] of cases) {
      const r = await raspc(["readback", ...args], { cwd: bad, timeoutMs: 60_000 });
      expectNoCrash(r);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stdout, args.join(" ")).toBe("");
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr, args.join(" ")).toMatch(message);
    }
    expect(fs.readdirSync(bad).sort()).toEqual(["gpt-run", "gpt.json", "hist.json", "noplan.json", "pt.json"]);
  });
});
