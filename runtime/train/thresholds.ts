// "Iterations to X%" read two ways from a run's metrics records: the first record at which the
// accuracy reaches X (a crossing, which a run can fall back from: a reFT run that touches 90% at
// step 150 and ends at 59%), and the first record from which it stays at or above X to the end (held
// to the end, what the tables report). A run whose last record is below X has held nothing.
import type { AccuracyKey, MetricsRecord } from "./loop.js";

/** Accuracies are fractions of a test set; this absorbs float noise in "reached 100%". */
const EPS = 1e-12;

/** The first recorded step at which `key` reached `level`, or null. */
export function firstCrossing(records: readonly Pick<MetricsRecord, "step" | "acc">[], key: AccuracyKey, level: number): number | null {
  return records.find((r) => r.acc[key] >= level - EPS)?.step ?? null;
}

/** The first recorded step from which `key` stays at or above `level` through the last record, or null. */
export function heldFrom(records: readonly Pick<MetricsRecord, "step" | "acc">[], key: AccuracyKey, level: number): number | null {
  let from: number | null = null;
  for (const r of records) {
    if (r.acc[key] >= level - EPS) from ??= r.step;
    else from = null;
  }
  return from;
}
