// Reading and overwriting a model's activations on onnxruntime-node: the base every instrument
// (attention maps, pruning, probes, s-op read-back, patching) stands on.
//
// A model is loaded once into a `HookedModel`: its model description (runtime/models/: the compiled
// transformer, or minGPT's gpt), its weights by parameter name, and what is needed to read it
// (token names; for a compiled model the model file itself, whose residual directions are named).
// `runHooked` builds the description's forward as a graph whose outputs are the logits plus the
// requested TransformerLens-named hooks, and whose extra inputs replace chosen hooks (activation
// patching); the graph runs on ORT's CPU provider and is cached per shape and hook set. Weights are
// inputs, never baked in, so a pruned or patched copy of a model runs through the same session.
//
// Shapes. Hooks the description keeps as rows of the residual stream ([batch·pos, width]) are
// returned as [batch, pos, width]; attention patterns as [batch, head, pos(q), pos(k)]. A compiled
// model's heads are those that write something (geometryOf drops heads of value width 0), in the
// model file's order; its hook_z is [batch, pos, Σ value widths], head h's columns at its offset.
// All sequences of one call have one length: the tasks the instruments study have fixed lengths,
// and the training graphs carry no padding mask.
import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { closestName } from "../../compiler/common/closestName.js";
import { readModel } from "../../compiler/model/modelFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { Graph, type Tensor } from "../autodiff/graph.js";
import { openSession, ortTensor, type Ort, type OrtSession } from "../autodiff/onnx.js";
import { compiledTransformer } from "../models/compiledTransformer.js";
import { paramInputs, type ModelDescription } from "../models/model.js";
import { geometryOf, paramsOf, sizeOf, type Geometry } from "../train/params.js";
import { makeTokenizer, tokenName } from "../forward/tokenize.js";
import { columns } from "../../compiler/export/matrices.js";
import type { Atom } from "../../compiler/rasp/values.js";

export interface HookTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

interface ModelBase {
  /** The file or folder it was loaded from. */
  readonly path: string;
  /** A short name for tables and plots (a run id, or the file's name). */
  readonly label: string;
  readonly description: ModelDescription;
  /** Weights by parameter name, in the description's layouts. */
  readonly params: ReadonlyMap<string, Float32Array>;
  /** What token id `id` stands for, for axis labels. */
  tokenName(id: number): string;
}

export interface CompiledHookedModel extends ModelBase {
  readonly kind: "compiled";
  /** The model file (fine-tuned weights included): residual names, vocabulary, plan. */
  readonly model: CompiledModel;
  readonly geometry: Geometry;
  /** [BOS, tokens...] ids. */
  encode(tokens: readonly Atom[], where: string): number[];
}

export type HookedModel = CompiledHookedModel;

/** A compiled model file (raspc compile's output, or a fine-tuned run's final-model.json). */
export function hookedCompiled(model: CompiledModel, file: string, label = defaultLabel(file)): CompiledHookedModel {
  const geometry = geometryOf(model);
  const description = compiledTransformer(geometry);
  const values = paramsOf(model);
  const params = new Map(description.params.map((s, i) => [s.name, values[i]!]));
  const tokenizer = makeTokenizer(model);
  return {
    kind: "compiled",
    path: file,
    label,
    description,
    params,
    model,
    geometry,
    tokenName: (id) => tokenName(model, id),
    encode: (tokens, where) => tokenizer.encode(tokens, where),
  };
}

/**
 * Loads a model for the instruments from a path: a model file, or a run folder holding
 * final-model.json (a fine-tuning run of `raspc experiment`).
 */
export function loadHookedModel(file: string, label?: string): HookedModel {
  let target = file;
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    target = path.join(file, "final-model.json");
    if (!fs.existsSync(target)) {
      throw new UsageError(`${file}: a folder without final-model.json; give a model file (raspc compile's output) or a finished fine-tuning run's folder`);
    }
  }
  return hookedCompiled(readModel(target), target, label ?? defaultLabel(file));
}

function defaultLabel(file: string): string {
  const base = path.basename(file);
  if (base === "final-model.json") return path.basename(path.dirname(file));
  return base.replace(/\.json$/, "");
}

/** A copy of a model with some weights replaced (pruning, hand edits); the rest shared. */
export function withParams(m: HookedModel, replaced: ReadonlyMap<string, Float32Array>, label = m.label): HookedModel {
  const params = new Map(m.params);
  for (const [name, t] of replaced) {
    const old = params.get(name);
    if (!old) throw new UsageError(`no parameter ${name}; the model has ${[...m.params.keys()].join(", ")}`);
    if (old.length !== t.length) throw new Error(`withParams: ${name} has ${old.length} entries, got ${t.length}`);
    params.set(name, t);
  }
  return { ...m, params, label };
}

