// `raspc pcfg data TASKCONFIG [--out DIR] [--seed S]`: the paper's PCFG task samples from a task
// config (runtime/tasks/pcfg/config.ts): pretraining samples and fine-tuning sets with a planted
// correlation, summarised with label histograms side by side, majority baselines and TV distances.
// The whole config is checked first; with --out the sets are written only after all of them were
// made, each file atomically, so a failure leaves nothing half-written.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import { writeFileAtomic } from "../../common/atomicWrite.js";
import { probabilityShorterThan } from "../../pcfg/stats.js";
import { progressBar } from "../progress.js";
import { makeRng, type Rng } from "../../../runtime/random.js";
import { loadPcfgTaskConfig, type PcfgTaskConfig } from "../../../runtime/tasks/pcfg/config.js";
import { FAMILY_NAMES } from "../../../runtime/tasks/pcfg/families.js";
import { finetuneSet, type FinetuneSample, type FinetuneSpec } from "../../../runtime/tasks/pcfg/finetuning.js";
import { formatSideBySide, histogramOf, majorityBaseline } from "../../../runtime/tasks/pcfg/histogram.js";
import { TaskGenerator, type TaskSample } from "../../../runtime/tasks/pcfg/tasks.js";
import { parseNonNegativeInt } from "./modelArgs.js";

export interface DataOptions {
  readonly out?: string;
  readonly seed?: string;
}

interface MadeSet {
  readonly name: string;
  readonly file: string;
  readonly fraction: number | null;
  readonly samples: readonly (TaskSample | FinetuneSample)[];
}

function sampleJson(gen: TaskGenerator, s: TaskSample | FinetuneSample): string {
  const base = {
    tokens: gen.tokens(s),
    family: s.family,
    familyToken: s.familyToken,
    operand: gen.operandToken(s.operand),
    operand2: s.operand2,
    answer: gen.answerToken(s.answer),
  };
  const extra = "source" in s ? { source: s.source, labelPt: s.labelPt, labelFt: s.labelFt, correlated: s.correlated } : {};
  return JSON.stringify({ ...base, ...extra });
}

