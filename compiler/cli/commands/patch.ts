// `raspc patch MODEL --clean JSON --corrupt JSON [--direction denoise|noise]`: activation patching
// within one model between two inputs;
// `raspc patch MODEL --from DONOR... [--input JSON | --sample N | --batch N]`: cross-model
// activation patching (CMAP, Chhabra et al. 2024): each donor's heads and MLPs run inside MODEL on
// the same inputs. Both patch one component at a time (a head's `--part` pattern, z or out; a
// layer's MLP output) and report the change of the logit difference at the answer position, as a
// table and a layer × (heads, MLP) heatmap. See runtime/instruments/patching.ts for the semantics.
//
// The logit difference (`--metric`): `ft-pt` (default when the task is known) is logit[O_FT
// answer] − logit[O_PT answer] of the input (the clean one when patching between inputs), so a
// positive effect moves the recipient towards answering like O_FT; `answers` is logit[the donor
// run's answer] − logit[the recipient run's answer], for models without a task.
import { UsageError } from "../../language/diagnostics.js";
import { formatAtom, type Atom } from "../../rasp/values.js";
import { checkSameGeometry, type HookedModel } from "../../../runtime/instruments/hookedModel.js";
import { componentName, componentsOf, donorAnswerShares, HEAD_PARTS, meanEffects, patchComponents, patchEverything, recoveredShares, logitDifference, type HeadPart, type PatchCase, type PatchResult } from "../../../runtime/instruments/patching.js";
import { findTask, requireTask, type FoundTask } from "../../../runtime/instruments/task.js";
import { MODEL_ANSWER_POSITION, TaskEncoder } from "../../../runtime/train/taskBatches.js";
import { readOut, type Sample } from "../../../runtime/tasks/data.js";
import { parseInput } from "../inputs.js";
import { drawSamples, fixed, loadModels, oneInput, textTable } from "./instrumentArgs.js";
import { parsePositiveInt } from "./modelArgs.js";
import { checkFigureOutput, emitFigures, type FigureOutputOptions } from "./figureOutput.js";
import { figureId } from "../../../runtime/instruments/attentionFigures.js";
import { patchFigure, type EffectPanel } from "../../../runtime/instruments/patchingFigures.js";

export interface PatchOptions extends FigureOutputOptions {
  readonly clean?: string;
  readonly corrupt?: string;
  readonly direction?: string;
  readonly from?: readonly string[];
  readonly input?: string;
  readonly sample?: string;
  readonly batch?: string;
  readonly seed?: string;
  readonly correlated?: string;
  readonly task?: string;
  readonly part?: string;
  readonly metric?: string;
  readonly json?: boolean;
}

type Metric = "ft-pt" | "answers";

function parseParts(text: string | undefined): HeadPart[] {
  if (text === undefined) return ["pattern", "out"];
  const parts = text.split(",").map((s) => s.trim());
  const bad = parts.find((p) => !(HEAD_PARTS as readonly string[]).includes(p));
  if (bad !== undefined) throw new UsageError(`--part: unknown part ${JSON.stringify(bad)}; the parts of a head are ${HEAD_PARTS.join(", ")} (comma-separated for several)`);
  return [...new Set(parts)] as HeadPart[];
}

function parseMetric(text: string | undefined, task: FoundTask | null): Metric {
  if (text === undefined) return task ? "ft-pt" : "answers";
  if (text !== "ft-pt" && text !== "answers") throw new UsageError(`--metric must be ft-pt (logit of the O_FT answer minus the O_PT answer) or answers (the donor run's answer minus the recipient run's), got ${JSON.stringify(text)}`);
  if (text === "ft-pt" && !task) throw new UsageError("--metric ft-pt needs the model's task, and no run config.json or sweep experiment.json beside the model names one; give --task counter or --task max_identifier, or use --metric answers");
  return text;
}

/** The unembedding column of a label, refused in one line when the model has no such output. */
function columnOf(m: HookedModel, label: string | number): number {
  try {
    return new TaskEncoder(m.model).column(label);
  } catch {
    throw new UsageError(`${m.label} has no output ${JSON.stringify(label)}; its outputs are ${m.model.output.values.map((v) => formatAtom(v)).join(", ")}`);
  }
}

