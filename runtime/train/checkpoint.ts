// Checkpoints: parameters, momentum and the loop's counters, written atomically (temp file, then
// rename), so a killed run leaves either the previous checkpoint or the new one, never half of one.
// Floats are stored as base64 of their little-endian float32 bytes: exact, so a resumed run
// continues from bit-identical state.
import { createHash } from "node:crypto";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { readBoundedText } from "../../compiler/common/boundedRead.js";
import { tensorSpecs, sizeOf, type Geometry, type Params } from "./params.js";
import type { TrainerState } from "./trainer.js";
import { gradCountersFrom, type GradCounters } from "./gradStats.js";

export const CHECKPOINT_FORMAT = "raspc-checkpoint";
/** Two float32 tensors per parameter, in base64: as large as the biggest model file allowed. */
const MAX_CHECKPOINT_BYTES = 512 * 1024 * 1024;

export interface LoopCounters {
  /** Steps taken so far. */
  readonly step: number;
  /** Training loss summed since the last metrics record, and how many steps that covers. */
  readonly lossSum: number;
  readonly lossCount: number;
  /** Gradient-norm sums since the last metrics record (gradStats.ts). */
  readonly grad: GradCounters;
  /** Lines of metrics.jsonl that belong to steps up to `step`. */
  readonly metricsLines: number;
}

export interface Checkpoint extends LoopCounters {
  readonly fingerprint: string;
  readonly state: TrainerState;
}

export function toBase64(t: Float32Array): string {
  const bytes = new Uint8Array(t.length * 4);
  const view = new DataView(bytes.buffer);
  t.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return Buffer.from(bytes).toString("base64");
}

export function fromBase64(text: string, length: number, where: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  if (bytes.length !== length * 4) throw new UsageError(`${where}: expected ${length} floats, found ${bytes.length / 4}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length }, (_, i) => view.getFloat32(i * 4, true));
}

/** What identifies a model for checkpoints: its geometry and its compiled weights. */
export function modelFingerprint(geometry: Geometry, params: Params): string {
  const h = createHash("sha256");
  h.update(JSON.stringify(geometry));
  for (const t of params) h.update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  return h.digest("hex").slice(0, 16);
}

export function writeCheckpoint(file: string, geometry: Geometry, ckpt: Checkpoint): void {
  const specs = tensorSpecs(geometry);
  const named = (ps: Params) => Object.fromEntries(specs.map((s, i) => [s.name, toBase64(ps[i]!)]));
  const { state, ...rest } = ckpt;
  writeFileAtomic(file, JSON.stringify({ format: CHECKPOINT_FORMAT, version: 1, ...rest, params: named(state.params), velocity: named(state.velocity) }));
}

/** Reads a checkpoint; a file for another model (or not a checkpoint) is a UsageError naming it. */
export function readCheckpoint(file: string, geometry: Geometry, fingerprint: string): Checkpoint {
  let raw: unknown;
  try {
    raw = JSON.parse(readBoundedText(file, "a raspc checkpoint", MAX_CHECKPOINT_BYTES));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${file}: cannot read checkpoint: not valid JSON`);
  }
  const c = raw as Record<string, unknown>;
  if (typeof c !== "object" || c === null || c.format !== CHECKPOINT_FORMAT) throw new UsageError(`${file}: not a raspc checkpoint`);
  if (c.fingerprint !== fingerprint) {
    throw new UsageError(`${file}: the checkpoint is from a different model (fingerprint ${String(c.fingerprint)}, this run's model is ${fingerprint})`);
  }
  const specs = tensorSpecs(geometry);
  const read = (key: "params" | "velocity"): Params => {
    const block = c[key] as Record<string, string> | undefined;
    return specs.map((s) => {
      const text = block?.[s.name];
      if (typeof text !== "string") throw new UsageError(`${file}: ${key}.${s.name} is missing`);
      return fromBase64(text, sizeOf(s.shape), `${file}: ${key}.${s.name}`);
    });
  };
  const int = (key: string): number => {
    const v = c[key];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new UsageError(`${file}: ${key} must be a non-negative integer`);
    return v;
  };
  if (typeof c.lossSum !== "number") throw new UsageError(`${file}: lossSum must be a number`);
  return { fingerprint, step: int("step"), lossSum: c.lossSum, lossCount: int("lossCount"), grad: gradCountersFrom(c.grad), metricsLines: int("metricsLines"), state: { params: read("params"), velocity: read("velocity") } };
}
