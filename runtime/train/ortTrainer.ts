// The fast training engine: the step graph of ortTrainGraph.ts on onnxruntime-node. Parameters and
// momentum live in JavaScript as ORT tensors; each step feeds them in and takes the updated ones
// out (ORT's Node binding has no device-resident I/O binding, so on CUDA they cross the bus every
// step: a few MB for compiled models, small next to the step).
//
// Backends: "cpu" (default), or "cuda" when onnxruntime-node was installed with its CUDA provider
// (`ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node`, needs CUDA 12 + cuDNN 9). ORT
// does not fall back from a provider that fails to load, so "cuda" that cannot start is an error
// naming the fix rather than a silent CPU run.
import type * as OrtModule from "onnxruntime-node";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { DEFAULT_ORT_THREADS, loadOrt } from "../forward/ortForward.js";
import { tensorSpecs, type Params, type TensorSpec } from "./params.js";
import { buildLogits, buildTrainStep, GRAD_NORM, LOGITS, LOSS, outName, TRAIN_INPUTS, velocityName, type GraphShape } from "./ortTrainGraph.js";
import type { TrainBatch, Trainer, TrainerOptions, TrainerState, StepOptions, StepResult } from "./trainer.js";
import { ENGINE_BACKENDS, type OrtBackend } from "./backends.js";

type Ort = typeof OrtModule;
type Session = OrtModule.InferenceSession;
type Tensor = OrtModule.Tensor;


/** Token one-hots [B·T, V] for the embedding matmul. */
export function oneHotIds(ids: Int32Array, rows: number): Float32Array {
  const out = new Float32Array(ids.length * rows);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= rows) throw new RangeError(`token id ${id} outside the embedding's ${rows} rows`);
    out[i * rows + id] = 1;
  }
  return out;
}

export function oneHotLabels(labels: Int32Array, outputs: number): Float32Array {
  const out = new Float32Array(labels.length * outputs);
  labels.forEach((c, i) => {
    if (c < 0 || c >= outputs) throw new RangeError(`label column ${c} outside the model's ${outputs} outputs`);
    out[i * outputs + c] = 1;
  });
  return out;
}

class OrtTrainer implements Trainer {
  readonly engine = "ort" as const;
  private readonly steps = new Map<string, Promise<Session>>();
  private readonly evals = new Map<string, Promise<Session>>();
  private params: Tensor[];
  private velocity: Tensor[];
  private readonly specs: TensorSpec[];
  private disposed = false;

  constructor(
    private readonly ort: Ort,
    private readonly opts: TrainerOptions,
    readonly backend: OrtBackend,
    private readonly sessionOptions: OrtModule.InferenceSession.SessionOptions,
  ) {
    this.specs = tensorSpecs(opts.geometry);
    this.params = this.tensors(opts.initial.params);
    this.velocity = this.tensors(opts.initial.velocity);
  }

  get geometry() {
    return this.opts.geometry;
  }

  private tensors(ps: Params): Tensor[] {
    if (ps.length !== this.specs.length) throw new Error(`expected ${this.specs.length} parameter tensors, got ${ps.length}`);
    return ps.map((t, i) => new this.ort.Tensor("float32", t.slice(), [...this.specs[i]!.shape]));
  }

  private session(cache: Map<string, Promise<Session>>, shape: GraphShape, build: typeof buildTrainStep): Promise<Session> {
    const key = `${shape.batch}x${shape.seqLen}`;
    let s = cache.get(key);
    if (!s) {
      s = this.ort.InferenceSession.create(build(this.opts.geometry, shape), this.sessionOptions);
      cache.set(key, s);
    }
    return s;
  }

  private shapeOf(batch: { batch: number; seqLen: number }): GraphShape {
    if (batch.seqLen > this.opts.geometry.positions) throw new RangeError(`sequences of ${batch.seqLen} positions exceed the model's ${this.opts.geometry.positions}`);
    return { batch: batch.batch, seqLen: batch.seqLen, answerPosition: this.opts.answerPosition };
  }

