// A compiled model as a TensorFlow.js graph model: DIR/model.json (a TensorFlow GraphDef in JSON,
// the form tensorflowjs_converter writes) and DIR/group1-shard1of1.bin (every constant, little-endian,
// in manifest order). `tf.loadGraphModel` of @tensorflow/tfjs-converter loads it with no code of
// ours; the graph computes the forward pass of runtime/forward/forward.ts:
//
//   tokens  int32 [batch, seq] (Placeholder; ids as runtime/forward/tokenize.ts makes them), dynamic axes
//   embed   = GatherV2(tokenEmbedding, tokens) + Slice(positionEmbedding, [0, 0], [seq, -1])
//   keyMask = Cast(tokens == PAD) · -1e30, ExpandDims to [batch, 1, seq]
//   per layer: heads' Q/K/V stacked (MatMul on [batch·seq, d]), per head
//              Softmax(BatchMatMulV2(q_h, Transpose(k_h)) + keyMask) · v_h, ConcatV2, MatMul W_O, AddV2;
//              then x += Relu(x·W1 + b1)·W2 + b2
//   logits  [batch, seq, outputs]
//
// Batch and sequence length are dynamic: shapes come from Shape(tokens) at run time. TensorFlow.js
// has no int64, so ids are int32. Only ops that the converter maps and that tfjs's cpu and wasm
// backends implement are used; K is transposed explicitly because WASM's matMul is ~10x slower with
// transposeB (shared/engines.md). With `withInternals`, the hooks of compiler/model/hooks.ts are extra
// signature outputs of the same names.
import * as fs from "node:fs";
import * as path from "node:path";
import type { CompiledModel, Matrix } from "../model/types.js";
import { columns, headGeometry, hstack, vstack } from "./matrices.js";
import { buildHeads } from "./attentionHeads.js";
import { UsageError } from "../language/diagnostics.js";
import { allHookNames, hookNames, zWidth } from "../model/hooks.js";
import { padId } from "../model/tokens.js";
import { exportMetadata } from "./onnx.js";

export const TFJS_MODEL_FILE = "model.json";
export const TFJS_WEIGHTS_FILE = "group1-shard1of1.bin";
export const TFJS_INPUT = "tokens";
export const TFJS_OUTPUT = "logits";
const MASKED = -1e30;
const PRODUCER = "raspc 0.1.0";

export interface TfjsExportOptions {
  readonly withInternals?: boolean;
}

type DType = "DT_FLOAT" | "DT_INT32" | "DT_BOOL";

/** One attribute value in TensorFlow's AttrValue JSON form (int64s are strings there). */
type AttrValue = { type: DType } | { b: boolean } | { i: string } | { shape: { dim: { size: string }[] } } | { tensor: { dtype: DType; tensorShape: { dim?: { size: string }[] } } };

interface NodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
}

export interface TfjsArtifacts {
  /** The contents of model.json. */
  readonly modelJson: Record<string, unknown>;
  /** The contents of the weights file. */
  readonly weights: Uint8Array;
}

function dims(shape: readonly number[]): { size: string }[] {
  return shape.map((s) => ({ size: String(s) }));
}

const T_FLOAT: Record<string, AttrValue> = { T: { type: "DT_FLOAT" } };
const T_INT: Record<string, AttrValue> = { T: { type: "DT_INT32" } };

class GraphDefBuilder {
  readonly nodes: NodeDef[] = [];
  readonly specs: WeightSpec[] = [];
  private readonly chunks: Uint8Array[] = [];
  private counter = 0;

  fresh(base: string): string {
    return `${base}_${this.counter++}`;
  }

  op(op: string, input: string[], attr: Record<string, AttrValue> = {}, name?: string): string {
    const n = name ?? this.fresh(op);
    this.nodes.push({ name: n, op, input, attr });
    return n;
  }

