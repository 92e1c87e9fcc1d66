// The sweep's results as the paper prints them: a CSV with one row per run, and Markdown tables
// shaped like Jain et al.'s tables 3 (FT: learning rate × C_Tr → Acc O_PT / Acc O_FT on C_Te = 1
// and 0) and 4 (reFT likewise), plus the revival comparison of appendix G.3 (iterations until
// Acc O_PT reaches 90% and 100%, reFT against the Scr.+FT baseline).
import type { Accuracies, RunSummary } from "../train/loop.js";
import type { Baseline } from "./baselines.js";
import { describeConfusion } from "../train/confusion.js";
import { formatNumber, type PlannedRun } from "./plan.js";

export interface RunResult {
  readonly run: PlannedRun;
  readonly summary: RunSummary | null;
  /** Why the run has no summary (its source diverged, it failed). */
  readonly note?: string;
}

const pct = (x: number | undefined): string => (x === undefined ? "–" : (100 * x).toFixed(1));
const iters = (x: number | null | undefined): string => (x === null || x === undefined ? "never" : String(x));

const CSV_COLUMNS = [
  "id",
  "protocol",
  "learning_rate",
  "c_train",
  "source",
  "iterations",
  "status",
  "acc_pt_cte1",
  "acc_ft_cte1",
  "acc_pt_cte0",
  "acc_ft_cte0",
  "initial_acc_pt_cte0",
  "initial_acc_ft_cte0",
  "final_loss",
  "iters_to_90",
  "iters_to_100",
  "steps_per_second",
  "note",
] as const;