interface Answers {
  readonly plus: number[];
  readonly minus: number[];
}

/** ft-pt columns of inputs (labels read out by the task), in the recipient's unembedding. */
function ftPtColumns(m: HookedModel, task: FoundTask, inputs: readonly (readonly Atom[])[]): Answers {
  const label = (tokens: readonly Atom[], o: string | number) => readOut(task.spec, tokens.map(String), o);
  return { plus: inputs.map((t) => columnOf(m, label(t, task.spec.oFt))), minus: inputs.map((t) => columnOf(m, label(t, task.spec.oPt))) };
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, v) => s + v, 0) / xs.length;

interface PartResult {
  readonly part: HeadPart;
  readonly result: PatchResult;
}

/** Each part's patches; MLP rows are the same for every part, so they are computed once. */
async function patchParts(c: PatchCase, parts: readonly HeadPart[]): Promise<PartResult[]> {
  const all = componentsOf(c.recipient);
  const heads = all.filter((x) => x.kind === "head");
  const mlps = all.filter((x) => x.kind === "mlp");
  const mlpResult = await patchComponents(c, parts[0]!, mlps);
  const out: PartResult[] = [];
  for (const part of parts) {
    const headResult = await patchComponents(c, part, heads);
    // Back in the recipient's component order: each layer's heads, then its MLP.
    const order = all.map((x) => (x.kind === "head" ? { from: headResult, i: heads.indexOf(x) } : { from: mlpResult, i: mlps.indexOf(x) }));
    out.push({
      part,
      result: {
        ...headResult,
        components: all,
        patched: order.map((o) => o.from.patched[o.i]!),
        patchedAnswer: order.map((o) => o.from.patchedAnswer[o.i]!),
      },
    });
  }
  return out;
}

function resultRows(results: readonly PartResult[]): string[][] {
  const rows: string[][] = [];
  const first = results[0]!.result;
  first.components.forEach((comp, i) => {
    const partsHere = comp.kind === "mlp" ? [results[0]!] : results;
    for (const { part, result } of partsHere) {
      rows.push([componentName(comp), comp.kind === "mlp" ? "output" : part, fixed(meanEffects(result)[i]!), fixed(recoveredShares(result)[i]!), fixed(donorAnswerShares(result)[i]!, 2)]);
    }
  });
  return rows;
}

const HEADER = ["component", "part", "mean ΔLD", "share of gap", "donor's answer"];

function legend(metric: Metric, across: boolean): string {
  const answers = across ? "LD = logit[donor run's answer] − logit[recipient run's answer]" : "LD = logit[the clean run's answer] − logit[the corrupted run's answer]";
  const ld = metric === "ft-pt" ? `LD = logit[O_FT answer] − logit[O_PT answer]${across ? "" : " of the clean input"}` : answers;
  return `${ld} at the answer position; ΔLD = patched − unpatched recipient; share of gap = mean ΔLD / mean(LD donor − LD recipient); donor's answer = share of inputs whose patched answer is the donor run's`;
}

/** One heatmap panel per head part (the MLP column is the same in each). */
function panelsOf(prefix: string, results: readonly PartResult[]): EffectPanel[] {
  return results.map(({ part, result }) => ({ name: `${prefix}${part}`, components: result.components, effects: meanEffects(result) }));
}

/** The component with the largest |mean ΔLD| of each panel, for captions. */
function largest(results: readonly PartResult[]): string {
  return results
    .map(({ part, result }) => {
      const e = meanEffects(result);
      let best = 0;
      e.forEach((v, i) => (Math.abs(v) > Math.abs(e[best]!) ? (best = i) : 0));
      return `${part}: ${componentName(result.components[best]!)} ${fixed(e[best]!)}`;
    })
    .join(", ");
}

