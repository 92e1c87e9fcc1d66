// Runs the training-step graphs of runtime/autodiff/step.ts for any model description on
// onnxruntime-node: holds the parameters and the optimiser state as ORT tensors, opens one session
// per batch shape (and per loss), feeds the state in and takes the updated state out each step.
// The compiled-model engine (ortTrainer.ts) and the gpt trainer are thin layers over this.
import { openSession, ortTensor, type Ort, type OrtSession, type OrtTensor, type SessionSettings } from "../autodiff/onnx.js";
import { buildLogits, buildTrainStep, dropoutName, optimizerSlots, outName, stateName, STEP_IO, type LossSpec, type OptimizerSpec, type StepShape } from "../autodiff/step.js";
import type { ModelDescription } from "../models/model.js";
import type { Rng } from "../random.js";

export interface GraphTrainerState {
  readonly params: Float32Array[];
  /** Optimiser state by slot ("vel" for SGD; "m", "v" for AdamW), one tensor per parameter. */
  readonly slots: Readonly<Record<string, Float32Array[]>>;
}

export interface StepScalars {
  readonly learningRate: number;
  /** SGD momentum μ. */
  readonly momentum?: number;
  /** 1-based step number (AdamW's bias correction). */
  readonly step?: number;
  /** Global gradient-norm clip; absent: none. */
  readonly clipNorm?: number;
  /** Draws this step's dropout masks (needed when the trainer's dropout is above 0). */
  readonly dropoutRng?: Rng;
}

export interface StepBatch extends StepShape {
  /** [batch, seqLen] token ids. */
  readonly ids: Int32Array;
  /** [batch] label columns (answer loss). */
  readonly labels?: Int32Array;
  /** [batch, seqLen] next-token targets, -1 where ignored (next-token loss). */
  readonly targets?: Int32Array;
  /** Float inputs a description's forward declares itself, by name (a linear probe's activations). */
  readonly inputs?: FloatInputs;
}

/** Float graph inputs by name, row-major in the shape the forward declared. */
export type FloatInputs = Readonly<Record<string, { readonly data: Float32Array; readonly shape: readonly number[] }>>;

export interface StepOutcome {
  readonly loss: number;
  /** Global L2 norm of the gradient before clipping. */
  readonly gradNorm: number;
}

export interface GraphTrainerOptions {
  readonly model: ModelDescription;
  readonly optimizer: OptimizerSpec;
  readonly loss: LossSpec;
  readonly initial: GraphTrainerState;
  readonly clipEpsilon: number;
  readonly session?: SessionSettings;
  /** Dropout probability; with p > 0 each step's masks are drawn from its `dropoutRng`. */
  readonly dropout?: number;
}

/** Int32 ids as int64 without a BigInt per entry (5x faster, which shows on small models): the
 * low word is the value, the high word its sign (little-endian, as every platform ORT runs on). */
function int64(a: Int32Array): BigInt64Array {
  const out = new BigInt64Array(a.length);
  const words = new Int32Array(out.buffer);
  for (let i = 0; i < a.length; i++) {
    words[2 * i] = a[i]!;
    words[2 * i + 1] = a[i]! < 0 ? -1 : 0;
  }
  return out;
}

export class GraphTrainer {
  private readonly steps = new Map<string, Promise<{ session: OrtSession; sites: ReadonlyMap<string, readonly number[]> }>>();
  private readonly evals = new Map<string, Promise<OrtSession>>();
  private params: OrtTensor[] = [];
  private slots: Record<string, OrtTensor[]> = {};
  private readonly slotNames: readonly string[];
  private disposed = false;

  constructor(
    private readonly ort: Ort,
    readonly opts: GraphTrainerOptions,
  ) {
    this.slotNames = optimizerSlots(opts.optimizer);
    this.load(opts.initial);
  }

  get model(): ModelDescription {
    return this.opts.model;
  }

