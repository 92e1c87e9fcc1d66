// `raspc attn MODEL... (--input JSON | --sample N [--seed S] [--correlated C]) [--task T]
//   [--layer L,..] [--head H,..] [--queries A:B] [--keys A:B] [--top K] [--mlp [--units A:B]]
//   [--json] [-o FIG.svg|.png|.json] [--save RUN_DIR]`
// Attention maps of several compiled models (compiled, FT, reFT: Jain et al. 2023 figs. 9, 40-45,
// 49) on one input, side by side; with --mlp, their MLP activations (hidden units × positions,
// figs. 46-48). Prints where each head's attention mass goes (top keys and mass by key token per
// query row; at the answer position, the mass on the O_PT and O_FT operands' positions when the
// task is known), and draws the maps cropped to a query and key window.
import { UsageError } from "../../language/diagnostics.js";
import { formatAtom } from "../../rasp/values.js";
import { attentionMaps, massByToken, massOn, parseWindow, topKeys, type AttentionMaps, type HeadPattern, type PositionWindow } from "../../../runtime/instruments/attention.js";
import { findTask, type FoundTask } from "../../../runtime/instruments/task.js";
import { MODEL_ANSWER_POSITION } from "../../../runtime/train/taskBatches.js";
import { readOut } from "../../../runtime/tasks/data.js";
import { fixed, loadModels, oneInput, parseIndexList, textTable } from "./instrumentArgs.js";
import { attentionFigure, figureId, mlpFigure, type FigureText } from "../../../runtime/instruments/attentionFigures.js";
import { checkFigureOutput, emitFigures, type FigureOutputOptions } from "./figureOutput.js";
import { parsePositiveInt } from "./modelArgs.js";

export interface AttnOptions extends FigureOutputOptions {
  readonly input?: string;
  readonly sample?: string;
  readonly seed?: string;
  readonly correlated?: string;
  readonly task?: string;
  readonly layer?: string;
  readonly head?: string;
  readonly queries?: string;
  readonly keys?: string;
  readonly top?: string;
  readonly mlp?: boolean;
  readonly units?: string;
  readonly json?: boolean;
}

/** The tokens whose positions the O_PT and O_FT readouts concern: Counter's operands, Max-identifier's answers. */
function operandTokens(task: FoundTask, tokens: readonly string[]): { pt: string; ft: string } {
  const { spec } = task;
  if (spec.task === "counter") return { pt: String(spec.oPt), ft: String(spec.oFt) };
  return { pt: String(readOut(spec, tokens, spec.oPt)), ft: String(readOut(spec, tokens, spec.oFt)) };
}

const headName = (h: HeadPattern) => `L${h.head.layer}H${h.head.head} ${h.head.label}`;

function whereItGoes(maps: AttentionMaps, queries: PositionWindow, top: number, answer: number | null): string {
  const out: string[] = [];
  const keyText = (row: readonly number[]) => topKeys(row, maps.positions, top).map((k) => `${k.token}@${k.position} ${fixed(k.weight, 2)}`).join("  ");
  const massText = (row: readonly number[]) => massByToken(row, maps.positions).filter(([, m]) => m >= 0.005).slice(0, 4).map(([t, m]) => `${t} ${fixed(m, 2)}`).join("  ");
  const byHead = new Map<string, HeadPattern[]>();
  for (const h of maps.heads) byHead.set(headName(h), [...(byHead.get(headName(h)) ?? []), h]);
  for (const [name, heads] of byHead) {
    const rows: string[][] = [];
    for (let q = queries.start; q < queries.end; q++) {
      for (const h of heads) rows.push([h.model, `${q}${q === answer ? "*" : ""} ${maps.positions[q]}`, keyText(h.pattern[q]!), massText(h.pattern[q]!)]);
    }
    out.push(`${name}: each query row's top ${top} keys (token@position weight) and its mass by key token${answer !== null ? "; * the answer position" : ""}`);
    out.push(textTable(["model", "query", "top keys", "mass by key token"], rows, [0, 2, 3]));
  }
  return out.join("\n\n");
}

