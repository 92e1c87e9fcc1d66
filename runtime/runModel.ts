// Running a compiled model over many inputs: batches of token-id sequences through the
// TensorFlow.js engine, decoded into atoms at positions 1..n of each input.
import type { CompiledModel } from "../compiler/model/types.js";
import type { Atom } from "../compiler/rasp/values.js";
import { loadTfjsModel, type TfjsBackend, type TfjsForward } from "./forward.js";
import { decodeOutputs } from "./outputs.js";

export const DEFAULT_BATCH = 512;

export interface ModelRunner {
  readonly backend: TfjsBackend;
  readonly engine: TfjsForward;
  /** Decoded outputs for each id sequence, batched internally. */
  decode(ids: readonly (readonly number[])[], onProgress?: (done: number) => void): Atom[][];
  dispose(): void;
}

export async function createRunner(model: CompiledModel, batchSize = DEFAULT_BATCH): Promise<ModelRunner> {
  const { engine, backend } = await loadTfjsModel(model);
  return {
    backend,
    engine,
    decode(ids, onProgress) {
      const out: Atom[][] = [];
      for (let i = 0; i < ids.length; i += batchSize) {
        const chunk = ids.slice(i, i + batchSize);
        // Sorting by length would pad less; batches here are short (maxLen + 1), so it is not worth it.
        out.push(...decodeOutputs(model, engine.forward(chunk)));
        onProgress?.(Math.min(ids.length, i + batchSize));
      }
      return out;
    },
    dispose: () => engine.dispose(),
  };
}