function checkOutDir(dir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch {
    // Made after the data, below.
  }
  if (stat && !stat.isDirectory()) throw new UsageError(`--out: ${dir} exists and is not a folder`);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function header(c: PcfgTaskConfig): string[] {
  const v = c.setup.vocabulary;
  const g = c.setup.grammar;
  const families = c.setup.families.reduce((a, f) => a + f.tokens.length, 0);
  const short = c.stats.lengthDistribution ? `${pct(probabilityShorterThan(c.stats.lengthDistribution, c.window))} of strings are shorter than the window` : "strings have unbounded length";
  const prior = g.terminals.map((t, i) => [t, c.setup.prior[i]!] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([t, p]) => `${t} ${p}`).join(", ");
  return [
    `task data from ${path.relative(process.cwd(), c.grammarFile) || c.grammarFile} (seed ${c.seed}): windows of ${c.window} tokens; short strings: ${c.shortStrings} (${short})`,
    `vocabulary: ${v.size} tokens (6 special, ${families} family, ${c.window + 1} numbers 0..${c.window}, ${g.terminals.length} terminals); sequences of ${c.window + 9} tokens`,
    `operand prior P_T: ${prior}${c.priorName ? ` (preset "${c.priorName}")` : ""}`,
  ];
}

function pretrainingSummary(gen: TaskGenerator, samples: readonly TaskSample[]): string[] {
  const rows = [["family", "tokens", "O'", "samples", "operands", "classes", "majority baseline"]];
  for (const f of gen.setup.families) {
    const mine = samples.filter((s) => s.family === f.family);
    const operands = histogramOf(mine.map((s) => gen.operandToken(s.operand)));
    const answers = histogramOf(mine.map((s) => gen.answerToken(s.answer)));
    const m = majorityBaseline(answers);
    rows.push([
      `${f.family} (${FAMILY_NAMES[f.family]})`,
      f.tokens.map((t) => t.token).join(" "),
      String(f.operand2),
      String(mine.length),
      [...operands].sort().map(([o, n]) => `${o} ${n}`).join(", "),
      String(answers.size),
      mine.length > 0 ? `${pct(m.accuracy)} (${m.label})` : "-",
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => "  " + r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
}

function finetuningSummary(c: PcfgTaskConfig, sets: readonly MadeSet[]): string[] {
  const ft = c.finetuning!;
  const what = ft.family === "C" ? `count(${ft.oFt}) in the last ${c.setup.families.find((f) => f.family === "C")!.operand2} tokens` : `index of the ${c.setup.families.find((f) => f.family === "I")!.operand2}th-last ${ft.oFt}`;
  const labels = ft.labels.kind === "natural" ? "natural (as the text gives them)" : `uniform over ${ft.labels.min}..${ft.labels.max} (ours)`;
  const out = [
    `fine-tuning: ${ft.family === "C" ? "Counter" : "Indexer"} (family token ${ft.familyToken}), O_PT = ${ft.oPt}, O_FT = ${ft.oFt}, correlation r(x; O_FT) - r(x; O_PT) = ${ft.q}`,
    `  labels ${labels}; ${ft.mixPretraining > 0 ? `${pct(ft.mixPretraining)} of each set are pretraining samples (G.1)` : "no pretraining samples mixed in"}`,
  ];
  for (const s of sets) {
    const ftSamples = s.samples.filter((x): x is FinetuneSample => "source" in x && x.source === "ft");
    const correlated = ftSamples.filter((x) => x.correlated).length;
    out.push(`  ${s.name}: ${s.samples.length} samples, correlation in ${correlated} of ${ftSamples.length} fine-tuning samples (${pct(correlated / Math.max(1, ftSamples.length))})`);
  }
  const columns = (which: "labelFt" | "labelPt") =>
    sets.map((s) => ({ name: s.name, histogram: histogramOf(s.samples.filter((x): x is FinetuneSample => "source" in x && x.source === "ft").map((x) => x[which]!)) }));
  out.push("", formatSideBySide(`label: ${what} (what fine-tuning asks for)`, columns("labelFt")));
  out.push("", formatSideBySide(`r(x; O_PT) = the same for ${ft.oPt} (what the pretrained capability reads)`, columns("labelPt")));
  return out;
}

export function pcfgData(configFile: string, opts: DataOptions, sources: Map<string, string>): number {
  const seed = opts.seed !== undefined ? parseNonNegativeInt(opts.seed, "--seed") : undefined;
  if (seed !== undefined && seed > 0xffffffff) throw new UsageError(`--seed must be at most 4294967295, got ${opts.seed}`);
  const c = loadPcfgTaskConfig(configFile, seed !== undefined ? { seed } : {}, sources);
  if (opts.out !== undefined) checkOutDir(opts.out);
  const gen = new TaskGenerator(c.setup);
  // Each set draws from its own stream, so adding a set does not change the others.
  const master = makeRng(c.seed);
  const streams: Rng[] = Array.from({ length: 64 }, () => makeRng(Math.floor(master.next() * 4294967296)));
  const ft = c.finetuning;
  const total = (c.pretraining?.count ?? 0) + (ft ? ft.cTrain.length * ft.count + ft.cTest.length * ft.testCount : 0);
  const bar = progressBar("sampling", total, 5000);
  let done = 0;
  const tick = () => bar.update(++done);
  const sets: MadeSet[] = [];
  let pretraining: TaskSample[] | null = null;
  try {
    if (c.pretraining) {
      const rng = streams[0]!;
      pretraining = Array.from({ length: c.pretraining.count }, () => {
        tick();
        return gen.pretrainingSample(rng);
      });
    }
    if (ft) {
      const spec: FinetuneSpec = {
        family: ft.family,
        familyToken: ft.familyToken,
        oPt: c.setup.grammar.terminals.indexOf(ft.oPt),
        oFt: c.setup.grammar.terminals.indexOf(ft.oFt),
        q: ft.q,
        operand2: c.setup.families.find((f) => f.family === ft.family)!.operand2,
        labels: ft.labels,
      };
      const make = (kind: "train" | "test", fraction: number, n: number, stream: Rng) => {
        const name = `${kind === "train" ? "C_Tr" : "C_Te"} = ${fraction}`;
        sets.push({ name, file: `ft-${kind}-c${fraction}.jsonl`, fraction, samples: finetuneSet(gen, spec, n, fraction, ft.mixPretraining, stream, tick) });
      };
      ft.cTrain.forEach((f, i) => make("train", f, ft.count, streams[1 + i]!));
      ft.cTest.forEach((f, i) => make("test", f, ft.testCount, streams[32 + i]!));
    }
  } catch (err) {
    bar.finish();
    if (err instanceof Error && err.message.startsWith("no ")) throw new UsageError(`${configFile}: finetuning: ${err.message}`);
    throw err;
  }
  bar.finish();
  const lines = header(c);
  if (pretraining) lines.push("", `pretraining: ${pretraining.length} samples, families uniform, operands from P_T`, ...pretrainingSummary(gen, pretraining));
  if (ft) lines.push("", ...finetuningSummary(c, sets));
  if (opts.out !== undefined) {
    fs.mkdirSync(opts.out, { recursive: true });
    const files: [string, string][] = [["vocab.json", JSON.stringify({ tokens: c.setup.vocabulary.tokens, window: c.window, sequenceLength: gen.sequenceLength }) + "\n"]];
    if (pretraining) files.push(["pretraining.jsonl", pretraining.map((s) => sampleJson(gen, s)).join("\n") + "\n"]);
    for (const s of sets) files.push([s.file, s.samples.map((x) => sampleJson(gen, x)).join("\n") + "\n"]);
    for (const [name, text] of files) writeFileAtomic(path.join(opts.out, name), text);
    lines.push("", `wrote ${files.map(([n]) => path.join(opts.out!, n)).join(", ")}`);
  }
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
