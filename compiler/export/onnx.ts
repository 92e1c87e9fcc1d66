// A compiled model as a standard ONNX graph (opset 17, IR version 8), built with the ONNX protobuf
// classes of onnx-proto. It computes exactly the forward pass of runtime/forward/forward.ts:
//
//   tokens   int64 [batch, seq]: ids as runtime/forward/tokenize.ts makes them (BOS first, PAD after the end)
//   embed    = Gather(tokenEmbedding, tokens) + Gather(positionEmbedding, Range(0, seq))
//   keyMask  = Where(tokens == PAD, -1e30, 0), unsqueezed to [batch, 1, seq]
//   per layer: per head softmax((x·Wq_h)(x·Wk_h)ᵀ + keyMask)·(x·Wv_h), concatenated, ·W_O, added;
//              then x += relu(x·W1 + b1)·W2 + b2
//   logits   = x·unembedding  [batch, seq, outputs]   (numerical outputs: the one value column)
//
// Heads' projections are stacked per layer (one MatMul per kind), as in the tfjs engine. With
// `withInternals`, every hook of compiler/model/hooks.ts (TransformerLens's names and shapes) is an
// extra output, so one name means one tensor everywhere; the hooks' extra arithmetic (stacking heads,
// padding hook_z, attn_out's zeros, mlp_out = m + b2) sits beside the residual stream, not in its path.
// Everything a user needs to decode the output (vocabulary, ids, residual names, output values)
// goes into metadata_props: see ExportMetadata.
import onnxProto from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";
import type { CompiledModel } from "../model/types.js";
import { columns, headGeometry, hstack, vstack } from "./matrices.js";
import { buildHeads } from "./attentionHeads.js";
import { GraphBuilder, tensorInfo, type Dim } from "./onnxGraph.js";
import type { Encoding } from "../rasp/ops.js";
import type { Atom } from "../rasp/values.js";
import { writeFileAtomic } from "../common/atomicWrite.js";
import { allHookNames, hookNames, zWidth } from "../model/hooks.js";
import { bosId, padId } from "../model/tokens.js";

// onnx-proto is CommonJS: Node's ESM loader does not see its named export (shared/engines.md).
const { onnx } = onnxProto;

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT = "tokens";
export const ONNX_OUTPUT = "logits";
const MASKED = -1e30;
const PRODUCER_VERSION = "0.1.0";

/**
 * What a user in another ecosystem needs to decode an export, stored as ONNX metadata_props (strings
 * stay strings, everything else is JSON) and as the tfjs model's userDefinedMetadata.raspc.
 */
export interface ExportMetadata {
  readonly raspc_format: "raspc-export/1";
  /** One name per residual dimension (`one`, `tokens:a`, `count:2` ...). */
  readonly residual: readonly string[];
  /** Token id i is vocab[i]. */
  readonly vocab: readonly Atom[];
  /** The BOS token's name. */
  readonly bos: string;
  readonly bos_id: number;
  readonly pad_id: number;
  /** Categorical: argmax over the columns, column j meaning values[j], None below noneThreshold; numerical: the one column. */
  readonly output: { readonly sop: string; readonly encoding: Encoding; readonly values: readonly Atom[]; readonly noneThreshold: number };
  /** The longest input, BOS not counted. */
  readonly max_len: number;
  readonly source_file: string;
  readonly sop: string;
  /** The extra outputs (hook names); empty without internals. */
  readonly internals: readonly string[];
}

export function exportMetadata(model: CompiledModel, internals: readonly string[]): ExportMetadata {
  const { sop, encoding, values, noneThreshold } = model.output;
  return {
    raspc_format: "raspc-export/1",
    residual: model.residual,
    vocab: model.vocab,
    bos: model.bos,
    bos_id: bosId(model),
    pad_id: padId(model),
    output: { sop, encoding, values, noneThreshold },
    max_len: model.maxLen,
    source_file: model.source.file,
    sop: model.source.sop,
    internals,
  };
}