  private constant(name: string, dtype: DType, shape: number[], bytes: Uint8Array): string {
    this.nodes.push({ name, op: "Const", attr: { value: { tensor: { dtype, tensorShape: { dim: dims(shape) } } }, dtype: { type: dtype } } });
    this.specs.push({ name, shape, dtype: dtype === "DT_FLOAT" ? "float32" : "int32" });
    this.chunks.push(bytes);
    return name;
  }

  float(name: string, shape: number[], values: ArrayLike<number>): string {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
    return this.constant(name, "DT_FLOAT", shape, bytes);
  }

  int(shape: number[], values: readonly number[], base = "c"): string {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setInt32(i * 4, v, true));
    return this.constant(this.fresh(base), "DT_INT32", shape, bytes);
  }

  matrix(name: string, m: Matrix, cols: number): string {
    const data = new Float64Array(m.length * cols);
    m.forEach((row, i) => data.set(row, i * cols));
    return this.float(name, [m.length, cols], data);
  }

  weights(): Uint8Array {
    const total = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** model.json and the weights of a compiled model, in memory. */
export function buildTfjsModel(model: CompiledModel, opts: TfjsExportOptions = {}): TfjsArtifacts {
  const internals = opts.withInternals === true;
  const g = new GraphDefBuilder();
  const d = model.residual.length;
  const nOut = columns(model.unembedding);
  const matMul = (a: string, b: string): string => g.op("MatMul", [a, b], { ...T_FLOAT, transpose_a: { b: false }, transpose_b: { b: false } });
  const batchMatMul = (a: string, b: string): string => g.op("BatchMatMulV2", [a, b], { ...T_FLOAT, adj_x: { b: false }, adj_y: { b: false } });
  const add = (a: string, b: string): string => g.op("AddV2", [a, b], T_FLOAT);
  const concat = (xs: string[], axis: number, t: Record<string, AttrValue>): string => g.op("ConcatV2", [...xs, g.int([], [axis])], { ...t, N: { i: String(xs.length) }, Tidx: { type: "DT_INT32" } });
  const reshape = (x: string, shape: string): string => g.op("Reshape", [x, shape], { ...T_FLOAT, Tshape: { type: "DT_INT32" } });
  const slice = (x: string, begin: string, size: string, t = T_FLOAT): string => g.op("Slice", [x, begin, size], { ...t, Index: { type: "DT_INT32" } });
  const outputs: { key: string; node: string; shape: number[] }[] = [];
  /** Names tensor `t` as hook `name` (an Identity; a Reshape to `shapeOf` when given) with signature shape `sig`. */
  const exposeAs = (t: string, name: string, sig: number[], shapeOf?: string): void => {
    if (!internals) return;
    if (shapeOf) g.op("Reshape", [t, shapeOf], { ...T_FLOAT, Tshape: { type: "DT_INT32" } }, name);
    else g.op("Identity", [t], T_FLOAT, name);
    outputs.push({ key: name, node: name, shape: sig });
  };
  /** A [batch·seq, width] tensor as hook `name`, [batch, seq, width]. */
  const expose = (x2d: string, name: string, width: number, shapeOf: string): void => exposeAs(x2d, name, [-1, -1, width], shapeOf);
  /** Tensors stacked along a new axis (a hook's head axis). */
  const pack = (xs: string[], axis: number): string => g.op("Pack", xs, { ...T_FLOAT, N: { i: String(xs.length) }, axis: { i: String(axis) } });

  g.nodes.push({ name: TFJS_INPUT, op: "Placeholder", attr: { dtype: { type: "DT_INT32" }, shape: { shape: { dim: dims([-1, -1]) } } } });
  const shape = g.op("Shape", [TFJS_INPUT], { ...T_INT, out_type: { type: "DT_INT32" } }); // [batch, seq]
  const seq = slice(shape, g.int([1], [1]), g.int([1], [1]), T_INT); // [seq]
  const shapeWith = (last: number): string => concat([shape, g.int([1], [last])], 0, T_INT); // [batch, seq, last]
  const residShape = shapeWith(d);
  /** Float zeros [batch, seq, width], for hooks of parts that compute nothing. */
  const zeros = (width: number): string => g.op("Fill", [shapeWith(width), g.float(g.fresh("zero"), [], [0])], { ...T_FLOAT, index_type: { type: "DT_INT32" } });

  const tokenRows = g.op("GatherV2", [g.matrix("token_embedding", model.tokenEmbedding, d), TFJS_INPUT, g.int([], [0])], {
    Tparams: { type: "DT_FLOAT" },
    Tindices: { type: "DT_INT32" },
    Taxis: { type: "DT_INT32" },
    batch_dims: { i: "0" },
  });
  const positionRows = slice(g.matrix("position_embedding", model.positionEmbedding, d), g.int([2], [0, 0]), concat([seq, g.int([1], [-1])], 0, T_INT));
  let x = reshape(add(tokenRows, positionRows), g.int([2], [-1, d])); // [batch·seq, d]
  exposeAs(tokenRows, hookNames.embed, [-1, -1, d]);
  if (internals) exposeAs(g.op("BroadcastTo", [positionRows, residShape], { ...T_FLOAT, Tidx: { type: "DT_INT32" } }), hookNames.posEmbed, [-1, -1, d]);

  const isPad = g.op("Equal", [TFJS_INPUT, g.int([], [padId(model)])], { ...T_INT, incompatible_shape_error: { b: true } });
  const padFloat = g.op("Cast", [isPad], { SrcT: { type: "DT_BOOL" }, DstT: { type: "DT_FLOAT" }, Truncate: { b: false } });
  const mask = g.op("Mul", [padFloat, g.float("masked", [], [MASKED])], T_FLOAT);
  const keyMask = g.op("ExpandDims", [mask, g.int([], [1])], { ...T_FLOAT, Tdim: { type: "DT_INT32" } }); // [batch, 1, seq]
  let squareShape: string | null = null;

  model.layers.forEach((layer, l) => {
    expose(x, hookNames.residPre(l), d, residShape);
    const heads = layer.attention;
    const { sumHead, sumValue, needed } = headGeometry(heads, internals);
    const dz = zWidth(layer);
    if (needed.some(Boolean)) {
      let q: string | null = null;
      let k: string | null = null;
      let v: string | null = null;
      if (sumHead > 0) {
        q = matMul(x, g.float(`l${l}_wq`, [d, sumHead], hstack(heads.map((h) => h.wq), d).data));
        k = matMul(x, g.float(`l${l}_wk`, [d, sumHead], hstack(heads.map((h) => h.wk), d).data));
      }
      if (sumValue > 0) v = matMul(x, g.float(`l${l}_wv`, [d, sumValue], hstack(heads.map((h) => h.wv), d).data));
      /** One head's columns of a stacked projection, as [batch, seq, width]. */
      const headPart = (t: string, start: number, width: number, total: number): string =>
        reshape(width === total ? t : slice(t, g.int([2], [0, start]), g.int([2], [-1, width])), shapeWith(width));
      const { zs, scores: scoreHooks, patterns: patternHooks, zHooks } = buildHeads(
        {
          headScores: (start, width) => {
            const kT = g.op("Transpose", [headPart(k!, start, width, sumHead), g.int([3], [0, 2, 1])], { ...T_FLOAT, Tperm: { type: "DT_INT32" } });
            return add(batchMatMul(headPart(q!, start, width, sumHead), kT), keyMask);
          },
          maskOnlyScores: () => {
            // All-zero scores: every query row is softmax(keyMask).
            squareShape ??= concat([shape, seq], 0, T_INT);
            return g.op("BroadcastTo", [keyMask, squareShape], { ...T_FLOAT, Tidx: { type: "DT_INT32" } });
          },
          softmax: (scores) => g.op("Softmax", [scores], T_FLOAT),
          headValues: (pattern, start, width) => batchMatMul(pattern, headPart(v!, start, width, sumValue)),
          zeros,
          padRight: (t, by) => g.op("Pad", [t, g.int([3, 2], [0, 0, 0, 0, 0, by])], { ...T_FLOAT, Tpaddings: { type: "DT_INT32" } }),
        },
        heads,
        internals,
        dz,
      );
      if (internals) {
        exposeAs(pack(scoreHooks, 1), hookNames.attnScores(l), [-1, heads.length, -1, -1]);
        exposeAs(pack(patternHooks, 1), hookNames.pattern(l), [-1, heads.length, -1, -1]);
        if (dz > 0) exposeAs(pack(zHooks, 2), hookNames.z(l), [-1, -1, heads.length, dz]);
      }
      if (zs.length > 0) {
        const z = reshape(zs.length === 1 ? zs[0]! : concat(zs, 2, T_FLOAT), g.int([2], [-1, sumValue]));
        const wo = vstack(heads.map((h) => h.wo), d);
        const attnOut = matMul(z, g.float(`l${l}_wo`, [wo.rows, d], wo.data));
        expose(attnOut, hookNames.attnOut(l), d, residShape);
        x = add(x, attnOut);
      } else if (internals) {
        exposeAs(zeros(d), hookNames.attnOut(l), [-1, -1, d]);
      }
    }
    expose(x, hookNames.residMid(l), d, residShape);
    if (layer.mlp) {
      const { w1, b1, w2, b2 } = layer.mlp;
      const hidden = b1.length;
      const bias = g.float(`l${l}_b2`, [d], b2);
      // x + m + b2 in two adds, as before the hooks had names; mlp_out (m + b2) is computed beside it.
      let m: string | null = null;
      if (hidden > 0) {
        const pre = add(matMul(x, g.matrix(`l${l}_w1`, w1, hidden)), g.float(`l${l}_b1`, [hidden], b1));
        const post = g.op("Relu", [pre], T_FLOAT);
        expose(pre, hookNames.mlpPre(l), hidden, shapeWith(hidden));
        expose(post, hookNames.mlpPost(l), hidden, shapeWith(hidden));
        m = matMul(post, g.matrix(`l${l}_w2`, w2, d));
        x = add(x, m);
      }
      x = add(x, bias);
      if (internals) {
        if (m) expose(add(m, bias), hookNames.mlpOut(l), d, residShape);
        else exposeAs(add(zeros(d), bias), hookNames.mlpOut(l), [-1, -1, d]);
      }
    }
    expose(x, hookNames.residPost(l), d, residShape);
  });
  if (nOut > 0) {
    g.op("Reshape", [matMul(x, g.matrix("unembedding", model.unembedding, nOut)), shapeWith(nOut)], { ...T_FLOAT, Tshape: { type: "DT_INT32" } }, TFJS_OUTPUT);
  } else {
    // XNNPACK refuses empty matrices; an output without columns is an empty tensor of the right shape.
    g.op("Fill", [shapeWith(0), g.float("zero", [], [0])], { ...T_FLOAT, index_type: { type: "DT_INT32" } }, TFJS_OUTPUT);
  }
  outputs.unshift({ key: TFJS_OUTPUT, node: TFJS_OUTPUT, shape: [-1, -1, nOut] });

  const tensorInfo = (node: string, dtype: DType, shape: number[]) => ({ name: `${node}:0`, dtype, tensorShape: { dim: dims(shape) } });
  const modelJson = {
    format: "graph-model",
    generatedBy: PRODUCER,
    convertedBy: PRODUCER,
    modelTopology: { node: g.nodes, library: {}, versions: { producer: 1, minConsumer: 0 } },
    signature: {
      inputs: { [TFJS_INPUT]: tensorInfo(TFJS_INPUT, "DT_INT32", [-1, -1]) },
      outputs: Object.fromEntries(outputs.map((o) => [o.key, tensorInfo(o.node, "DT_FLOAT", o.shape)])),
    },
    // The ONNX export's metadata, decoded: what a user needs to turn logits back into atoms.
    userDefinedMetadata: { raspc: exportMetadata(model, internals ? allHookNames(model) : []) },
    weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: g.specs }],
  };
  return { modelJson, weights: g.weights() };
}

