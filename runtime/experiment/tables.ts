// The sweep's results as the paper prints them: a CSV with one row per run, and Markdown tables
// shaped like Jain et al.'s tables 3 (FT: learning rate × C_Tr → Acc O_PT / Acc O_FT on C_Te = 1
// and 0) and 4 (reFT likewise), plus the revival comparison of appendix G.3 (iterations until
// Acc O_PT reaches 90% and 100%, reFT against the Scr.+FT baseline). The CSV has one row per run
// (and seed); a Markdown row is one cell of the sweep over all its seeds (seedStats.ts), and every
// accuracy table ends with the baseline rows scored on the same test sets (baselines.ts).
import type { Accuracies, RunSummary } from "../train/loop.js";
import type { Baseline } from "./baselines.js";
import { describeConfusion } from "../train/confusion.js";
import { formatNumber, type PlannedRun } from "./plan.js";
import { formatPercentSpread, formatReached, spread } from "./seedStats.js";
import type { GradRecord } from "../train/gradStats.js";

export interface RunResult {
  readonly run: PlannedRun;
  readonly summary: RunSummary | null;
  /** Why the run has no summary (its source diverged, it failed). */
  readonly note?: string;
}

const pct = (x: number): string => (100 * x).toFixed(1);

const CSV_COLUMNS = [
  "id",
  "seed",
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
  "first_to_90",
  "first_to_100",
  "held_from_90",
  "held_from_100",
  "mean_grad_norm",
  "max_grad_norm",
  "clipped_fraction",
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
      seed: run.seed,
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
      first_to_90: s?.itersTo90,
      first_to_100: s?.itersTo100,
      held_from_90: s?.heldFrom90,
      held_from_100: s?.heldFrom100,
      mean_grad_norm: s?.grad?.meanNorm,
      max_grad_norm: s?.grad?.maxNorm,
      clipped_fraction: s?.grad?.clippedFraction,
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

export const ACC_HEAD = ["C_Te=1 Acc O_PT", "C_Te=1 Acc O_FT", "C_Te=0 Acc O_PT", "C_Te=0 Acc O_FT"];
export const ACC_KEYS = ["ptC1", "ftC1", "ptC0", "ftC0"] as const;

/** A Markdown pipe table. */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
  return lines.join("\n");
}

/** The runs of one cell of the sweep (the same run but for its seed). */
interface CellGroup {
  readonly run: PlannedRun;
  readonly results: readonly RunResult[];
}

function byCell(results: readonly RunResult[]): CellGroup[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) groups.set(r.run.cell, [...(groups.get(r.run.cell) ?? []), r]);
  return [...groups.values()].map((rs) => ({ run: rs[0]!.run, results: rs }));
}

const summaries = (g: CellGroup): RunSummary[] => g.results.map((r) => r.summary).filter((s): s is RunSummary => s !== null);

/** The four accuracy cells (mean ± sd over the seeds that have a final record) and the note. */
function accCells(g: CellGroup): string[] {
  const done = summaries(g);
  return [...ACC_KEYS.map((k) => formatPercentSpread(done.map((s) => s.final.acc[k]))), noteOf(g)];
}

/** Diverged and missing seeds, so that a mean never hides them. */
function noteOf(g: CellGroup): string {
  const n = g.results.length;
  const parts: string[] = [];
  const diverged = summaries(g).filter((s) => s.status === "diverged");
  if (diverged.length > 0) parts.push(`diverged in ${diverged.length}/${n} (at step ${diverged.map((s) => s.steps + 1).join(", ")}); their last record is averaged`);
  const missing = g.results.filter((r) => r.summary === null);
  if (missing.length > 0) parts.push(`${missing.length}/${n} without result: ${[...new Set(missing.map((r) => r.note ?? "not run"))].join("; ")}`);
  return parts.join("; ");
}

/** The step from which a run's target accuracy stays at or above the level to the end (thresholds.ts). */
const held = (r: RunResult, level: 90 | 100): number | null | undefined => (level === 90 ? r.summary?.heldFrom90 : r.summary?.heldFrom100);
const reached = (g: CellGroup, level: 90 | 100): string => formatReached(g.results.map((r) => held(r, level)), g.results.length);