  private tensors(ps: readonly Float32Array[], what: string): OrtTensor[] {
    const specs = this.opts.model.params;
    if (ps.length !== specs.length) throw new RangeError(`expected ${specs.length} ${what} tensors, got ${ps.length}`);
    return ps.map((t, i) => {
      const s = specs[i]!;
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (t.length !== n) throw new RangeError(`${what} ${s.name} has ${t.length} entries, expected ${n}`);
      return new this.ort.Tensor("float32", t.slice(), [...s.shape]);
    });
  }

  private checkBatch(b: StepBatch): void {
    const m = this.opts.model;
    if (!(b.batch >= 1 && b.seqLen >= 1)) throw new RangeError(`a batch needs at least one sequence and one position (got ${b.batch} x ${b.seqLen})`);
    if (b.seqLen > m.maxSeqLen) throw new RangeError(`sequences of ${b.seqLen} positions exceed the model's ${m.maxSeqLen}`);
    if (b.ids.length !== b.batch * b.seqLen) throw new RangeError(`ids has ${b.ids.length} entries, expected ${b.batch} x ${b.seqLen}`);
    for (const id of b.ids) if (!(id >= 0 && id < m.vocabRows)) throw new RangeError(`token id ${id} outside the embedding's ${m.vocabRows} rows`);
  }

  private stepSession(shape: StepShape) {
    const key = `${shape.batch}x${shape.seqLen}`;
    let s = this.steps.get(key);
    if (!s) {
      const dropout = (this.opts.dropout ?? 0) > 0;
      const built = buildTrainStep({ model: this.opts.model, batch: shape.batch, seqLen: shape.seqLen, loss: this.opts.loss, optimizer: this.opts.optimizer, clipEpsilon: this.opts.clipEpsilon, dropout });
      s = openSession(built.graph, built.outputs, this.opts.session).then(({ session }) => ({ session, sites: built.dropoutSites }));
      this.steps.set(key, s);
      s.catch(() => this.steps.delete(key));
    }
    return s;
  }