/** A head that writes something (the heads the hooks hold), where its columns lie in its layer's stacks. */
export interface HeadInfo {
  readonly layer: number;
  /** Its index in the layer's hook_pattern (heads that write nothing are not counted). */
  readonly head: number;
  /** What it computes (the compiled head's label: the s-op it writes). */
  readonly label: string;
  /** Its columns in hook_z and rows in wo: [valueOffset, valueOffset + dValue). */
  readonly valueOffset: number;
  readonly dValue: number;
}

/** Every layer's heads, in the order of the hooks. */
export function headsOf(m: HookedModel): HeadInfo[][] {
  return m.model.layers.map((layer, l) => {
    const heads = layer.attention.filter((h) => columns(h.wv) > 0);
    let offset = 0;
    return heads.map((h, i) => {
      const info = { layer: l, head: i, label: h.label, valueOffset: offset, dValue: columns(h.wv) };
      offset += info.dValue;
      return info;
    });
  });
}

/**
 * Why two models cannot exchange activations or be subtracted weight by weight (one line naming
 * the first difference), or null when their geometries are one.
 */
export function geometryDifference(a: HookedModel, b: HookedModel): string | null {
  const ga = a.geometry;
  const gb = b.geometry;
  const differ = (what: string, x: number, y: number) => `${what} is ${x} in ${a.label} but ${y} in ${b.label}`;
  if (ga.dModel !== gb.dModel) return differ("d_model", ga.dModel, gb.dModel);
  if (ga.vocabRows !== gb.vocabRows) return differ("the number of token-embedding rows", ga.vocabRows, gb.vocabRows);
  if (ga.positions !== gb.positions) return differ("the number of positions", ga.positions, gb.positions);
  if (ga.outputs !== gb.outputs) return differ("the number of outputs (unembedding columns)", ga.outputs, gb.outputs);
  if (ga.layers.length !== gb.layers.length) return differ("the number of layers", ga.layers.length, gb.layers.length);
  for (let l = 0; l < ga.layers.length; l++) {
    const la = ga.layers[l]!;
    const lb = gb.layers[l]!;
    if (la.heads.length !== lb.heads.length) return differ(`layer ${l}'s number of heads`, la.heads.length, lb.heads.length);
    for (let h = 0; h < la.heads.length; h++) {
      if (la.heads[h]!.dHead !== lb.heads[h]!.dHead) return differ(`layer ${l} head ${h}'s query/key width`, la.heads[h]!.dHead, lb.heads[h]!.dHead);
      if (la.heads[h]!.dValue !== lb.heads[h]!.dValue) return differ(`layer ${l} head ${h}'s value width`, la.heads[h]!.dValue, lb.heads[h]!.dValue);
    }
    if (la.mlp !== lb.mlp) return `layer ${l} has an MLP in ${la.mlp ? a.label : b.label} but none in ${la.mlp ? b.label : a.label}`;
    if (la.hidden !== lb.hidden) return differ(`layer ${l}'s MLP width`, la.hidden, lb.hidden);
  }
  return null;
}

/** Refuses (one line) two models of different geometry; `what` says what was asked of them. */
export function checkSameGeometry(a: HookedModel, b: HookedModel, what: string): void {
  const diff = geometryDifference(a, b);
  if (diff) throw new UsageError(`${what} needs two models of one geometry, and ${diff}`);
}

/** Every hook the model has at this sequence length, with the shapes runHooked returns, in forward order. */
export function hookShapes(m: HookedModel, seqLen: number, batch = 1): Map<string, number[]> {
  const g = new Graph("float32");
  const p = paramInputs(g, m.description);
  const ids = g.input("ids", [batch, seqLen], "int64");
  const { hooks } = m.description.forward(g, p, ids);
  return new Map([...hooks].map(([name, t]) => [name, outputShape(t.shape, batch, seqLen)]));
}

/** [B·T, w] rows become [B, T, w]; anything else keeps its shape. */
function outputShape(shape: readonly number[], batch: number, seqLen: number): number[] {
  if (shape.length === 2 && shape[0] === batch * seqLen) return [batch, seqLen, shape[1]!];
  return [...shape];
}

/** Throws a one-line UsageError naming the valid hooks when `name` is not one. */
export function checkHookName(m: HookedModel, name: string, seqLen: number, known: ReadonlyMap<string, unknown> = hookShapes(m, seqLen)): void {
  if (known.has(name)) return;
  const hint = closestName(name, [...known.keys()]);
  throw new UsageError(`no hook ${JSON.stringify(name)} in ${m.label}${hint ? ` (did you mean ${hint}?)` : ""}; its hooks are: ${[...known.keys()].join(", ")}`);
}

export interface HookRequest {
  /** Hooks to return ("all": every one). */
  readonly hooks?: readonly string[] | "all";
  /** Activations to use instead of the model's own, in runHooked's output shapes. */
  readonly overrides?: ReadonlyMap<string, HookTensor>;
}