/** The pre-clip gradient norm (mean over steps, then over seeds) and the share of steps the clip bound. */
function clipCells(g: CellGroup): string[] {
  const stats = summaries(g).map((s) => s.grad).filter((x): x is GradRecord => x !== null && x !== undefined);
  if (stats.length === 0) return ["–", "–"];
  const norm = spread(stats.map((x) => x.meanNorm))!;
  const clipped = stats.filter((x) => x.clippedFraction !== null);
  return [`${norm.mean.toPrecision(3)} (max ${Math.max(...stats.map((x) => x.maxNorm)).toPrecision(3)})`, clipped.length === 0 ? "no clip" : formatPercentSpread(clipped.map((x) => x.clippedFraction!))];
}
const CLIP_HEAD = ["grad norm", "clipped %"];

const accOf = (a: Accuracies): string[] => ACC_KEYS.map((k) => pct(a[k]));

/** The baseline rows of a table: name in the first cell, `lead - 1` empty cells, the accuracies, `trail` empty cells. */
function baselineRows(baselines: readonly Baseline[], lead: number, trail: number): string[][] {
  return baselines.map((b) => [`*baseline: ${b.name}*`, ...new Array<string>(lead - 1).fill(""), ...accOf(b.acc), ...new Array<string>(trail).fill("")]);
}

/** Whether a reFT run's rate is below the rate of the run it reverses (appendix F). */
const reftBelowSource = (g: CellGroup): boolean => g.run.learningRate < g.run.source!.learningRate;

export interface TableContext {
  readonly title: string;
  readonly oPt: string | number;
  readonly oFt: string | number;
  /** The sweep's seeds, for the heading. */
  readonly seeds?: readonly number[];
  /** Trivial functions scored on the same test sets, shown as rows of every accuracy table. */
  readonly baselines?: readonly Baseline[];
}