/** Writes the figure where -o/--save say and says so. */
async function writeFigure(figure: Parameters<typeof emitFigures>[0][number]["figure"], opts: PatchOptions): Promise<void> {
  const written = await emitFigures([{ figure }], opts);
  if (written.length > 0 && !opts.json) process.stdout.write(`\nwrote ${written.join(", ")}\n`);
}

async function withinModel(modelPath: string, opts: PatchOptions, task: FoundTask | null, parts: readonly HeadPart[], metric: Metric): Promise<number> {
  if (opts.clean === undefined || opts.corrupt === undefined) throw new UsageError("patching within one model needs both --clean JSON and --corrupt JSON");
  if (opts.input !== undefined || opts.sample !== undefined || opts.batch !== undefined) throw new UsageError("--input, --sample and --batch pick the inputs of cross-model patching (--from); within one model give --clean and --corrupt");
  const direction = opts.direction ?? "denoise";
  if (direction !== "denoise" && direction !== "noise") throw new UsageError(`--direction must be denoise (clean activations into the corrupted run) or noise (corrupted into the clean run), got ${JSON.stringify(direction)}`);
  const [m] = loadModels([modelPath]) as [HookedModel];
  const clean = parseInput(opts.clean, "--clean");
  const corrupt = parseInput(opts.corrupt, "--corrupt");
  if (clean.length !== corrupt.length) throw new UsageError(`--clean has ${clean.length} tokens and --corrupt ${corrupt.length}; patching exchanges activations position by position, so they need one length`);
  const cleanIds = m.encode(clean, "--clean");
  const corruptIds = m.encode(corrupt, "--corrupt");
  const position = MODEL_ANSWER_POSITION;
  if (cleanIds.length <= position) throw new UsageError(`the inputs need at least ${position} tokens: the answer is read at model position ${position}`);
  let answers: Answers;
  if (metric === "ft-pt") {
    answers = ftPtColumns(m, task!, [clean]);
    if (answers.plus[0] === answers.minus[0]) throw new UsageError(`the clean input's O_PT and O_FT answers are the same, so their logit difference is 0 whatever is patched; pick a clean input where they differ, or --metric answers`);
  } else {
    const probe = await patchComponents({ recipient: m, recipientIds: [cleanIds], donor: m, donorIds: [corruptIds], position, plus: [0], minus: [0] }, "out", []);
    answers = { plus: [probe.recipientAnswer[0]!], minus: [probe.donorAnswer[0]!] };
    if (answers.plus[0] === answers.minus[0]) throw new UsageError("the model answers the clean and the corrupted input alike, so --metric answers has nothing to measure; pick inputs it answers differently");
  }
  const [recipientIds, donorIds] = direction === "denoise" ? [corruptIds, cleanIds] : [cleanIds, corruptIds];
  const c: PatchCase = { recipient: m, recipientIds: [recipientIds], donor: m, donorIds: [donorIds], position, ...answers };
  const results = await patchParts(c, parts);
  const r0 = results[0]!.result;
  const what = direction === "denoise" ? "clean → corrupted" : "corrupted → clean";
  const figure = patchFigure(`Patching ${m.label} between inputs (${what}): mean ΔLD per component`, panelsOf("", results), {
    id: figureId("patch", m.label, direction, clean.map(String).join(""), corrupt.map(String).join("")),
    caption: `${legend(metric, false)}. Unpatched LD: recipient ${fixed(r0.recipient[0]!)}, donor ${fixed(r0.donor[0]!)}. Largest effect per part: ${largest(results)}.`,
    table: { header: ["component", "part", "ΔLD"], rows: resultRows(results).map(([c, p, e]) => [c!, p!, Number(e)]) },
  });
  if (opts.json) {
    await writeFigure(figure, opts);
    process.stdout.write(JSON.stringify({ mode: "inputs", model: m.label, direction, metric, clean, corrupt, ldRecipient: r0.recipient[0], ldDonor: r0.donor[0], components: r0.components.map(componentName), parts: results.map(({ part, result }) => ({ part, patched: result.patched.map((p) => p[0]) })) }) + "\n");
    return 0;
  }
  const name = (ids: readonly number[]) => JSON.stringify(ids.slice(1).map((id) => m.tokenName(id)));
  const out = [
    `${m.label}: ${direction === "denoise" ? "clean activations patched into the corrupted run" : "corrupted activations patched into the clean run"}, one component at a time, every position`,
    `  clean ${name(cleanIds)}, corrupted ${name(corruptIds)}`,
    `  ${legend(metric, false)}`,
    `  LD unpatched: ${direction === "denoise" ? "corrupted" : "clean"} run (recipient) ${fixed(r0.recipient[0]!)}, ${direction === "denoise" ? "clean" : "corrupted"} run (donor) ${fixed(r0.donor[0]!)}`,
    "",
    textTable(HEADER, resultRows(results), [0, 1]),
  ];
  process.stdout.write(out.join("\n") + "\n");
  await writeFigure(figure, opts);
  return 0;
}

