// The forward pass of a compiled model in onnxruntime-node: the model is exported to ONNX in memory
// (compiler/export/onnx.ts) and run on ORT's CPU execution provider. Same results as the tfjs engine
// (forward.ts) up to float32 rounding, and faster on batches: 4-7x on the small compiled models of
// bench/export-bench.ts, 9-19x at d_model 64-256 (shared/engines.md).
//
// onnxruntime-node is a native addon (40 ms to load, plus session start-up), so it is imported on
// first use: commands that never run a model with it never pay for it. ORT's `run` is asynchronous, so so is
// `forward` here. Hooks come from a second session of the graph exported with its internals,
// created on the first hooked call: the plain graph stays as lean as the tfjs one.
import type * as OrtModule from "onnxruntime-node";
import { encodeOnnx, ONNX_INPUT, ONNX_OUTPUT } from "../../compiler/export/onnx.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import { checkIds, padBatch, type ForwardOptions, type ForwardResult } from "./outputs.js";
import { allHookNames } from "../../compiler/model/hooks.js";
import { padId } from "../../compiler/model/tokens.js";

type Ort = typeof OrtModule;

/** Intra-op threads: the 2-core machines this is sized for (engines.md measured 2 as fastest). */
export const DEFAULT_ORT_THREADS = 2;

let loading: Promise<Ort> | null = null;

/**
 * Loads onnxruntime-node once per process. A failure (missing package, native library that does not
 * load) is a UsageError with a one-line reason ending in `hint` (what the user can do instead), and
 * the next call tries again.
 */
export function loadOrt(hint = "use --engine tfjs to run without it"): Promise<Ort> {
  loading ??= import("onnxruntime-node").then((mod) => mod as Ort);
  return loading.catch((err: unknown) => {
    loading = null;
    if (err instanceof UsageError) throw err;
    const why = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    throw new UsageError(`onnxruntime-node could not be loaded (${why}); ${hint}`);
  });
}

export interface OrtEngineOptions {
  readonly threads?: number;
}

type Session = OrtModule.InferenceSession;

/** A compiled model in onnxruntime-node, ready to run batches. Create with `loadOrtModel`; call `dispose` when done. */
export class OrtForward {
  private internals: Promise<Session> | null = null;
  private disposed = false;

  private constructor(
    private readonly model: CompiledModel,
    private readonly ort: Ort,
    private readonly session: Session,
    private readonly sessionOptions: OrtModule.InferenceSession.SessionOptions,
  ) {}

  static async create(model: CompiledModel, opts: OrtEngineOptions = {}): Promise<OrtForward> {
    const ort = await loadOrt();
    const sessionOptions: OrtModule.InferenceSession.SessionOptions = {
      executionProviders: ["cpu"],
      intraOpNumThreads: opts.threads ?? DEFAULT_ORT_THREADS,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      // Warnings (e.g. about initializers it folds away) are for graph authors, not for users.
      logSeverityLevel: 3,
    };
    const session = await createSession(ort, encodeOnnx(model), sessionOptions);
    return new OrtForward(model, ort, session, sessionOptions);
  }

  private hookedSession(): Promise<Session> {
    this.internals ??= createSession(this.ort, encodeOnnx(this.model, { withInternals: true }), this.sessionOptions);
    return this.internals;
  }

  /** Runs a batch of id sequences (`[BOS, t_1 .. t_n]` each, lengths may differ). */
  async forward(ids: readonly (readonly number[])[], opts: ForwardOptions = {}): Promise<ForwardResult> {
    if (this.disposed) throw new Error("OrtForward: used after dispose()");
    checkIds(this.model, ids);
    const { seqLen, lengths, flat } = padBatch(ids, padId(this.model));
    const tokens = new BigInt64Array(flat.length);
    for (let i = 0; i < flat.length; i++) tokens[i] = BigInt(flat[i]!);
    const session = opts.hooks ? await this.hookedSession() : this.session;
    const out = await session.run({ [ONNX_INPUT]: new this.ort.Tensor("int64", tokens, [ids.length, seqLen]) });
    const logits = out[ONNX_OUTPUT]!.data as Float32Array;
    const outputs = this.model.unembedding[0]?.length ?? 0;
    const result = { batch: ids.length, seqLen, lengths, outputs, logits };
    if (!opts.hooks) return result;
    const hooks = new Map<string, Float32Array>();
    for (const name of allHookNames(this.model)) hooks.set(name, out[name]!.data as Float32Array);
    return { ...result, hooks };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Releasing is asynchronous in ORT; nothing waits on it, and a failure there changes nothing.
    void this.session.release().catch(() => {});
    void this.internals?.then((s) => s.release()).catch(() => {});
  }
}

async function createSession(ort: Ort, bytes: Uint8Array, options: OrtModule.InferenceSession.SessionOptions): Promise<Session> {
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).split("\n")[0];
    throw new Error(`onnxruntime-node refused the exported graph: ${why}`);
  }
}

/** Starts onnxruntime-node (once) and loads a model onto it; the counterpart of loadTfjsModel. */
export async function loadOrtModel(model: CompiledModel, opts: OrtEngineOptions = {}): Promise<{ engine: OrtForward; backend: "cpu" }> {
  return { engine: await OrtForward.create(model, opts), backend: "cpu" };
}