  async step(batch: TrainBatch, opts: StepOptions): Promise<StepResult> {
    if (this.disposed) throw new Error("OrtTrainer: used after dispose()");
    const session = await this.session(this.steps, this.shapeOf(batch), buildTrainStep);
    const { geometry } = this.opts;
    const feeds: Record<string, Tensor> = {
      [TRAIN_INPUTS.onehot]: new this.ort.Tensor("float32", oneHotIds(batch.ids, geometry.vocabRows), [batch.batch * batch.seqLen, geometry.vocabRows]),
      [TRAIN_INPUTS.labels]: new this.ort.Tensor("float32", oneHotLabels(batch.labels, geometry.outputs), [batch.batch, geometry.outputs]),
      [TRAIN_INPUTS.lr]: new this.ort.Tensor("float32", Float32Array.of(opts.learningRate), []),
      [TRAIN_INPUTS.mu]: new this.ort.Tensor("float32", Float32Array.of(opts.momentum), []),
      [TRAIN_INPUTS.clip]: new this.ort.Tensor("float32", Float32Array.of(opts.clipNorm ?? Infinity), []),
    };
    this.specs.forEach((s, i) => {
      feeds[s.name] = this.params[i]!;
      feeds[velocityName(s.name)] = this.velocity[i]!;
    });
    const out = await session.run(feeds);
    this.params = this.specs.map((s) => out[outName(s.name)]!);
    this.velocity = this.specs.map((s) => out[outName(velocityName(s.name))]!);
    return { loss: (out[LOSS]!.data as Float32Array)[0]!, gradNorm: (out[GRAD_NORM]!.data as Float32Array)[0]! };
  }

  async logits(batch: { batch: number; seqLen: number; ids: Int32Array }): Promise<Float32Array> {
    if (this.disposed) throw new Error("OrtTrainer: used after dispose()");
    const session = await this.session(this.evals, this.shapeOf(batch), buildLogits);
    const { geometry } = this.opts;
    const feeds: Record<string, Tensor> = {
      [TRAIN_INPUTS.onehot]: new this.ort.Tensor("float32", oneHotIds(batch.ids, geometry.vocabRows), [batch.batch * batch.seqLen, geometry.vocabRows]),
    };
    this.specs.forEach((s, i) => (feeds[s.name] = this.params[i]!));
    const out = await session.run(feeds);
    return (out[LOGITS]!.data as Float32Array).slice();
  }

  state(): TrainerState {
    return {
      params: this.params.map((t) => (t.data as Float32Array).slice()),
      velocity: this.velocity.map((t) => (t.data as Float32Array).slice()),
    };
  }

  load(state: TrainerState): void {
    this.params = this.tensors(state.params);
    this.velocity = this.tensors(state.velocity);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of [...this.steps.values(), ...this.evals.values()]) void s.then((x) => x.release()).catch(() => {});
  }
}

/** The ORT engine. Throws a UsageError when the backend cannot start. */
export async function createOrtTrainer(opts: TrainerOptions): Promise<Trainer> {
  const backend = (opts.backend ?? "cpu") as OrtBackend;
  if (!ENGINE_BACKENDS.ort.includes(backend)) throw new UsageError(`the ort engine has no backend '${backend}'; use one of ${ENGINE_BACKENDS.ort.join(", ")}`);
  const ort = await loadOrt("use --engine tfjs to train without it");
  const sessionOptions: OrtModule.InferenceSession.SessionOptions = {
    executionProviders: [backend],
    intraOpNumThreads: opts.threads && opts.threads > 0 ? opts.threads : DEFAULT_ORT_THREADS,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  };
  const trainer = new OrtTrainer(ort, opts, backend, sessionOptions);
  if (backend === "cuda") {
    // Start a session now, so a missing CUDA provider is reported before any run folder is written.
    try {
      await trainer.logits({ batch: 1, seqLen: 2, ids: Int32Array.of(0, 0) });
    } catch (err) {
      const why = (err instanceof Error ? err.message : String(err)).split("\n")[0];
      throw new UsageError(
        `onnxruntime-node's CUDA provider did not start (${why}); install it with ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node (CUDA 12 and cuDNN 9 needed), or use --backend cpu`,
      );
    }
  }
  return trainer;
}
