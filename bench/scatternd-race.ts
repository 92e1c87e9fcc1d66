// Does onnxruntime-node's CPU ScatterND with reduction="add" lose additions when indices repeat?
//   npx tsx bench/scatternd-race.ts [--runs 50] [--threads 1,2,16]
//
// The engine's gradient of Gather (an embedding lookup) is a ScatterND that adds each row of the
// output gradient into the row of its token; in a batch every token id repeats hundreds of times.
// ORT's CPU kernel (onnxruntime/core/providers/cpu/tensor/scatter_nd.cc) splits the updates over
// its thread pool with TryParallelFor and adds with a plain `+=`, so two threads adding into the
// same row at once can lose one of the additions. This runs the embedding-gradient shape of the
// paper-size gpt (24864 updates of 192 floats into 32 rows), with every update a row of ones, so
// the exact answer is each row's count, exact in float32; a run is wrong when any entry is short.
// Prints, per intra-op thread count, how many runs were wrong and how many additions were lost.
// Whether a race shows depends on threads really running at once (idle cores); see
// docs/autodiff.md "GPU", where it explains the CPU row of bench/gpu-check.ts on a 16-core host.
import onnxProto from "onnx-proto";
import { loadOrt } from "../runtime/forward/ortForward.js";
import { numberArg } from "./stats.js";

const { onnx } = onnxProto;
const RUNS = numberArg("--runs", 50);
const threadsAt = process.argv.indexOf("--threads");
const THREADS = (threadsAt > 0 ? process.argv[threadsAt + 1]! : "1,2,16").split(",").map(Number);
if (!(Number.isInteger(RUNS) && RUNS >= 1) || THREADS.some((t) => !(Number.isInteger(t) && t >= 1))) {
  process.stderr.write("scatternd-race: --runs and --threads take positive integers (--threads as a list: 1,2,16)\n");
  process.exit(1);
}
const N = 96 * 259;
const ROWS = 32;
const D = 192;

const valueInfo = (name: string, elemType: number, dims: number[]) => ({ name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
const model = onnx.ModelProto.encode(
  onnx.ModelProto.create({
    irVersion: 9,
    opsetImport: [{ domain: "", version: 20 }],
    graph: {
      name: "scatter_add",
      node: [{ opType: "ScatterND", input: ["data", "indices", "updates"], output: ["out"], attribute: [{ name: "reduction", type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode("add") }] }],
      input: [valueInfo("data", onnx.TensorProto.DataType.FLOAT, [ROWS, D]), valueInfo("indices", onnx.TensorProto.DataType.INT64, [N, 1]), valueInfo("updates", onnx.TensorProto.DataType.FLOAT, [N, D])],
      output: [valueInfo("out", onnx.TensorProto.DataType.FLOAT, [ROWS, D])],
    },
  }),
).finish();

const ort = await loadOrt();
const indices = new BigInt64Array(N);
const counts = new Array<number>(ROWS).fill(0);
for (let i = 0; i < N; i++) {
  const row = (i * 7919 + (i >> 3)) % ROWS; // every row many times, in no simple order
  indices[i] = BigInt(row);
  counts[row]!++;
}
const updates = new Float32Array(N * D).fill(1);
const lines = [`ScatterND(reduction="add"), ${N} updates of ${D} floats into ${ROWS} rows, ${RUNS} runs per setting.`, "", "| intra-op threads | runs wrong | additions lost |", "| --- | --- | --- |"];
for (const threads of THREADS) {
  const session = await ort.InferenceSession.create(model, { executionProviders: ["cpu"], intraOpNumThreads: threads, interOpNumThreads: 1 });
  let wrong = 0;
  let lost = 0;
  for (let run = 0; run < RUNS; run++) {
    const out = await session.run({
      data: new ort.Tensor("float32", new Float32Array(ROWS * D), [ROWS, D]),
      indices: new ort.Tensor("int64", indices, [N, 1]),
      updates: new ort.Tensor("float32", updates, [N, D]),
    });
    const got = out.out!.data as Float32Array;
    let short = 0;
    for (let r = 0; r < ROWS; r++) for (let d = 0; d < D; d++) short += counts[r]! - got[r * D + d]!;
    if (short !== 0) wrong++;
    lost += short;
  }
  await session.release();
  lines.push(`| ${threads} | ${wrong} of ${RUNS} | ${lost} of ${RUNS * N * D} |`);
}
process.stdout.write(lines.join("\n") + "\n");