  async step(batch: StepBatch, scalars: StepScalars): Promise<StepOutcome> {
    if (this.disposed) throw new Error("GraphTrainer: used after dispose()");
    this.checkBatch(batch);
    const { session, sites } = await this.stepSession(batch);
    const m = this.opts.model;
    const scalar = (v: number) => new this.ort.Tensor("float32", Float32Array.of(v), []);
    const feeds: Record<string, OrtTensor> = {
      [STEP_IO.ids]: ortTensor(this.ort, "int64", int64(batch.ids), [batch.batch, batch.seqLen]),
      [STEP_IO.lr]: scalar(scalars.learningRate),
      [STEP_IO.clip]: scalar(scalars.clipNorm ?? Infinity),
    };
    if (this.opts.loss.kind === "answer") {
      if (!batch.labels || batch.labels.length !== batch.batch) throw new RangeError(`labels must have ${batch.batch} entries`);
      for (const c of batch.labels) if (!(c >= 0 && c < m.outputs)) throw new RangeError(`label column ${c} outside the model's ${m.outputs} outputs`);
      feeds[STEP_IO.labels] = ortTensor(this.ort, "int64", int64(batch.labels), [batch.batch]);
    } else {
      if (!batch.targets || batch.targets.length !== batch.batch * batch.seqLen) throw new RangeError(`targets must have ${batch.batch} x ${batch.seqLen} entries`);
      for (const c of batch.targets) if (!(c === -1 || (c >= 0 && c < m.outputs))) throw new RangeError(`target ${c} outside the model's ${m.outputs} outputs (use -1 to ignore a position)`);
      feeds[STEP_IO.targets] = ortTensor(this.ort, "int64", int64(batch.targets), [batch.batch, batch.seqLen]);
    }
    this.feedInputs(feeds, batch.inputs);
    if (this.opts.optimizer.kind === "sgd") feeds[STEP_IO.momentum] = scalar(scalars.momentum ?? 0);
    else {
      if (!(scalars.step !== undefined && Number.isInteger(scalars.step) && scalars.step >= 1)) throw new RangeError("AdamW needs the 1-based step number");
      feeds[STEP_IO.step] = scalar(scalars.step);
    }
    const p = this.opts.dropout ?? 0;
    for (const [site, shape] of sites) {
      const rng = scalars.dropoutRng;
      if (!rng) throw new Error("GraphTrainer: dropout needs the step's dropoutRng");
      const keep = 1 / (1 - p);
      const mask = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng.next() < p ? 0 : keep));
      feeds[dropoutName(site)] = new this.ort.Tensor("float32", mask, [...shape]);
    }
    m.params.forEach((s, i) => {
      feeds[s.name] = this.params[i]!;
      for (const slot of this.slotNames) feeds[stateName(s.name, slot)] = this.slots[slot]![i]!;
    });
    const out = await session.run(feeds);
    this.params = m.params.map((s) => out[outName(s.name)]!);
    for (const slot of this.slotNames) this.slots[slot] = m.params.map((s) => out[outName(stateName(s.name, slot))]!);
    return { loss: (out[STEP_IO.loss]!.data as Float32Array)[0]!, gradNorm: (out[STEP_IO.gradNorm]!.data as Float32Array)[0]! };
  }

  private feedInputs(feeds: Record<string, OrtTensor>, inputs: FloatInputs | undefined): void {
    for (const [name, t] of Object.entries(inputs ?? {})) {
      if (name in feeds || this.opts.model.params.some((p) => p.name === name)) throw new RangeError(`input ${name} has the name of one of the step's own inputs`);
      feeds[name] = new this.ort.Tensor("float32", t.data, [...t.shape]);
    }
  }

  /** Logits [batch, outputs] at `position`, or [batch·seqLen, outputs] at every position (null). */
  async logits(batch: StepShape & { ids: Int32Array; inputs?: FloatInputs }, position: number | null): Promise<Float32Array> {
    if (this.disposed) throw new Error("GraphTrainer: used after dispose()");
    this.checkBatch(batch);
    if (position !== null && !(position >= 0 && position < batch.seqLen)) throw new RangeError(`answer position ${position} is outside sequences of ${batch.seqLen} positions`);
    const key = `${batch.batch}x${batch.seqLen}@${position}`;
    let s = this.evals.get(key);
    if (!s) {
      const built = buildLogits(this.opts.model, batch, position);
      s = openSession(built.graph, built.outputs, this.opts.session).then((r) => r.session);
      this.evals.set(key, s);
      s.catch(() => this.evals.delete(key));
    }
    const session = await s;
    const feeds: Record<string, OrtTensor> = { [STEP_IO.ids]: ortTensor(this.ort, "int64", int64(batch.ids), [batch.batch, batch.seqLen]) };
    this.feedInputs(feeds, batch.inputs);
    this.opts.model.params.forEach((p, i) => (feeds[p.name] = this.params[i]!));
    const out = await session.run(feeds);
    return (out[STEP_IO.logits]!.data as Float32Array).slice();
  }

  state(): GraphTrainerState {
    const copy = (ts: OrtTensor[]) => ts.map((t) => (t.data as Float32Array).slice());
    return { params: copy(this.params), slots: Object.fromEntries(this.slotNames.map((s) => [s, copy(this.slots[s]!)])) };
  }

  load(state: GraphTrainerState): void {
    const params = this.tensors(state.params, "parameter");
    const slots: Record<string, OrtTensor[]> = {};
    for (const slot of this.slotNames) {
      const values = state.slots[slot];
      if (!values) throw new RangeError(`the optimizer state has no '${slot}' tensors`);
      slots[slot] = this.tensors(values, slot);
    }
    this.params = params;
    this.slots = slots;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const s of this.steps.values()) void s.then((x) => x.session.release()).catch(() => {});
    for (const s of this.evals.values()) void s.then((x) => x.release()).catch(() => {});
  }
}