function csvCell(v: string | number | null | undefined): string {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sweepCsv(results: readonly RunResult[], baselines: readonly Baseline[] = []): string {
  const rows = results.map(({ run, summary: s, note }) => {
    const f = s?.final.acc;
    const row: Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined> = {
      id: run.id,
      protocol: run.protocol,
      learning_rate: run.learningRate,
      c_train: run.cTrain ?? run.source?.cTrain ?? "",
      source: run.start.kind === "run" ? run.start.id : `compiled:${run.start.model}`,
      iterations: s?.steps,
      status: s?.status ?? "not run",
      acc_pt_cte1: f?.ptC1,
      acc_ft_cte1: f?.ftC1,
      acc_pt_cte0: f?.ptC0,
      acc_ft_cte0: f?.ftC0,
      initial_acc_pt_cte0: s?.initial.acc.ptC0,
      initial_acc_ft_cte0: s?.initial.acc.ftC0,
      final_loss: s?.final.loss,
      iters_to_90: s?.itersTo90,
      iters_to_100: s?.itersTo100,
      steps_per_second: s ? Number(s.stepsPerSecond.toFixed(1)) : undefined,
      note: s?.message ?? note,
    };
    return CSV_COLUMNS.map((k) => csvCell(row[k])).join(",");
  });
  const baselineRows = baselines.map((b) => {
    const row: Partial<Record<(typeof CSV_COLUMNS)[number], string | number>> = { id: `baseline: ${b.name}`, protocol: "baseline", acc_pt_cte1: b.acc.ptC1, acc_ft_cte1: b.acc.ftC1, acc_pt_cte0: b.acc.ptC0, acc_ft_cte0: b.acc.ftC0 };
    return CSV_COLUMNS.map((k) => csvCell(row[k])).join(",");
  });
  return [CSV_COLUMNS.join(","), ...rows, ...baselineRows].join("\n") + "\n";
}

function accCells(s: RunSummary | null, note?: string): string[] {
  if (!s) return ["–", "–", "–", "–", note ?? "not run"];
  const a = s.final.acc;
  return [pct(a.ptC1), pct(a.ftC1), pct(a.ptC0), pct(a.ftC0), s.status === "diverged" ? `diverged at step ${s.steps + 1}` : ""];
}

const accOf = (a: Accuracies): string[] => [pct(a.ptC1), pct(a.ftC1), pct(a.ptC0), pct(a.ftC0)];

/** The baseline rows of a table whose accuracy columns start after `lead` other columns. */
function baselineRows(baselines: readonly Baseline[], lead: number, trail: number): string[][] {
  return baselines.map((b) => [`*baseline: ${b.name}*`, ...new Array<string>(lead - 1).fill(""), ...accOf(b.acc), ...new Array<string>(trail).fill("")]);
}

const ACC_HEAD = ["C_Te=1 Acc O_PT", "C_Te=1 Acc O_FT", "C_Te=0 Acc O_PT", "C_Te=0 Acc O_FT"];

function table(head: string[], rows: string[][]): string {
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
  return lines.join("\n");
}

export interface TableContext {
  readonly title: string;
  readonly oPt: string | number;
  readonly oFt: string | number;
  /** Trivial functions scored on the same test sets, shown as rows of every accuracy table. */
  readonly baselines?: readonly Baseline[];
}

export function sweepMarkdown(results: readonly RunResult[], ctx: TableContext): string {
  const out: string[] = [`# ${ctx.title}`, "", `O_PT = ${ctx.oPt}, O_FT = ${ctx.oFt}. Accuracies in percent on held-out test sets without (C_Te = 0) and with (C_Te = 1) the spurious correlation.`];
  const base = ctx.baselines ?? [];
  const ft = results.filter((r) => r.run.protocol === "FT");
  if (ft.length > 0) {
    out.push("", "## Fine-tuning (FT), as the paper's table 3", "");
    out.push(table(["LR", "C_Tr", ...ACC_HEAD, "note"], [...ft.map((r) => [formatNumber(r.run.learningRate), String(r.run.cTrain), ...accCells(r.summary, r.note)]), ...baselineRows(base, 2, 1)]));
  }
  const reft = results.filter((r) => r.run.protocol === "reFT" && r.run.source?.protocol === "FT");
  if (reft.length > 0) {
    out.push("", "## Reverse fine-tuning (reFT) of the FT models, as the paper's table 4", "");
    out.push(
      table(
        ["reFT LR", "FT LR", "FT C_Tr", ...ACC_HEAD, "iters to 90% O_PT", "iters to 100% O_PT", "note"],
        [...reft.map((r) => {
          const cells = accCells(r.summary, r.note);
          return [formatNumber(r.run.learningRate), formatNumber(r.run.source!.learningRate), String(r.run.source!.cTrain), ...cells.slice(0, 4), iters(r.summary?.itersTo90), iters(r.summary?.itersTo100), cells[4]!];
        }), ...baselineRows(base, 3, 3)],
      ),
    );
  }
  const rand = results.filter((r) => r.run.protocol === "randFT");
  const randReft = results.filter((r) => r.run.protocol === "reFT" && r.run.source?.protocol === "randFT");
  if (rand.length > 0) {
    out.push("", "## randFT (appendix G.4): fine-tuned to answer wrongly, then reverse fine-tuned", "");
    out.push(table(["LR", ...ACC_HEAD, "note"], [...rand.map((r) => [formatNumber(r.run.learningRate), ...accCells(r.summary, r.note)]), ...baselineRows(base, 1, 1)]));
    if (randReft.length > 0) {
      out.push("");
      out.push(
        table(
          ["reFT LR", "randFT LR", ...ACC_HEAD, "iters to 90% O_PT", "iters to 100% O_PT", "note"],
          randReft.map((r) => {
            const cells = accCells(r.summary, r.note);
            return [formatNumber(r.run.learningRate), formatNumber(r.run.source!.learningRate), ...cells.slice(0, 4), iters(r.summary?.itersTo90), iters(r.summary?.itersTo100), cells[4]!];
          }),
        ),
      );
    }
  }
  const scr = results.filter((r) => r.run.protocol === "ScrFT");
  const revived = [...reft, ...randReft];
  if (scr.length > 0 || revived.length > 0) {
    out.push("", "## Revival: iterations until Acc O_PT (C_Te = 0) first reaches 90% / 100% (appendix G.3)", "");
    out.push("reFT columns: the median over the source runs' C_Tr values (with how many reached the level, when not all did). Scr.+FT starts from the model compiled for O_FT.", "");
    const lrs = [...new Set([...revived, ...scr].map((r) => r.run.learningRate))].sort((a, b) => b - a);
    const median = (xs: (number | null | undefined)[]): string => {
      const done = xs.filter((x): x is number => typeof x === "number").sort((a, b) => a - b);
      if (done.length === 0) return "never";
      const m = done[Math.floor((done.length - 1) / 2)]!;
      return done.length === xs.length ? String(m) : `${m} (${done.length}/${xs.length})`;
    };
    const sourceKey = (r: RunResult) => `${r.run.source!.protocol === "FT" ? "FT" : "randFT"} η=${formatNumber(r.run.source!.learningRate)}`;
    const sources = [...new Set(revived.map(sourceKey))];
    const groups: { title: string; runs: readonly RunResult[] }[] = [...sources.map((k) => ({ title: `reFT of ${k}`, runs: revived.filter((r) => sourceKey(r) === k) })), ...(scr.length > 0 ? [{ title: "Scr.+FT", runs: scr }] : [])];
    out.push(
      table(
        ["LR", ...groups.flatMap((g) => [`${g.title}: to 90%`, "to 100%"])],
        lrs.map((lr) => [
          formatNumber(lr),
          ...groups.flatMap((g) => {
            const at = g.runs.filter((r) => r.run.learningRate === lr);
            return at.length === 0 ? ["–", "–"] : [median(at.map((r) => r.summary?.itersTo90)), median(at.map((r) => r.summary?.itersTo100))];
          }),
        ]),
      ),
    );
  }
  out.push(...computesSection(results, ctx));
  return out.join("\n") + "\n";
}

/**
 * One line per run saying what its final model computes on the C_Te = 0 set: each class of the
 * answer it was trained towards (O_FT for FT, O_PT otherwise) and the answers it gives.
 */
function computesSection(results: readonly RunResult[], ctx: TableContext): string[] {
  const done = results.filter((r) => r.summary?.confusions);
  if (done.length === 0) return [];
  const rows = done.map((r) => {
    const ft = r.run.labels === "ft";
    const m = r.summary!.confusions!;
    return [r.run.id, ft ? `O_FT = ${ctx.oFt}` : `O_PT = ${ctx.oPt}`, describeConfusion(ft ? m.ftC0 : m.ptC0)];
  });
  return [
    "",
    "## What each run computes (C_Te = 0, final record)",
    "",
    "True answer's class → the model's answers (most frequent first; shares under 10% left out). Counter's classes are counts; Max-identifier's are ranks among the input's tokens. Each run folder's confusion.md has the full matrices.",
    "",
    table(["run", "rows: the true answer for", "true class → answers"], rows),
  ];
}