interface OperandMass {
  readonly pt: string;
  readonly ft: string;
  /** model, head, on O_PT, on O_FT, on BOS, elsewhere */
  readonly rows: readonly (readonly [string, string, number, number, number, number])[];
  readonly text: string;
}

/** Where each head's attention goes at the answer query: the O_PT and O_FT tokens' positions, BOS, the rest. */
function operandMass(maps: AttentionMaps, task: FoundTask, tokens: readonly string[]): OperandMass {
  const { pt, ft } = operandTokens(task, tokens);
  const q = MODEL_ANSWER_POSITION;
  const count = (t: string) => maps.positions.filter((p) => p === t).length;
  const bos = maps.positions[0]!;
  const rows = maps.heads.map((h) => {
    const row = h.pattern[q]!;
    const onPt = massOn(row, maps.positions, pt);
    const onFt = pt === ft ? 0 : massOn(row, maps.positions, ft);
    const onBos = massOn(row, maps.positions, bos);
    return [h.model, headName(h), onPt, onFt, onBos, 1 - onPt - onFt - onBos] as const;
  });
  const what = task.spec.task === "counter" ? "operand" : "answer token";
  const text = [
    `at the answer position (query ${q}, token ${maps.positions[q]}): attention on the positions of the O_PT ${what} ${JSON.stringify(pt)} (${count(pt)} of them) and the O_FT ${what} ${JSON.stringify(ft)} (${count(ft)})`,
    textTable(["model", "head", `on ${pt} (O_PT)`, `on ${ft} (O_FT)`, `on ${bos}`, "elsewhere"], rows.map(([m, h, ...v]) => [m, h, ...v.map((x) => fixed(x))]), [0, 1]),
  ].join("\n");
  return { pt, ft, rows, text };
}

function mlpText(maps: AttentionMaps, units: PositionWindow | null, positions: PositionWindow): string {
  const out: string[] = [];
  for (const m of maps.mlps) {
    const hidden = m.values.length;
    const u = units ? { start: Math.min(units.start, hidden), end: Math.min(units.end, hidden) } : { start: 0, end: hidden };
    const partOf = (unit: number) => m.parts.find((p) => unit >= p.start && unit < p.end)?.label ?? "";
    const rows: string[][] = [];
    for (let unit = u.start; unit < u.end; unit++) rows.push([`${unit} ${partOf(unit)}`, ...m.values[unit]!.slice(positions.start, positions.end).map((v) => fixed(v, 2))]);
    const active = m.values.filter((row) => row.some((v) => v > 0)).length;
    out.push(`${m.model} layer ${m.layer} MLP: hidden units ${u.start}..${u.end - 1} of ${hidden} (after the ReLU; ${active} active somewhere) × positions ${positions.start}..${positions.end - 1}`);
    out.push(textTable(["unit", ...maps.positions.slice(positions.start, positions.end).map((t, i) => `${positions.start + i}:${t}`)], rows));
  }
  return out.join("\n\n");
}

