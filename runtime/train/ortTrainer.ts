// The fast training engine: the compiled transformer's description (runtime/models/
// compiledTransformer.ts) differentiated by runtime/autodiff, with the answer-position loss, the
// global-norm clip and SGD with momentum, as one ONNX graph per step on onnxruntime-node
// (runtime/train/graphTrainer.ts runs it). tfjsTrainer.ts is the autodiff reference it is tested against.
//
// Backends: "cpu" (default), or "cuda" when onnxruntime-node was installed with its CUDA provider
// (`ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node`, needs CUDA 12 + cuDNN 9). ORT
// does not fall back from a provider that fails to load, so "cuda" that cannot start is an error
// naming the fix rather than a silent CPU run.
import { UsageError } from "../../compiler/language/diagnostics.js";
import { compiledTransformer } from "../models/compiledTransformer.js";
import { loadOrt } from "../forward/ortForward.js";
import { ENGINE_BACKENDS, type OrtBackend } from "./backends.js";
import { GraphTrainer } from "./graphTrainer.js";
import type { Geometry } from "./params.js";
import type { StepOptions, StepResult, TrainBatch, Trainer, TrainerOptions, TrainerState } from "./trainer.js";

/** The clip coefficient is clip/(‖g‖ + ε); the lab's runs were made with this ε. */
const CLIP_EPSILON = 1e-12;

class OrtTrainer implements Trainer {
  readonly engine = "ort" as const;

  constructor(
    private readonly inner: GraphTrainer,
    readonly geometry: Geometry,
    private readonly answerPosition: number,
    readonly backend: OrtBackend,
  ) {}

  step(batch: TrainBatch, opts: StepOptions): Promise<StepResult> {
    return this.inner.step(batch, { learningRate: opts.learningRate, momentum: opts.momentum, ...(opts.clipNorm !== undefined ? { clipNorm: opts.clipNorm } : {}) });
  }

  logits(batch: Omit<TrainBatch, "labels">): Promise<Float32Array> {
    return this.inner.logits(batch, this.answerPosition);
  }

  state(): TrainerState {
    const s = this.inner.state();
    return { params: s.params, velocity: s.slots.vel! };
  }

  load(state: TrainerState): void {
    this.inner.load({ params: state.params, slots: { vel: state.velocity } });
  }

  dispose(): void {
    this.inner.dispose();
  }
}

/** The ORT engine. Throws a UsageError when the backend cannot start. */
export async function createOrtTrainer(opts: TrainerOptions): Promise<Trainer> {
  const backend = (opts.backend ?? "cpu") as OrtBackend;
  if (!ENGINE_BACKENDS.ort.includes(backend)) throw new UsageError(`the ort engine has no backend '${backend}'; use one of ${ENGINE_BACKENDS.ort.join(", ")}`);
  const ort = await loadOrt("use --engine tfjs to train without it");
  const inner = new GraphTrainer(ort, {
    model: compiledTransformer(opts.geometry),
    optimizer: { kind: "sgd" },
    loss: { kind: "answer", position: opts.answerPosition },
    initial: { params: opts.initial.params, slots: { vel: opts.initial.velocity } },
    clipEpsilon: CLIP_EPSILON,
    session: { executionProviders: [backend], ...(opts.threads && opts.threads > 0 ? { threads: opts.threads } : {}) },
  });
  const trainer = new OrtTrainer(inner, opts.geometry, opts.answerPosition, backend);
  if (backend === "cuda") {
    // Start a session now, so a missing CUDA provider is reported before any run folder is written.
    try {
      await trainer.logits({ batch: 1, seqLen: 2, ids: Int32Array.of(0, 0) });
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split("\n")[0];
      throw new UsageError(
        `onnxruntime-node's CUDA provider did not start (${why}); install it with ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node (CUDA 12 and cuDNN 9 needed), or use the cpu backend`,
      );
    }
  }
  return trainer;
}
