// Writes a graph of graph.ts as an ONNX model (opset 20, for Gelu) and opens it in onnxruntime-node.
// Only the nodes the requested outputs need are written, so a model description can build hooks or
// recomputations that one graph uses and another does not. Output names are given to the nodes
// that make them; an output that is also an input or a constant goes through Identity.
import onnxProto from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";
import type * as OrtModule from "onnxruntime-node";
import { DEFAULT_ORT_THREADS, loadOrt } from "../forward/ortForward.js";
import { ONNX_TYPE, ShapeError, type Attr, type Constant, type DType, type Graph, type Tensor } from "./graph.js";

// onnx-proto is CommonJS: Node's ESM loader does not see its named export (shared/engines.md).
const { onnx } = onnxProto;

export const OPSET = 20;

function rawBytes(c: Constant): Uint8Array {
  const n = c.values.length;
  const v = c.values as ArrayLike<number>;
  switch (c.tensor.dtype) {
    case "float32": {
      const out = new DataView(new ArrayBuffer(n * 4));
      for (let i = 0; i < n; i++) out.setFloat32(i * 4, v[i]!, true);
      return new Uint8Array(out.buffer);
    }
    case "float64": {
      const out = new DataView(new ArrayBuffer(n * 8));
      for (let i = 0; i < n; i++) out.setFloat64(i * 8, v[i]!, true);
      return new Uint8Array(out.buffer);
    }
    case "int64": {
      const out = new DataView(new ArrayBuffer(n * 8));
      for (let i = 0; i < n; i++) out.setBigInt64(i * 8, BigInt(v[i]!), true);
      return new Uint8Array(out.buffer);
    }
    case "bool":
      return Uint8Array.from(c.values as ArrayLike<boolean | number>, (b) => (b ? 1 : 0));
  }
}

function attribute(name: string, a: Attr): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ("i" in a) return { name, type: T.INT, i: a.i };
  if ("f" in a) return { name, type: T.FLOAT, f: a.f };
  if ("s" in a) return { name, type: T.STRING, s: new TextEncoder().encode(a.s) };
  return { name, type: T.INTS, ints: [...a.ints] };
}

function valueInfo(name: string, t: Tensor): OnnxTypes.IValueInfoProto {
  return { name, type: { tensorType: { elemType: ONNX_TYPE[t.dtype], shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } } };
}

/** The ONNX model computing `outputs` (name → tensor) of `g` from its inputs. */
export function toOnnx(g: Graph, outputs: Readonly<Record<string, Tensor>>, modelName = "raspc_graph"): Uint8Array {
  const inputName = new Map(g.inputs.map((i) => [i.tensor.id, i.name]));
  const constantIds = new Set(g.constants.map((c) => c.tensor.id));
  const names = new Map<number, string>(inputName);
  const aliases: [string, Tensor][] = [];
  for (const [name, t] of Object.entries(outputs)) {
    if (g.inputs.some((i) => i.name === name)) throw new ShapeError(`output ${name} has the name of an input`);
    if (!names.has(t.id) && !constantIds.has(t.id)) names.set(t.id, name);
    else aliases.push([name, t]);
  }
  const nameOf = (t: Tensor): string => names.get(t.id) ?? `t${t.id}`;
  const identities: OnnxTypes.INodeProto[] = aliases.map(([name, t]) => ({ opType: "Identity", name: `Identity_${name}`, input: [nameOf(t)], output: [name] }));

  // Keep only what the outputs need.
  const needed = new Set(Object.values(outputs).map((t) => t.id));
  const kept: typeof g.nodes = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o.id))) continue;
    kept.push(n);
    for (const t of n.inputs) needed.add(t.id);
  }
  kept.reverse();
  const nodes: OnnxTypes.INodeProto[] = kept.map((n, i) => ({
    opType: n.op,
    name: `${n.op}_${i}`,
    input: n.inputs.map(nameOf),
    output: n.outputs.map(nameOf),
    attribute: Object.entries(n.attrs).map(([k, a]) => attribute(k, a)),
  }));
  const initializer: OnnxTypes.ITensorProto[] = g.constants
    .filter((c) => needed.has(c.tensor.id))
    .map((c) => ({ name: nameOf(c.tensor), dims: [...c.tensor.shape], dataType: ONNX_TYPE[c.tensor.dtype], rawData: rawBytes(c) }));
  const model = onnx.ModelProto.create({
    irVersion: 9,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "raspc",
    graph: {
      name: modelName,
      node: [...nodes, ...identities],
      initializer,
      input: g.inputs.map((i) => valueInfo(i.name, i.tensor)),
      output: Object.entries(outputs).map(([name, t]) => valueInfo(name, t)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

export type Ort = typeof OrtModule;
export type OrtSession = OrtModule.InferenceSession;
export type OrtTensor = OrtModule.Tensor;

export interface SessionSettings {
  readonly threads?: number;
  readonly executionProviders?: string[];
}

export function sessionOptions(s: SessionSettings = {}): OrtModule.InferenceSession.SessionOptions {
  return {
    executionProviders: s.executionProviders ?? ["cpu"],
    intraOpNumThreads: s.threads && s.threads > 0 ? s.threads : DEFAULT_ORT_THREADS,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  };
}

export type HostArray = Float32Array | Float64Array | BigInt64Array | Uint8Array;

/** An ORT tensor of a graph dtype from plain numbers or a typed array. */
export function ortTensor(ort: Ort, dtype: DType, data: ArrayLike<number> | HostArray, shape: readonly number[]): OrtTensor {
  switch (dtype) {
    case "float32":
      return new ort.Tensor("float32", data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>), [...shape]);
    case "float64":
      return new ort.Tensor("float64", data instanceof Float64Array ? data : Float64Array.from(data as ArrayLike<number>), [...shape]);
    case "int64":
      return new ort.Tensor("int64", data instanceof BigInt64Array ? data : BigInt64Array.from(Array.from(data as ArrayLike<number>, (v) => BigInt(v))), [...shape]);
    case "bool":
      return new ort.Tensor("bool", Uint8Array.from(data as ArrayLike<number>), [...shape]);
  }
}

/** Opens a graph's outputs as an ORT session. */
export async function openSession(g: Graph, outputs: Readonly<Record<string, Tensor>>, settings: SessionSettings = {}): Promise<{ ort: Ort; session: OrtSession }> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(toOnnx(g, outputs), sessionOptions(settings));
  return { ort, session };
}