export async function attn(modelPaths: readonly string[], opts: AttnOptions): Promise<number> {
  if (modelPaths.length === 0) throw new UsageError("give at least one model (a model file, or a fine-tuning run's folder)");
  if (opts.units !== undefined && !opts.mlp) throw new UsageError("--units selects MLP hidden units; add --mlp");
  checkFigureOutput(opts);
  const task = findTask(modelPaths, opts.task);
  const input = oneInput(opts, task);
  const T = input.tokens.length + 1;
  const queries = opts.queries !== undefined ? parseWindow(opts.queries, T, "--queries") : { start: 0, end: T };
  const keys = opts.keys !== undefined ? parseWindow(opts.keys, T, "--keys") : { start: 0, end: T };
  const models = loadModels(modelPaths);
  const filter = {
    ...(opts.layer !== undefined ? { layers: parseIndexList(opts.layer, "--layer") } : {}),
    ...(opts.head !== undefined ? { heads: parseIndexList(opts.head, "--head") } : {}),
  };
  const top = opts.top !== undefined ? parsePositiveInt(opts.top, "--top") : 3;
  const maps = await attentionMaps(models, input.tokens, filter, opts.mlp === true);
  const widest = Math.max(0, ...maps.mlps.map((m) => m.values.length));
  if (opts.mlp && maps.mlps.length === 0) throw new UsageError(`no MLP with hidden units in ${opts.layer !== undefined ? `layer(s) ${opts.layer} of ` : ""}these models`);
  const units = opts.units !== undefined ? parseWindow(opts.units, widest, "--units", "hidden units") : null;
  const tokens = input.tokens.map((t) => formatAtom(t));
  const answer = task && T > MODEL_ANSWER_POSITION ? MODEL_ANSWER_POSITION : null;
  const mass = !opts.mlp && task && answer !== null ? operandMass(maps, task, tokens) : null;
  const labels = models.map((m) => m.label);
  const figure = opts.mlp ? mlpFigure(maps, units, keys, mlpFigureText(maps, labels)) : attentionFigure(maps, queries, keys, labels, attentionText(maps, labels, mass));

  if (opts.json) {
    const summary = maps.heads.map((h) => ({ model: h.model, layer: h.head.layer, head: h.head.head, label: h.head.label, rows: h.pattern.map((row, q) => ({ query: q, top: topKeys(row, maps.positions, top), massByToken: Object.fromEntries(massByToken(row, maps.positions)) })) }));
    const json = opts.mlp ? { input: input.tokens, positions: maps.positions, mlps: maps.mlps } : { input: input.tokens, positions: maps.positions, heads: maps.heads.map((h) => ({ model: h.model, ...h.head, pattern: h.pattern })), summary };
    await emitFigures([{ figure }], opts);
    process.stdout.write(JSON.stringify(json) + "\n");
    return 0;
  }
  const header = [`input (${input.where}): ${JSON.stringify(tokens)}`, `positions: ${maps.positions.map((p, i) => `${i} ${p}`).join(", ")} (BOS is 0)`];
  if (input.sample) header.push(`answers: O_PT ${JSON.stringify(input.sample.labelPt)}, O_FT ${JSON.stringify(input.sample.labelFt)}${input.sample.correlated ? " (the spurious correlation holds)" : ""}`);
  const body = opts.mlp ? mlpText(maps, units, keys) : [whereItGoes(maps, queries, top, answer), ...(mass ? [mass.text] : [])].join("\n\n");
  process.stdout.write([...header, "", body].join("\n") + "\n");
  const written = await emitFigures([{ figure }], opts);
  if (written.length > 0) process.stdout.write(`\nwrote ${written.join(", ")}\n`);
  return 0;
}

/** The attention figure's id, caption and table: the mass on the operands at the answer, when known. */
function attentionText(maps: AttentionMaps, labels: readonly string[], mass: OperandMass | null): FigureText {
  const id = figureId("attn", ...labels, maps.positions.slice(1).join(""));
  if (!mass) return { id, caption: `Attention patterns of ${labels.join(", ")}: rows are queries, columns keys, both labelled with the tokens (BOS first).` };
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const perModel = mass.rows.map(([m, h, pt, ft]) => `${m} ${h}: ${pct(pt)} on ${mass.pt}, ${pct(ft)} on ${mass.ft}`).join("; ");
  return {
    id,
    caption: `Attention patterns of ${labels.join(", ")} (rows queries, columns keys). At the answer position (query ${MODEL_ANSWER_POSITION}) the mass on the O_PT token ${JSON.stringify(mass.pt)} and the O_FT token ${JSON.stringify(mass.ft)}: ${perModel}.`,
    table: { header: ["model", "head", `on ${mass.pt} (O_PT)`, `on ${mass.ft} (O_FT)`, "on BOS", "elsewhere"], rows: mass.rows.map(([m, h, ...v]) => [m, h, ...v.map((x) => Number(x.toFixed(4)))]) },
  };
}

function mlpFigureText(maps: AttentionMaps, labels: readonly string[]): FigureText {
  const active = maps.mlps.map((m) => `${m.model} layer ${m.layer}: ${m.values.filter((row) => row.some((v) => v > 0)).length} of ${m.values.length} units active`).join("; ");
  return { id: figureId("mlp", ...labels, maps.positions.slice(1).join("")), caption: `MLP hidden activations after the ReLU, units × positions. ${active}.` };
}
