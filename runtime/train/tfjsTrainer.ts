// The TensorFlow.js engine: the forward pass of params.ts as ordinary tensor code, differentiated by
// tfjs's autodiff. It is the reference that the hand-derived backward of ortTrainGraph.ts is tested
// against, so it stays a plain transcription of the model; the only departures are the workarounds
// of shared/engines.md §3, each needed on the WASM backend:
//   * every matmul goes through `mm`, whose gradient transposes explicitly (XNNPACK is ~10x slower
//     with transposeA/transposeB, which tfjs's own MatMul gradient uses);
//   * the token embedding is one-hot · tok (Gather's gradient needs UnsortedSegmentSum, which WASM
//     lacks), and the one-hot is cast to float32 rather than asked for as float32 (that returns
//     wrong values on WASM).
//
// Backends: "wasm" (default; falls back to "cpu" when WASM does not start, and `backend` says so),
// "cpu" (the pure-JS backend, 40-200x slower: tiny tests only) and "tensorflow" (libtensorflow
// through @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, which are not dependencies: they are
// loaded only when asked for, and their absence is a UsageError naming the fix).
//
// tfjs has one current backend per process; a trainer switches back to its own before each call,
// so trainers on different backends (or a forward.ts engine) can coexist.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
// tfjs-core's Node bundle registers no gradient functions; this package's Node entry registers them
// all on the same tfjs-core instance.
import "@tensorflow/tfjs";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { initTfjs } from "../forward/forward.js";
import { layerWidths, sizeOf, tensorSpecs, type Geometry, type Params, type TensorSpec } from "./params.js";
import type { StepOptions, StepResult, TrainBatch, Trainer, TrainerOptions, TrainerState } from "./trainer.js";
import { ENGINE_BACKENDS, type TfjsTrainBackend } from "./backends.js";


const perm = (rank: number): number[] => (rank === 2 ? [1, 0] : [0, 2, 1]);

