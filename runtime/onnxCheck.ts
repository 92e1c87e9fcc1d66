// Checking an ONNX export before it is written: it must load in onnxruntime-node (which runs the
// ONNX checker's type and shape inference on load) and compute what the Float64 reference forward
// pass computes on a few seeded inputs. A graph the exporter got wrong never reaches a user's disk.
import { UsageError } from "../compiler/language/diagnostics.js";
import type { CompiledModel } from "../compiler/model/types.js";
import { ONNX_INPUT, ONNX_OUTPUT } from "../compiler/export/onnx.js";
import { padBatch } from "./forward/outputs.js";
import { allHookNames } from "../compiler/model/hooks.js";
import { loadOrt } from "./forward/ortForward.js";
import { makeRng } from "./random.js";
import { referenceForward } from "./forward/referenceForward.js";
import { bosId, padId } from "../compiler/model/tokens.js";

export const CHECK_INPUTS = 16;
/** Logits may differ from the Float64 reference by this much, relative to max(1, the largest |logit|). */
const TOLERANCE = 1e-3;

/** Seeded id sequences `[BOS, ...]`, lengths spread over 1..maxLen (the longest always included). */
function checkIds(model: CompiledModel, count: number): number[][] {
  const rng = makeRng(0);
  return Array.from({ length: count }, (_, i) => {
    const n = i === 0 ? model.maxLen : 1 + rng.int(model.maxLen);
    return [bosId(model), ...Array.from({ length: n }, () => rng.int(model.vocab.length))];
  });
}

/** Loads `bytes` in onnxruntime-node and compares it with the reference; throws a one-line UsageError if it fails. */
export async function checkOnnxExport(model: CompiledModel, bytes: Uint8Array, withInternals: boolean): Promise<{ inputs: number }> {
  const ort = await loadOrt("give --no-check to write the ONNX file without checking it");
  let session;
  try {
    session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"], intraOpNumThreads: 1, logSeverityLevel: 3 });
  } catch (err) {
    throw new UsageError(`onnxruntime-node refused the exported graph: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`);
  }
  try {
    const expected = [ONNX_OUTPUT, ...(withInternals ? allHookNames(model) : [])];
    const missing = expected.filter((n) => !session.outputNames.includes(n));
    if (missing.length > 0) throw new UsageError(`the exported graph lacks the outputs ${missing.join(", ")}`);
    const ids = checkIds(model, CHECK_INPUTS);
    const { seqLen, lengths, flat } = padBatch(ids, padId(model));
    const tokens = new ort.Tensor("int64", BigInt64Array.from(flat, (v) => BigInt(v)), [ids.length, seqLen]);
    const got = (await session.run({ [ONNX_INPUT]: tokens }))[ONNX_OUTPUT]!.data as Float32Array;
    const want = referenceForward(model, ids);
    const w = want.outputs;
    let scale = 1;
    for (const v of want.logits) scale = Math.max(scale, Math.abs(v));
    for (let b = 0; b < ids.length; b++) {
      for (let p = 0; p < lengths[b]!; p++) {
        for (let j = 0; j < w; j++) {
          const i = (b * seqLen + p) * w + j;
          if (!(Math.abs(got[i]! - want.logits[i]!) <= TOLERANCE * scale)) {
            throw new UsageError(
              `the exported ONNX graph disagrees with the reference forward pass (position ${p}, column ${j}: ${got[i]} against ${want.logits[i]}); nothing was written`,
            );
          }
        }
      }
    }
    return { inputs: ids.length };
  } finally {
    await session.release();
  }
}
