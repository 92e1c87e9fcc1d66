// The engines a fuzz run compares with the interpreter, each behind runtime/forward/runModel.ts's
// ModelRunner so that verifyModel drives them all the same way: TensorFlow.js, the plain Float64
// forward pass (the oracle the engines are tested against, so a disagreement between it and an
// engine tells an engine bug from a compiler bug), and onnxruntime-node on the ONNX export where
// it loads.
import { compileFile } from "../../compiler/compileFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { renderAtom } from "./program.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { decodeOutputs } from "../forward/outputs.js";
import { referenceForward } from "../forward/referenceForward.js";
import { createRunner, DEFAULT_BATCH, type ModelRunner } from "../forward/runModel.js";

export interface FuzzEngine {
  readonly name: string;
  open(model: CompiledModel): Promise<ModelRunner>;
}

export const tfjsEngine: FuzzEngine = { name: "tfjs", open: (model) => createRunner(model, { engine: "tfjs" }) };

/** One ORT thread: a fuzz run's batches are small, and session start-up dominates. */
export const ortEngine: FuzzEngine = { name: "ort", open: (model) => createRunner(model, { engine: "ort", threads: 1 }) };

export const referenceEngine: FuzzEngine = {
  name: "reference",
  open: async (model) => {
    const forward: ModelRunner["forward"] = async (ids, opts) => referenceForward(model, ids, opts);
    return {
      engineName: "reference",
      backend: "float64",
      label: "reference (Float64)",
      forward,
      async decode(ids, onProgress) {
        const out: Atom[][] = [];
        for (let i = 0; i < ids.length; i += DEFAULT_BATCH) {
          out.push(...decodeOutputs(model, await forward(ids.slice(i, i + DEFAULT_BATCH))));
          onProgress?.(Math.min(ids.length, i + DEFAULT_BATCH));
        }
        return out;
      },
      dispose: () => {},
    };
  },
};

/**
 * The engines that work on this machine, in the order they are compared: tfjs, the reference, and
 * ORT when onnxruntime-node loads (its binaries are optional; `skipped` says why it is missing).
 */
export async function availableEngines(vocab: readonly Atom[]): Promise<{ engines: FuzzEngine[]; skipped: string[] }> {
  const engines = [tfjsEngine, referenceEngine];
  const skipped: string[] = [];
  try {
    const text = `out = tokens == ${renderAtom(vocab[0]!)};\n`;
    const probe = compileFile("probe.rasp", { vocab, maxLen: 2, read: () => text });
    (await ortEngine.open(probe)).dispose();
    engines.push(ortEngine);
  } catch (err) {
    skipped.push(`ort (${(err instanceof Error ? err.message : String(err)).split("\n")[0]})`);
  }
  return { engines, skipped };
}