/** The inputs of cross-model patching: one (--input, --sample) or a batch of the task (--batch, default 200). */
function cmapInputs(opts: PatchOptions, task: FoundTask | null): { inputs: Atom[][]; samples: Sample[] | null; where: string } {
  const given = [opts.input, opts.sample, opts.batch].filter((x) => x !== undefined).length;
  if (given > 1) throw new UsageError("give one of --input JSON, --sample N or --batch N");
  if (opts.input !== undefined || opts.sample !== undefined) {
    const one = oneInput(opts, task);
    return { inputs: [one.tokens], samples: one.sample ? [one.sample] : null, where: one.where };
  }
  const found = requireTask(task, "cross-model patching without --input");
  const n = opts.batch !== undefined ? parsePositiveInt(opts.batch, "--batch") : 200;
  if (n > 100_000) throw new UsageError(`--batch must be at most 100000, got ${n}`);
  const samples = drawSamples(found, n, opts);
  return { inputs: samples.map((s) => s.tokens), samples, where: `${n} samples of ${found.spec.task} (seed ${opts.seed ?? "0"}, C = ${opts.correlated ?? "0"}; task from ${found.from})` };
}

async function crossModel(modelPath: string, opts: PatchOptions, task: FoundTask | null, parts: readonly HeadPart[], metric: Metric): Promise<number> {
  if (opts.clean !== undefined || opts.corrupt !== undefined || opts.direction !== undefined) throw new UsageError("--clean, --corrupt and --direction patch between inputs of one model; with --from the models share their inputs");
  const [recipient, ...donors] = loadModels([modelPath, ...opts.from!]) as [HookedModel, ...HookedModel[]];
  for (const d of donors) checkSameGeometry(recipient, d, `patching ${d.label} into ${recipient.label}`);
  const { inputs, where } = cmapInputs(opts, task);
  const ids = inputs.map((t, i) => recipient.encode(t, inputs.length === 1 ? "the input" : `sample ${i}`));
  if (ids[0]!.length <= MODEL_ANSWER_POSITION) throw new UsageError(`the inputs need at least ${MODEL_ANSWER_POSITION} tokens: the answer is read at model position ${MODEL_ANSWER_POSITION}`);
  for (const d of donors) {
    const theirs = inputs.map((t, i) => d.encode(t, inputs.length === 1 ? "the input" : `sample ${i}`));
    if (theirs.some((row, b) => row.some((id, p) => id !== ids[b]![p]))) throw new UsageError(`${d.label} and ${recipient.label} read the inputs as different token ids (their vocabularies differ); patching needs one tokenization`);
  }
  const position = MODEL_ANSWER_POSITION;
  const reports: string[] = [];
  const json: unknown[] = [];
  const panels: EffectPanel[] = [];
  const captions: string[] = [];
  for (const donor of donors) {
    let kept = ids.map((_, i) => i);
    let answers: Answers;
    if (metric === "ft-pt") {
      const all = ftPtColumns(recipient, task!, inputs);
      kept = kept.filter((i) => all.plus[i] !== all.minus[i]);
      answers = { plus: kept.map((i) => all.plus[i]!), minus: kept.map((i) => all.minus[i]!) };
    } else {
      const probe = await patchComponents({ recipient, recipientIds: ids, donor, donorIds: ids, position, plus: ids.map(() => 0), minus: ids.map(() => 0) }, "out", []);
      kept = kept.filter((i) => probe.donorAnswer[i] !== probe.recipientAnswer[i]);
      answers = { plus: kept.map((i) => probe.donorAnswer[i]!), minus: kept.map((i) => probe.recipientAnswer[i]!) };
    }
    const dropped = ids.length - kept.length;
    const why = metric === "ft-pt" ? "their O_PT and O_FT answers are equal" : "both models answer them alike";
    if (kept.length === 0) {
      reports.push(`${donor.label} into ${recipient.label}: nothing to measure on ${where}: ${why} on every input`);
      continue;
    }
    const keptIds = kept.map((i) => ids[i]!);
    const c: PatchCase = { recipient, recipientIds: keptIds, donor, donorIds: keptIds, position, ...answers };
    const results = await patchParts(c, parts);
    const everything = await patchEverything(c);
    const ldAll = logitDifference(everything.logits, position, answers.plus, answers.minus);
    const r0 = results[0]!.result;
    const sameUnembed = recipient.params.get("unembed")!.every((v, i) => v === donor.params.get("unembed")![i]);
    json.push({ donor: donor.label, recipient: recipient.label, inputs: kept.length, dropped, ldRecipient: mean(r0.recipient), ldDonor: mean(r0.donor), ldEverything: mean(ldAll), components: r0.components.map(componentName), parts: results.map(({ part, result }) => ({ part, meanEffect: Array.from(meanEffects(result)), share: Array.from(recoveredShares(result)), donorAnswer: Array.from(donorAnswerShares(result)) })) });
    panels.push(...panelsOf(`${donor.label} → ${recipient.label} · `, results));
    captions.push(`${donor.label}: mean LD ${fixed(mean(r0.recipient))} → ${fixed(mean(r0.donor))} (donor), largest ${largest(results)}`);
    reports.push(
      [
        `${donor.label} run inside ${recipient.label} (CMAP), one component at a time, every position: ${kept.length} input(s) of ${where}${dropped > 0 ? `; ${dropped} left out because ${why}` : ""}`,
        `  ${legend(metric, true)}`,
        `  mean LD: ${recipient.label} ${fixed(mean(r0.recipient))}, ${donor.label} ${fixed(mean(r0.donor))}; with the donor's embeddings and every attention and MLP output: ${fixed(mean(ldAll))}${sameUnembed ? "" : " (read through the recipient's own unembedding, which differs)"}`,
        `  unpatched, ${recipient.label} already gives ${donor.label}'s answer on ${r0.recipientAnswer.filter((a, b) => a === r0.donorAnswer[b]).length} of ${kept.length} input(s)`,
        "",
        textTable(HEADER, resultRows(results), [0, 1]),
      ].join("\n"),
    );
  }
  process.stdout.write((opts.json ? json.map((j) => JSON.stringify(j)).join("\n") : reports.join("\n\n")) + "\n");
  if (panels.length > 0) {
    const figure = patchFigure(`CMAP: donors' components run inside ${recipient.label}, mean ΔLD`, panels, {
      id: figureId("cmap", recipient.label, ...donors.map((d) => d.label)),
      caption: `${legend(metric, true)}; on ${where}. ${captions.join("; ")}.`,
    });
    await writeFigure(figure, opts);
  }
  return 0;
}

export async function patch(modelPath: string, opts: PatchOptions): Promise<number> {
  const across = opts.from !== undefined && opts.from.length > 0;
  if (!across && opts.clean === undefined && opts.corrupt === undefined) throw new UsageError("give --clean JSON and --corrupt JSON (patching between two inputs of one model) or --from DONOR (cross-model patching)");
  checkFigureOutput(opts);
  const task = findTask([modelPath, ...(opts.from ?? [])], opts.task);
  const parts = parseParts(opts.part);
  const metric = parseMetric(opts.metric, task);
  return across ? crossModel(modelPath, opts, task, parts, metric) : withinModel(modelPath, opts, task, parts, metric);
}