/** The metadata as ONNX metadata_props entries: strings as they are, the rest as JSON. */
export function onnxMetadata(model: CompiledModel, internals: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(exportMetadata(model, internals)).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

export interface OnnxExportOptions {
  /** Also output every hook of compiler/model/hooks.ts, named and shaped as there. */
  readonly withInternals?: boolean;
}

/** The ONNX ModelProto of a compiled model. */
export function buildOnnxModel(model: CompiledModel, opts: OnnxExportOptions = {}): OnnxTypes.ModelProto {
  const internals = opts.withInternals === true;
  const g = new GraphBuilder();
  const d = model.residual.length;
  const nOut = columns(model.unembedding);
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const extraOutputs: OnnxTypes.IValueInfoProto[] = [];
  /** Gives tensor `t` the hook name `name` when internals are wanted (an Identity if `t` already has a name of its own). */
  const expose = (t: string, name: string, dims: Dim[]): string => {
    if (!internals) return t;
    extraOutputs.push(tensorInfo(name, FLOAT, dims));
    return g.op("Identity", [t], [], name);
  };

  // Embedding: token rows by Gather, position rows for 0..seq-1 by Range + Gather.
  const shape = g.op("Shape", [ONNX_INPUT]);
  const seq = g.op("Gather", [shape, g.int64("one_index", [], [1])], [{ name: "axis", i: 0 }]);
  const positions = g.op("Range", [g.int64("zero", [], [0]), seq, g.int64("one", [], [1])]);
  const tokenRows = g.op("Gather", [g.matrix("token_embedding", model.tokenEmbedding, d), ONNX_INPUT], [{ name: "axis", i: 0 }]);
  const positionRows = g.op("Gather", [g.matrix("position_embedding", model.positionEmbedding, d), positions], [{ name: "axis", i: 0 }]);
  let x = g.op("Add", [tokenRows, positionRows]);
  if (internals) {
    expose(tokenRows, hookNames.embed, ["batch", "seq", d]);
    // Position rows are [seq, d]; the hook is [batch, seq, d], like TransformerLens's.
    expose(g.op("Expand", [positionRows, g.op("Shape", [tokenRows])]), hookNames.posEmbed, ["batch", "seq", d]);
  }

  // Additive key mask [batch, 1, seq]: PAD keys get -1e30, so their softmax weight underflows to 0.
  const isPad = g.op("Equal", [ONNX_INPUT, g.int64("pad_id", [], [padId(model)])]);
  const mask = g.op("Where", [isPad, g.float("masked", [], [MASKED]), g.float("unmasked", [], [0])]);
  const keyMask = g.op("Unsqueeze", [mask, g.int64("axis_1", [1], [1])]);
  let squareShape: string | null = null;
  /** [batch, seq, seq], built once: a zero-width head's scores are all zero, so its pattern is softmax(keyMask) on every row. */
  const square = (): string => {
    squareShape ??= g.op("Concat", [shape, g.op("Unsqueeze", [seq, g.int64("axis_0", [1], [0])])], [{ name: "axis", i: 0 }]);
    return squareShape;
  };
  /** Float zeros [batch, seq, width] (ConstantOfShape's default value), for hooks of parts that compute nothing. */
  const zeros = (width: number): string => g.op("ConstantOfShape", [g.op("Concat", [shape, g.int64(g.fresh("width"), [1], [width])], [{ name: "axis", i: 0 }])]);
  /** Tensors side by side along a new axis `axis` (the head axis of a hook). */
  const stackOn = (ts: string[], axis: number): string => {
    const axes = g.int64(g.fresh("axes"), [1], [axis]);
    const parts = ts.map((t) => g.op("Unsqueeze", [t, axes]));
    return parts.length === 1 ? parts[0]! : g.op("Concat", parts, [{ name: "axis", i: axis }]);
  };

  model.layers.forEach((layer, l) => {
    x = expose(x, hookNames.residPre(l), ["batch", "seq", d]);
    const heads = layer.attention;
    const { sumHead, sumValue, needed: headsNeeded } = headGeometry(heads, internals);
    const dz = zWidth(layer);
    if (headsNeeded.some(Boolean)) {
      let q: string | null = null;
      let k: string | null = null;
      let v: string | null = null;
      if (sumHead > 0) {
        q = g.op("MatMul", [x, g.float(`l${l}_wq`, [d, sumHead], hstack(heads.map((h) => h.wq), d).data)]);
        k = g.op("MatMul", [x, g.float(`l${l}_wk`, [d, sumHead], hstack(heads.map((h) => h.wk), d).data)]);
      }
      if (sumValue > 0) v = g.op("MatMul", [x, g.float(`l${l}_wv`, [d, sumValue], hstack(heads.map((h) => h.wv), d).data)]);
      /** Columns [start, start + width) of a stacked projection (the whole tensor when it is one head's). */
      const cut = (t: string, start: number, width: number, total: number): string =>
        width === total ? t : g.op("Slice", [t, g.int64(g.fresh("start"), [1], [start]), g.int64(g.fresh("end"), [1], [start + width]), g.int64(g.fresh("axes"), [1], [2])]);
      const { zs, scores: scoreHooks, patterns: patternHooks, zHooks } = buildHeads(
        {
          headScores: (start, width) => {
            const qh = cut(q!, start, width, sumHead);
            const kh = cut(k!, start, width, sumHead);
            const raw = g.op("MatMul", [qh, g.op("Transpose", [kh], [{ name: "perm", ints: [0, 2, 1] }])]);
            return g.op("Add", [raw, keyMask]);
          },
          maskOnlyScores: () => g.op("Expand", [keyMask, square()]),
          softmax: (scores) => g.op("Softmax", [scores], [{ name: "axis", i: -1 }]),
          headValues: (pattern, start, width) => g.op("MatMul", [pattern, cut(v!, start, width, sumValue)]),
          zeros,
          padRight: (t, by) => g.op("Pad", [t, g.int64(g.fresh("pads"), [6], [0, 0, 0, 0, 0, by])]),
        },
        heads,
        internals,
        dz,
      );
      if (internals) {
        expose(stackOn(scoreHooks, 1), hookNames.attnScores(l), ["batch", heads.length, "seq", "seq"]);
        expose(stackOn(patternHooks, 1), hookNames.pattern(l), ["batch", heads.length, "seq", "seq"]);
        if (dz > 0) expose(stackOn(zHooks, 2), hookNames.z(l), ["batch", "seq", heads.length, dz]);
      }
      if (zs.length > 0) {
        const z = zs.length === 1 ? zs[0]! : g.op("Concat", zs, [{ name: "axis", i: 2 }]);
        const wo = vstack(heads.map((h) => h.wo), d);
        const attnOut = expose(g.op("MatMul", [z, g.float(`l${l}_wo`, [wo.rows, d], wo.data)]), hookNames.attnOut(l), ["batch", "seq", d]);
        x = g.op("Add", [x, attnOut]);
      } else if (internals) {
        expose(zeros(d), hookNames.attnOut(l), ["batch", "seq", d]);
      }
    }
    x = expose(x, hookNames.residMid(l), ["batch", "seq", d]);
    if (layer.mlp) {
      const { w1, b1, w2, b2 } = layer.mlp;
      const hidden = b1.length;
      const bias = g.float(`l${l}_b2`, [d], b2);
      // x + m + b2 in two adds, as before the hooks had names; mlp_out (m + b2) is computed beside it.
      let m: string | null = null;
      if (hidden > 0) {
        const pre = expose(g.op("Add", [g.op("MatMul", [x, g.matrix(`l${l}_w1`, w1, hidden)]), g.float(`l${l}_b1`, [hidden], b1)]), hookNames.mlpPre(l), ["batch", "seq", hidden]);
        const post = expose(g.op("Relu", [pre]), hookNames.mlpPost(l), ["batch", "seq", hidden]);
        m = g.op("MatMul", [post, g.matrix(`l${l}_w2`, w2, d)]);
        x = g.op("Add", [x, m]);
      }
      x = g.op("Add", [x, bias]);
      if (internals) expose(g.op("Add", [m ?? zeros(d), bias]), hookNames.mlpOut(l), ["batch", "seq", d]);
    }
    x = expose(x, hookNames.residPost(l), ["batch", "seq", d]);
  });
  g.op("MatMul", [x, g.matrix("unembedding", model.unembedding, nOut)], [], ONNX_OUTPUT);

  const internalNames = internals ? allHookNames(model) : [];
  const meta = onnxMetadata(model, internalNames);
  return onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: "", version: ONNX_OPSET }],
    producerName: "raspc",
    producerVersion: PRODUCER_VERSION,
    docString:
      `raspc export of ${model.source.file} (s-op ${model.source.sop}). Input ${ONNX_INPUT}: int64 [batch, seq], ids [BOS=${bosId(model)}, t_1 .. t_n, PAD=${padId(model)} ...] ` +
      `with token id i = vocab[i] (metadata "vocab"), seq <= ${model.maxLen + 1}. Output ${ONNX_OUTPUT}: [batch, seq, ${nOut}], read at positions 1..n: ` +
      (model.output.encoding === "numerical"
        ? "the value itself (numerical output)."
        : `argmax over columns, column j standing for output.values[j] (metadata "output"); a maximum below output.noneThreshold is None.`),
    graph: {
      name: `raspc_${model.source.sop}`,
      node: g.nodes,
      initializer: g.initializers,
      input: [tensorInfo(ONNX_INPUT, onnx.TensorProto.DataType.INT64, ["batch", "seq"])],
      output: [tensorInfo(ONNX_OUTPUT, FLOAT, ["batch", "seq", nOut]), ...extraOutputs],
    },
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
  });
}

/** The serialised ONNX file. */
export function encodeOnnx(model: CompiledModel, opts: OnnxExportOptions = {}): Uint8Array {
  return onnx.ModelProto.encode(buildOnnxModel(model, opts)).finish();
}

/** Writes the ONNX file atomically; returns its size in bytes. Failures are UsageErrors naming the file. */
export function writeOnnx(file: string, model: CompiledModel, opts: OnnxExportOptions = {}): number {
  const bytes = encodeOnnx(model, opts);
  writeFileAtomic(file, bytes);
  return bytes.length;
}

/** An ONNX file's metadata_props as a record (for tests and for tools that read exports back). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const decoded = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(decoded.metadataProps.map((p) => [p.key ?? "", p.value ?? ""]));
}
