// Runs one training-step graph of runtime/autodiff/step.ts by hand, with its gradients as extra
// outputs, so tests can compare loss, gradients, norm and updated state with another framework.
import { openSession, ortTensor } from "../../runtime/autodiff/onnx.js";
import { buildTrainStep, gradName, optimizerSlots, outName, stateName, STEP_IO, type LossSpec, type OptimizerSpec } from "../../runtime/autodiff/step.js";
import type { ModelDescription } from "../../runtime/models/model.js";

export interface OneStep {
  readonly loss: number;
  readonly gradNorm: number;
  readonly grads: Float32Array[];
  readonly params: Float32Array[];
  readonly slots: Record<string, Float32Array[]>;
}

export interface OneStepInput {
  readonly model: ModelDescription;
  readonly optimizer: OptimizerSpec;
  readonly loss: LossSpec;
  readonly params: Float32Array[];
  readonly slots: Record<string, Float32Array[]>;
  readonly batch: number;
  readonly seqLen: number;
  readonly ids: readonly number[];
  readonly labels?: readonly number[];
  readonly targets?: readonly number[];
  readonly lr: number;
  readonly step?: number;
  readonly momentum?: number;
  readonly clip?: number;
  readonly clipEpsilon?: number;
}

export async function runOneStep(s: OneStepInput): Promise<OneStep> {
  const built = buildTrainStep({ model: s.model, batch: s.batch, seqLen: s.seqLen, loss: s.loss, optimizer: s.optimizer, clipEpsilon: s.clipEpsilon ?? 1e-6, emitGradients: true });
  const { ort, session } = await openSession(built.graph, built.outputs, { threads: 1 });
  try {
    const f32 = (v: number) => ortTensor(ort, "float32", [v], []);
    const feeds: Record<string, ReturnType<typeof f32>> = {
      [STEP_IO.ids]: ortTensor(ort, "int64", s.ids, [s.batch, s.seqLen]),
      [STEP_IO.lr]: f32(s.lr),
      [STEP_IO.clip]: f32(s.clip ?? Infinity),
    };
    if (s.labels) feeds[STEP_IO.labels] = ortTensor(ort, "int64", s.labels, [s.batch]);
    if (s.targets) feeds[STEP_IO.targets] = ortTensor(ort, "int64", s.targets, [s.batch, s.seqLen]);
    if (s.optimizer.kind === "sgd") feeds[STEP_IO.momentum] = f32(s.momentum ?? 0);
    else feeds[STEP_IO.step] = f32(s.step ?? 1);
    const slots = optimizerSlots(s.optimizer);
    s.model.params.forEach((p, i) => {
      feeds[p.name] = ortTensor(ort, "float32", s.params[i]!, p.shape);
      for (const slot of slots) feeds[stateName(p.name, slot)] = ortTensor(ort, "float32", s.slots[slot]![i]!, p.shape);
    });
    const out = await session.run(feeds);
    const get = (name: string) => (out[name]!.data as Float32Array).slice();
    return {
      loss: get(STEP_IO.loss)[0]!,
      gradNorm: get(STEP_IO.gradNorm)[0]!,
      grads: s.model.params.map((p) => get(gradName(p.name))),
      params: s.model.params.map((p) => get(outName(p.name))),
      slots: Object.fromEntries(slots.map((slot) => [slot, s.model.params.map((p) => get(outName(stateName(p.name, slot))))])),
    };
  } finally {
    await session.release();
  }
}

/** max |a − b| / max |b| (a relative error that a tensor of near-zero entries does not inflate). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