export function sweepMarkdown(results: readonly RunResult[], ctx: TableContext): string {
  const base = ctx.baselines ?? [];
  const seeds = ctx.seeds ?? [...new Set(results.map((r) => r.run.seed))];
  const out: string[] = [
    `# ${ctx.title}`,
    "",
    `O_PT = ${ctx.oPt}, O_FT = ${ctx.oFt}. Accuracies in percent on held-out test sets without (C_Te = 0) and with (C_Te = 1) the spurious correlation, ` +
      `${seeds.length === 1 ? `one seed (${seeds[0]})` : `mean ± sd over ${seeds.length} seeds (${seeds.join(", ")})`}; "to X%" is the first record from which the target accuracy stays at or above X to the end (a crossing that falls back does not count; sweep.csv has both), the median over the seeds that held X, with how many did. ` +
      "Baseline rows score trivial functions on the same test sets. grad norm: the global gradient norm before clipping, mean over steps and seeds (the largest step in brackets); clipped %: the share of steps the clip shortened.",
  ];
  const ft = byCell(results.filter((r) => r.run.protocol === "FT"));
  const mixing = ft.some((g) => g.run.ptMix !== 0);
  if (ft.length > 0) {
    out.push("", `## Fine-tuning (FT), as the paper's table 3${mixing ? ", with pretraining data mixed into the FT batches (appendix G.1)" : ""}`, "");
    if (mixing) out.push("PT mix: the share of each FT batch that is pretraining data (natural samples, O_PT labels).", "");
    const lead = (g: CellGroup) => [formatNumber(g.run.learningRate), String(g.run.cTrain), ...(mixing ? [String(g.run.ptMix)] : [])];
    out.push(
      markdownTable(
        ["LR", "C_Tr", ...(mixing ? ["PT mix"] : []), ...ACC_HEAD, "step 0: C_Te=0 Acc O_PT", "to 90% O_FT", ...CLIP_HEAD, "note"],
        [...ft.map((g) => [...lead(g), ...accCells(g).slice(0, 4), formatPercentSpread(summaries(g).map((s) => s.initial.acc.ptC0)), reached(g, 90), ...clipCells(g), noteOf(g)]), ...baselineRows(base, mixing ? 3 : 2, 5)],
      ),
    );
  }
  const reftRow = (g: CellGroup, lead: string[]): string[] => [...lead, ...accCells(g).slice(0, 4), reached(g, 90), reached(g, 100), ...clipCells(g), noteOf(g)];
  const reft = byCell(results.filter((r) => r.run.protocol === "reFT" && r.run.source?.protocol === "FT"));
  const sourceCTr = (g: CellGroup) => `${g.run.source!.cTrain}${g.run.source!.ptMix !== 0 ? ` (PT mix ${g.run.source!.ptMix})` : ""}`;
  const reftTable = (rows: readonly CellGroup[]) =>
    markdownTable(
      ["reFT LR", "FT LR", "FT C_Tr", ...ACC_HEAD, "to 90% O_PT", "to 100% O_PT", ...CLIP_HEAD, "note"],
      [...rows.map((g) => reftRow(g, [formatNumber(g.run.learningRate), formatNumber(g.run.source!.learningRate), sourceCTr(g)])), ...baselineRows(base, 3, 5)],
    );
  // Appendix F: reFT uses fine-tuning's hyperparameters with a smaller learning rate. Table 4 also has
  // rows at and above the FT rate; they are kept apart so that no revival claim rests on them.
  const below = reft.filter(reftBelowSource);
  const notBelow = reft.filter((g) => !reftBelowSource(g));
  if (below.length > 0) {
    out.push("", "## Reverse fine-tuning (reFT) of the FT models below the FT learning rate (appendix F's protocol), as the paper's table 4", "");
    out.push(reftTable(below));
  }
  if (notBelow.length > 0) {
    out.push("", "## reFT at or above the FT learning rate (table 4 has such rows; appendix F's protocol does not)", "");
    out.push(reftTable(notBelow));
  }
  const rand = byCell(results.filter((r) => r.run.protocol === "randFT"));
  const randReft = byCell(results.filter((r) => r.run.protocol === "reFT" && r.run.source?.protocol === "randFT"));
  if (rand.length > 0) {
    out.push("", "## randFT (appendix G.4): fine-tuned to answer wrongly, then reverse fine-tuned", "");
    out.push(markdownTable(["LR", ...ACC_HEAD, ...CLIP_HEAD, "note"], [...rand.map((g) => [formatNumber(g.run.learningRate), ...accCells(g).slice(0, 4), ...clipCells(g), noteOf(g)]), ...baselineRows(base, 1, 3)]));
    if (randReft.length > 0) {
      out.push("");
      out.push(markdownTable(["reFT LR", "randFT LR", ...ACC_HEAD, "to 90% O_PT", "to 100% O_PT", ...CLIP_HEAD, "note"], [...randReft.map((g) => reftRow(g, [formatNumber(g.run.learningRate), formatNumber(g.run.source!.learningRate)])), ...baselineRows(base, 2, 5)]));
    }
  }
  const scr = byCell(results.filter((r) => r.run.protocol === "ScrFT"));
  const revived = [...reft, ...randReft];
  if (scr.length > 0 || revived.length > 0) {
    out.push("", "## Revival: iterations until Acc O_PT (C_Te = 0) reaches 90% / 100% and stays there (appendix G.3)", "");
    out.push("reFT columns: the median over the source runs' C_Tr values and seeds that held the level to the end, with how many did; † marks a reFT rate at or above the source's rate (not appendix F's protocol). Scr.+FT starts from the model compiled for O_FT.", "");
    const lrs = [...new Set([...revived, ...scr].map((g) => g.run.learningRate))].sort((a, b) => b - a);
    const sourceKey = (g: CellGroup) => `${g.run.source!.protocol} η=${formatNumber(g.run.source!.learningRate)}`;
    const sources = [...new Set(revived.map(sourceKey))];
    const groups: { title: string; cells: readonly CellGroup[] }[] = [...sources.map((k) => ({ title: `reFT of ${k}`, cells: revived.filter((g) => sourceKey(g) === k) })), ...(scr.length > 0 ? [{ title: "Scr.+FT", cells: scr }] : [])];
    const pooled = (cells: readonly CellGroup[], level: 90 | 100) => {
      const rs = cells.flatMap((g) => g.results);
      return formatReached(rs.map((r) => held(r, level)), rs.length);
    };
    out.push(
      markdownTable(
        ["LR", ...groups.flatMap((g) => [`${g.title}: to 90%`, "to 100%"])],
        lrs.map((lr) => [
          formatNumber(lr),
          ...groups.flatMap((g) => {
            const at = g.cells.filter((c) => c.run.learningRate === lr);
            const mark = at.some((c) => c.run.protocol === "reFT" && !reftBelowSource(c)) ? " †" : "";
            return at.length === 0 ? ["–", "–"] : [pooled(at, 90) + mark, pooled(at, 100) + mark];
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
    markdownTable(["run", "rows: the true answer for", "true class → answers"], rows),
  ];
}
