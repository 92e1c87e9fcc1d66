// Building ONNX graphs node by node with onnx-proto's classes: the compiled-model export (onnx.ts)
// uses this builder. (The training engine writes its own graphs from runtime/autodiff's IR.)
import onnxProto from "onnx-proto";
import type { onnx as OnnxTypes } from "onnx-proto";
import type { Matrix } from "../model/types.js";
import { columns, vstack } from "./matrices.js";

// onnx-proto is CommonJS: Node's ESM loader does not see its named export (shared/engines.md).
const { onnx } = onnxProto;

export type Dim = number | string;

/** Little-endian float32 bytes of a row-major block (explicit, so the file is the same on any host). */
function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytes;
}

function int64Bytes(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return bytes;
}

export type Attr = { name: string; ints: number[] } | { name: string; i: number };

/** Collects nodes and initializers; hands out fresh tensor names. */
export class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private counter = 0;

  fresh(base: string): string {
    return `${base}_${this.counter++}`;
  }

  /** Adds a node and returns its output's name (`out`, or a fresh one). */
  op(opType: string, inputs: string[], attrs: Attr[] = [], out?: string): string {
    const output = out ?? this.fresh(opType.toLowerCase());
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: inputs,
      output: [output],
      attribute: attrs.map((a) =>
        "ints" in a ? { name: a.name, type: onnx.AttributeProto.AttributeType.INTS, ints: a.ints } : { name: a.name, type: onnx.AttributeProto.AttributeType.INT, i: a.i },
      ),
    });
    return output;
  }

  float(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: float32Bytes(values) });
    return name;
  }

  matrix(name: string, m: Matrix, cols = columns(m)): string {
    return this.float(name, [m.length, cols], vstack([m], cols).data);
  }

  int64(name: string, dims: number[], values: number[]): string {
    this.initializers.push({ name, dims, dataType: onnx.TensorProto.DataType.INT64, rawData: int64Bytes(values) });
    return name;
  }
}

export function tensorInfo(name: string, elemType: number, dims: Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  };
}


export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;

/** A graph built with `g` as a serialised opset-17 model (no metadata: for in-memory sessions). */
export function encodeGraph(g: GraphBuilder, name: string, inputs: OnnxTypes.IValueInfoProto[], outputs: OnnxTypes.IValueInfoProto[]): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: "", version: 17 }],
    producerName: "raspc",
    graph: { name, node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}