/** a·b (2-D, or batched 3-D) with a gradient that never asks the backend for a transposed matmul. */
const mm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [tf.matMul(dy, tf.transpose(sb, perm(sb.rank))), tf.matMul(tf.transpose(sa, perm(sa.rank)), dy)];
    },
  };
}) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Makes `name` the current backend; false when it cannot start (setBackend reports, it rarely throws). */
async function switchTo(name: string): Promise<boolean> {
  if (tf.getBackend() === name) return true;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split("\n")[0]!;

/** Loads tfjs-node(-gpu), which registers the "tensorflow" backend as a side effect of its import. */
async function loadTfjsNode(): Promise<void> {
  const reasons: string[] = [];
  for (const pkg of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    // A computed specifier, so neither TypeScript nor a bundler looks for these optional packages.
    const specifier: string = pkg;
    try {
      await import(specifier);
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // "not installed" needs no detail; a package that is there but fails (missing CUDA libraries) does.
      if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") reasons.push(`${pkg}: ${firstLine(err)}`);
    }
  }
  const why = reasons.length > 0 ? ` (${reasons.join("; ")})` : "";
  throw new UsageError(
    `the tfjs engine's tensorflow backend needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, and neither loaded${why}; install it with npm install @tensorflow/tfjs-node-gpu (needs CUDA 11.2 and cuDNN 8.1), or use --engine ort`,
  );
}

/** Starts the backend asked for and returns the one in use. */
async function startBackend(wanted: TfjsTrainBackend): Promise<string> {
  if (wanted === "tensorflow") {
    await loadTfjsNode();
    if (!(await switchTo("tensorflow"))) {
      throw new UsageError("tfjs-node loaded but its 'tensorflow' backend did not start (it must use @tensorflow/tfjs-core 4.22); use --backend wasm or --engine ort");
    }
    return "tensorflow";
  }
  // initTfjs is once per process and may already have settled on the other backend.
  await initTfjs(wanted);
  if (await switchTo(wanted)) return wanted;
  if (wanted === "wasm" && (await switchTo("cpu"))) return "cpu";
  throw new UsageError(`TensorFlow.js: the ${wanted} backend could not start`);
}

function checkGeometry(g: Geometry): void {
  if (g.outputs < 1) throw new RangeError("the model has no output columns to train");
  g.layers.forEach((layer, l) => {
    layer.heads.forEach((h, i) => {
      // A head that writes nothing has no gradient path, which tfjs's autodiff rejects; params.ts drops them.
      if (h.dValue < 1) throw new RangeError(`layer ${l} head ${i} has no value columns (such heads are left out of the geometry)`);
      if (h.dHead < 0) throw new RangeError(`layer ${l} head ${i} has a negative dHead`);
    });
  });
}

class TfjsTrainer implements Trainer {
  readonly engine = "tfjs" as const;
  private readonly specs: TensorSpec[];
  private readonly index = new Map<string, number>();
  private params: tf.Tensor[] = [];
  private velocity: tf.Tensor[] = [];
  private disposed = false;

  constructor(
    private readonly opts: TrainerOptions,
    readonly backend: string,
  ) {
    this.specs = tensorSpecs(opts.geometry);
    this.specs.forEach((s, i) => this.index.set(s.name, i));
    this.load(opts.initial);
  }

  get geometry(): Geometry {
    return this.opts.geometry;
  }

  private tensors(ps: Params, what: string): tf.Tensor[] {
    if (ps.length !== this.specs.length) throw new RangeError(`expected ${this.specs.length} ${what} tensors, got ${ps.length}`);
    ps.forEach((t, i) => {
      const s = this.specs[i]!;
      if (t.length !== sizeOf(s.shape)) throw new RangeError(`${what} ${s.name} has ${t.length} entries, expected ${sizeOf(s.shape)}`);
    });
    // A copy: the cpu backend keeps the array it is given, so the caller's later edits would leak in.
    return ps.map((t, i) => tf.tensor(new Float32Array(t), [...this.specs[i]!.shape], "float32"));
  }

  private alive(): void {
    if (this.disposed) throw new Error("TfjsTrainer: used after dispose()");
  }

  private async ensureBackend(): Promise<void> {
    if (!(await switchTo(this.backend))) throw new Error(`TfjsTrainer: the ${this.backend} backend is no longer available`);
  }

  private checkBatch(batch: { batch: number; seqLen: number; ids: Int32Array }, labels: Int32Array | null): void {
    const g = this.opts.geometry;
    const { batch: B, seqLen: T, ids } = batch;
    if (!(B >= 1 && T >= 1)) throw new RangeError(`a batch needs at least one sequence and one position (got ${B} x ${T})`);
    if (T > g.positions) throw new RangeError(`sequences of ${T} positions exceed the model's ${g.positions}`);
    if (this.opts.answerPosition >= T) throw new RangeError(`answer position ${this.opts.answerPosition} is outside sequences of ${T} positions`);
    if (ids.length !== B * T) throw new RangeError(`ids has ${ids.length} entries, expected ${B} x ${T}`);
    // tf.oneHot turns an out-of-range id into a zero row silently.
    for (const id of ids) if (!(id >= 0 && id < g.vocabRows)) throw new RangeError(`token id ${id} outside the embedding's ${g.vocabRows} rows`);
    if (labels) {
      if (labels.length !== B) throw new RangeError(`labels has ${labels.length} entries, expected ${B}`);
      for (const c of labels) if (!(c >= 0 && c < g.outputs)) throw new RangeError(`label column ${c} outside the model's ${g.outputs} outputs`);
    }
  }

  private oneHot(values: Int32Array, depth: number): tf.Tensor {
    return tf.cast(tf.oneHot(tf.tensor1d(values, "int32"), depth), "float32");
  }

  /** Logits at the answer position, [B, outputs], from parameter tensors `p` (in spec order). */
  private forward(p: readonly tf.Tensor[], onehot: tf.Tensor, B: number, T: number): tf.Tensor {
    const g = this.opts.geometry;
    const d = g.dModel;
    const N = B * T;
    const P = (name: string): tf.Tensor => {
      const i = this.index.get(name);
      if (i === undefined) throw new Error(`TfjsTrainer: no tensor ${name}`);
      return p[i]!;
    };
    const pos = tf.slice(P("pos"), [0, 0], [T, d]);
    let x = tf.reshape(tf.add(tf.reshape(mm(onehot, P("tok")), [B, T, d]), pos), [N, d]);
    g.layers.forEach((layer, l) => {
      const { sumHead, sumValue } = layerWidths(layer);
      if (sumValue > 0) {
        const q = sumHead > 0 ? mm(x, P(`l${l}.wq`)) : null;
        const k = sumHead > 0 ? mm(x, P(`l${l}.wk`)) : null;
        const v = mm(x, P(`l${l}.wv`));
        const zs: tf.Tensor[] = [];
        let qOff = 0;
        let vOff = 0;
        for (const head of layer.heads) {
          let pattern: tf.Tensor;
          if (head.dHead > 0) {
            const qh = tf.reshape(tf.slice(q!, [0, qOff], [N, head.dHead]), [B, T, head.dHead]);
            const kh = tf.reshape(tf.slice(k!, [0, qOff], [N, head.dHead]), [B, T, head.dHead]);
            pattern = tf.softmax(mm(qh, tf.transpose(kh, [0, 2, 1])));
          } else {
            // softmax of all-zero scores, without computing it: fl32(1/T) is what the softmax gives.
            pattern = tf.fill([B, T, T], 1 / T);
          }
          const vh = tf.reshape(tf.slice(v, [0, vOff], [N, head.dValue]), [B, T, head.dValue]);
          zs.push(mm(pattern, vh));
          qOff += head.dHead;
          vOff += head.dValue;
        }
        const z = tf.reshape(zs.length === 1 ? zs[0]! : tf.concat(zs, 2), [N, sumValue]);
        x = tf.add(x, mm(z, P(`l${l}.wo`)));
      }
      if (layer.mlp) {
        if (layer.hidden > 0) x = tf.add(x, mm(tf.relu(tf.add(mm(x, P(`l${l}.w1`)), P(`l${l}.b1`))), P(`l${l}.w2`)));
        x = tf.add(x, P(`l${l}.b2`));
      }
    });
    const at = tf.reshape(tf.slice(tf.reshape(x, [B, T, d]), [0, this.opts.answerPosition, 0], [B, 1, d]), [B, d]);
    return mm(at, P("unembed"));
  }

  async step(batch: TrainBatch, opts: StepOptions): Promise<StepResult> {
    this.alive();
    this.checkBatch(batch, batch.labels);
    await this.ensureBackend();
    const { batch: B, seqLen: T } = batch;
    const n = this.specs.length;
    const out = tf.tidy(() => {
      const onehot = this.oneHot(batch.ids, this.opts.geometry.vocabRows);
      const targets = this.oneHot(batch.labels, this.opts.geometry.outputs);
      const loss = (...ps: tf.Tensor[]): tf.Scalar =>
        tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(targets, tf.logSoftmax(this.forward(ps, onehot, B, T))), 1)));
      const { value, grads: raw } = tf.valueAndGrads(loss)(this.params);
      // The same global-norm clip as the ORT graph: g · min(1, clip / ‖g‖).
      const norm = tf.sqrt(tf.addN(raw.map((g) => tf.sum(tf.square(g)))));
      const grads =
        opts.clipNorm === undefined
          ? raw
          : (() => {
              const scale = tf.minimum(tf.scalar(1, "float32"), tf.div(tf.scalar(opts.clipNorm, "float32"), tf.add(norm, tf.scalar(1e-12, "float32"))));
              return raw.map((g) => tf.mul(g, scale));
            })();
      const mu = tf.scalar(opts.momentum, "float32");
      const lr = tf.scalar(opts.learningRate, "float32");
      const velocity = grads.map((g, i) => tf.add(tf.mul(mu, this.velocity[i]!), g));
      const params = velocity.map((v, i) => tf.sub(this.params[i]!, tf.mul(lr, v)));
      return [value, norm, ...params, ...velocity];
    });
    tf.dispose([...this.params, ...this.velocity]);
    this.params = out.slice(2, 2 + n);
    this.velocity = out.slice(2 + n);
    const [loss, norm] = [out[0]!, out[1]!];
    const value = (await loss.data())[0]!;
    const gradNorm = (await norm.data())[0]!;
    tf.dispose([loss, norm]);
    return { loss: value, gradNorm };
  }

  async logits(batch: Omit<TrainBatch, "labels">): Promise<Float32Array> {
    this.alive();
    this.checkBatch(batch, null);
    await this.ensureBackend();
    const out = tf.tidy(() => this.forward(this.params, this.oneHot(batch.ids, this.opts.geometry.vocabRows), batch.batch, batch.seqLen));
    try {
      // A copy: the cpu backend hands out its own storage.
      return new Float32Array(await out.data());
    } finally {
      out.dispose();
    }
  }

  state(): TrainerState {
    this.alive();
    return {
      params: this.params.map((t) => new Float32Array(t.dataSync())),
      velocity: this.velocity.map((t) => new Float32Array(t.dataSync())),
    };
  }

  load(state: TrainerState): void {
    this.alive();
    const params = this.tensors(state.params, "parameter");
    let velocity: tf.Tensor[];
    try {
      velocity = this.tensors(state.velocity, "velocity");
    } catch (err) {
      tf.dispose(params);
      throw err;
    }
    tf.dispose([...this.params, ...this.velocity]);
    this.params = params;
    this.velocity = velocity;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.params, ...this.velocity]);
    this.params = [];
    this.velocity = [];
  }
}

/** The TensorFlow.js engine. Throws a UsageError when the backend cannot start. */
export async function createTfjsTrainer(opts: TrainerOptions): Promise<Trainer> {
  const wanted = (opts.backend ?? "wasm") as TfjsTrainBackend;
  if (!ENGINE_BACKENDS.tfjs.includes(wanted)) throw new UsageError(`the tfjs engine has no backend '${wanted}'; use one of ${ENGINE_BACKENDS.tfjs.join(", ")}`);
  checkGeometry(opts.geometry);
  const { answerPosition, geometry } = opts;
  if (!(Number.isInteger(answerPosition) && answerPosition >= 0 && answerPosition < geometry.positions)) {
    throw new RangeError(`answer position ${answerPosition} is outside the model's ${geometry.positions} positions`);
  }
  const backend = await startBackend(wanted);
  return new TfjsTrainer(opts, backend);
}