export interface HookedRun {
  readonly batch: number;
  readonly seqLen: number;
  /** [batch, seqLen, outputs]. */
  readonly logits: HookTensor;
  readonly hooks: ReadonlyMap<string, HookTensor>;
}

const LOGITS = "logits";
const overrideInput = (name: string) => `override:${name}`;

interface Built {
  readonly ort: Ort;
  readonly session: OrtSession;
  readonly shapes: ReadonlyMap<string, number[]>;
  readonly inputShapes: ReadonlyMap<string, readonly number[]>;
}

const sessions = new WeakMap<ModelDescription, Map<string, Promise<Built>>>();

async function buildSession(m: HookedModel, batch: number, seqLen: number, wanted: readonly string[] | "all", overrides: readonly string[]): Promise<Built> {
  const known = hookShapes(m, seqLen, batch);
  const check = (name: string) => checkHookName(m, name, seqLen, known);
  if (wanted !== "all") wanted.forEach(check);
  overrides.forEach(check);
  const g = new Graph("float32");
  const p = paramInputs(g, m.description);
  const ids = g.input("ids", [batch, seqLen], "int64");
  const inputShapes = new Map<string, readonly number[]>();
  const { final, hooks } = m.description.forward(g, p, ids, {
    hook: (name, t) => {
      if (!overrides.includes(name)) return undefined;
      inputShapes.set(name, t.shape);
      return g.input(overrideInput(name), t.shape);
    },
  });
  const outputs: Record<string, Tensor> = { [LOGITS]: m.description.head(g, p, final) };
  const names = wanted === "all" ? [...hooks.keys()] : wanted;
  // An overridden hook is its override input; toOnnx turns such outputs into Identity nodes.
  for (const name of names) outputs[name] = hooks.get(name)!;
  const { ort, session } = await openSession(g, outputs);
  return { ort, session, shapes: new Map(names.map((n) => [n, known.get(n)!])), inputShapes };
}

/** Runs the model on equal-length id rows, returning the logits and the requested hooks. */
export async function runHooked(m: HookedModel, ids: readonly (readonly number[])[], req: HookRequest = {}): Promise<HookedRun> {
  const batch = ids.length;
  if (batch === 0) throw new UsageError("runHooked: no inputs");
  const seqLen = ids[0]!.length;
  if (ids.some((r) => r.length !== seqLen)) throw new UsageError("the instruments need inputs of one length (the tasks they study have fixed lengths)");
  if (seqLen > m.description.maxSeqLen) throw new UsageError(`inputs of ${seqLen} positions are longer than ${m.label}'s ${m.description.maxSeqLen}`);
  const overrides = [...(req.overrides?.keys() ?? [])].sort();
  const wanted = req.hooks ?? [];
  const key = JSON.stringify([batch, seqLen, wanted, overrides]);
  let cache = sessions.get(m.description);
  if (!cache) sessions.set(m.description, (cache = new Map()));
  let pending = cache.get(key);
  if (!pending) {
    pending = buildSession(m, batch, seqLen, wanted, overrides);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  const built = await pending;
  const feeds: Record<string, ReturnType<typeof ortTensor>> = {};
  for (const s of m.description.params) feeds[s.name] = ortTensor(built.ort, "float32", m.params.get(s.name)!, s.shape);
  feeds.ids = ortTensor(built.ort, "int64", ids.flat(), [batch, seqLen]);
  for (const name of overrides) {
    const t = req.overrides!.get(name)!;
    const shape = built.inputShapes.get(name)!;
    if (t.data.length !== sizeOf(shape)) {
      throw new UsageError(`override of ${name}: ${t.data.length} values, the hook has ${sizeOf(shape)} ([${outputShape(shape, batch, seqLen).join(", ")}])`);
    }
    feeds[overrideInput(name)] = ortTensor(built.ort, "float32", t.data, shape);
  }
  const out = await built.session.run(feeds);
  const tensor = (name: string, shape: readonly number[]): HookTensor => ({ data: Float32Array.from(out[name]!.data as Float32Array), shape });
  const hooks = new Map<string, HookTensor>();
  for (const [name, shape] of built.shapes) {
    hooks.set(name, tensor(name, shape));
  }
  return { batch, seqLen, logits: tensor(LOGITS, [batch, seqLen, m.description.outputs]), hooks };
}

/** The row of `t` ([B, T, w]) at sequence b and position p. */
export function rowOf(t: HookTensor, b: number, p: number): Float32Array {
  const [, T, w] = t.shape as [number, number, number];
  return t.data.subarray((b * T + p) * w, (b * T + p + 1) * w);
}

/** The argmax of the logits at sequence b, position p. */
export function argmaxAt(logits: HookTensor, b: number, p: number): number {
  const row = rowOf(logits, b, p);
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
  return best;
}
