// Running a compiled model over many inputs: batches of token-id sequences through one of the two
// engines, decoded into atoms at positions 1..n of each input.
//
// Engines: "tfjs" (TensorFlow.js on WASM, forward.ts) and "ort" (onnxruntime-node on the exported
// ONNX graph, ortForward.ts). ORT runs asynchronously, so a runner's `forward` and `decode` return
// promises for both engines: callers do not depend on which one they got. Each engine is loaded
// only when asked for, so choosing one never costs the other's start-up.
import type { CompiledModel } from "../../compiler/model/types.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { decodeOutputs, type ForwardOptions, type ForwardResult } from "./outputs.js";

export const DEFAULT_BATCH = 512;

/** Floats one batch may hold in activations (2^25, 128 MiB as float32): WASM's heap is 4 GiB at most. */
const ACTIVATION_BUDGET = 2 ** 25;

/**
 * The batch a model's inputs are run in: DEFAULT_BATCH, fewer for long sequences, so that the
 * attention patterns (heads × (n+1)² per sequence) and the residual and MLP activations of one
 * batch stay within ACTIVATION_BUDGET (at max length 512, 512 sequences would need gigabytes).
 */
export function batchSizeFor(model: CompiledModel): number {
  const seq = model.maxLen + 1;
  const heads = Math.max(1, ...model.layers.map((l) => l.attention.length));
  const hidden = Math.max(0, ...model.layers.map((l) => l.mlp?.b1.length ?? 0));
  const perSequence = seq * (heads * seq + 4 * model.residual.length + hidden);
  return Math.max(1, Math.min(DEFAULT_BATCH, Math.floor(ACTIVATION_BUDGET / perSequence)));
}

export type EngineName = "ort" | "tfjs";
export const ENGINE_NAMES: readonly EngineName[] = ["ort", "tfjs"];

export interface ModelRunner {
  /** "reference": the Float64 forward pass posing as a runner, as the fuzzer's oracle does. */
  readonly engineName: EngineName | "reference";
  /** tfjs: "wasm" or "cpu"; ort: "cpu" (its execution provider). */
  readonly backend: string;
  /** For messages: "tfjs-wasm", "onnxruntime-node (cpu)". */
  readonly label: string;
  /** One batch through the engine, as it is (no batching here): hooks on request. */
  forward(ids: readonly (readonly number[])[], opts?: ForwardOptions): Promise<ForwardResult>;
  /** Decoded outputs for each id sequence, batched internally. */
  decode(ids: readonly (readonly number[])[], onProgress?: (done: number) => void): Promise<Atom[][]>;
  dispose(): void;
}

export interface RunnerOptions {
  /** Default "tfjs", as before engines could be chosen; the CLI defaults to "ort". */
  readonly engine?: EngineName;
  readonly batchSize?: number;
  /** ORT intra-op threads (default 2). */
  readonly threads?: number;
}

/** `createRunner(model)`, `createRunner(model, batchSize)` or `createRunner(model, { engine, batchSize })`. */
export async function createRunner(model: CompiledModel, options: number | RunnerOptions = {}): Promise<ModelRunner> {
  const opts: RunnerOptions = typeof options === "number" ? { batchSize: options } : options;
  const batchSize = opts.batchSize ?? batchSizeFor(model);
  const engineName = opts.engine ?? "tfjs";
  let forward: ModelRunner["forward"];
  let dispose: () => void;
  let backend: string;
  let label: string;
  if (engineName === "ort") {
    const { loadOrtModel } = await import("./ortForward.js");
    const loaded = await loadOrtModel(model, opts.threads !== undefined ? { threads: opts.threads } : {});
    forward = (ids, o) => loaded.engine.forward(ids, o);
    dispose = () => loaded.engine.dispose();
    backend = loaded.backend;
    label = `onnxruntime-node (${backend})`;
  } else {
    const { loadTfjsModel } = await import("./forward.js");
    const loaded = await loadTfjsModel(model);
    forward = async (ids, o) => loaded.engine.forward(ids, o);
    dispose = () => loaded.engine.dispose();
    backend = loaded.backend;
    label = `tfjs-${backend}`;
  }
  return {
    engineName,
    backend,
    label,
    forward,
    async decode(ids, onProgress) {
      const out: Atom[][] = [];
      for (let i = 0; i < ids.length; i += batchSize) {
        const chunk = ids.slice(i, i + batchSize);
        // Sorting by length would pad less; batches here are short (maxLen + 1), so it is not worth it.
        out.push(...decodeOutputs(model, await forward(chunk)));
        onProgress?.(Math.min(ids.length, i + batchSize));
      }
      return out;
    },
    dispose,
  };
}