function why(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOSPC") return "no space left on the device";
  return (err instanceof Error ? err.message : String(err)).split("\n")[0]!;
}

/** A directory that only ever held an export of ours may be replaced; anything else is the user's. */
function replaceable(dir: string): boolean {
  return fs.readdirSync(dir).every((f) => f === TFJS_MODEL_FILE || /^group\d+-shard\d+of\d+\.bin$/.test(f));
}

/**
 * A tfjs export staged in a temporary sibling directory of `dir`: `commit` renames it into place (or
 * swaps it with an earlier export there), `abort` removes it. Until `commit`, `dir` is untouched.
 */
export interface StagedDir {
  commit(): void;
  abort(): void;
}

export function stageTfjs(dir: string, artifacts: TfjsArtifacts): StagedDir {
  const parent = path.dirname(path.resolve(dir));
  let parentStat: fs.Stats;
  try {
    parentStat = fs.statSync(parent);
  } catch {
    throw new UsageError(`${dir}: cannot write: the directory ${path.dirname(dir)} does not exist`);
  }
  if (!parentStat.isDirectory()) throw new UsageError(`${dir}: cannot write: ${path.dirname(dir)} is not a directory`);
  let existing: fs.Stats | null = null;
  try {
    existing = fs.statSync(dir);
  } catch {
    // Nothing there yet: the usual case.
  }
  if (existing && !existing.isDirectory()) throw new UsageError(`${dir}: cannot write: it exists and is not a directory`);
  if (existing && !replaceable(dir)) {
    throw new UsageError(`${dir}: cannot write: the directory holds files other than a TensorFlow.js export; give a new or empty directory`);
  }
  const tag = `${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  const tmp = path.join(parent, `.${path.basename(dir)}.${tag}.tmp`);
  const remove = (p: string): void => fs.rmSync(p, { recursive: true, force: true });
  try {
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, TFJS_MODEL_FILE), JSON.stringify(artifacts.modelJson));
    fs.writeFileSync(path.join(tmp, TFJS_WEIGHTS_FILE), artifacts.weights);
  } catch (err) {
    remove(tmp);
    throw new UsageError(`${dir}: cannot write: ${why(err)}`);
  }
  return {
    commit() {
      const old = existing ? path.join(parent, `.${path.basename(dir)}.${tag}.old`) : null;
      try {
        if (old) fs.renameSync(dir, old);
        try {
          fs.renameSync(tmp, dir);
        } catch (err) {
          if (old) fs.renameSync(old, dir);
          throw err;
        }
      } catch (err) {
        remove(tmp);
        throw new UsageError(`${dir}: cannot write: ${why(err)}`);
      }
      if (old) remove(old);
    },
    abort() {
      remove(tmp);
    },
  };
}

/** Writes DIR/model.json and DIR/group1-shard1of1.bin so that DIR appears complete or not at all; returns both sizes. */
export function writeTfjs(dir: string, model: CompiledModel, opts: TfjsExportOptions = {}): { modelJsonBytes: number; weightsBytes: number } {
  const artifacts = buildTfjsModel(model, opts);
  stageTfjs(dir, artifacts).commit();
  return tfjsSizes(artifacts);
}

export function tfjsSizes(artifacts: TfjsArtifacts): { modelJsonBytes: number; weightsBytes: number } {
  return { modelJsonBytes: Buffer.byteLength(JSON.stringify(artifacts.modelJson)), weightsBytes: artifacts.weights.length };
}
