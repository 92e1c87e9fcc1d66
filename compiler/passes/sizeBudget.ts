// The size budget: a compiled model's parameter count, known exactly from the placed blocks before
// a single weight matrix is allocated. Assembly builds dense matrices (a d_model × d_model-ish set
// per layer), so a long chain of attention layers grows as layers × d_model² and a 2,000-layer
// program reached 3 GB of memory and a 273 MB file before this check. Past the budget the compiler
// refuses, naming the size and the option that raises it.
import { UsageError } from "../language/diagnostics.js";
import type { HeadSpec, MlpSpec } from "../craft/residual.js";
import type { SOpInfo } from "./valueSets.js";

/** The default budget: 50 million parameters is a model file of roughly 100-250 MB of JSON. */
export const DEFAULT_MAX_PARAMS = 50_000_000;

/** The residual width: `one`, `tokens:BOS`, one direction per value (one per numerical s-op), scratch. */
export function residualWidth(infos: ReadonlyMap<number, SOpInfo>, scratch: number): number {
  let d = 2 + scratch;
  for (const info of infos.values()) d += info.encoding === "numerical" ? 1 : info.values.filter((v) => v !== null).length;
  return d;
}

export interface ModelShape {
  readonly dModel: number;
  readonly layers: number;
  readonly vocab: number;
  readonly maxLen: number;
  readonly heads: ReadonlyMap<number, readonly HeadSpec[]>;
  readonly mlps: ReadonlyMap<number, readonly MlpSpec[]>;
  /** Columns of the unembedding: 1 for a numerical output, else one per output value other than None. */
  readonly outputs: number;
}

/** Every weight and bias assembly will allocate (as modelStats counts them afterwards). */
export function parameterCount(s: ModelShape): number {
  const d = s.dModel;
  let n = (s.vocab + 2) * d + (s.maxLen + 1) * d + d * s.outputs;
  for (let l = 0; l < s.layers; l++) {
    const heads = s.heads.get(l) ?? [];
    for (const h of heads) n += 2 * d * h.dHead + 2 * d * h.dValue;
    // Assembly adds one unit that cancels what the heads leave at BOS.
    const hidden = (s.mlps.get(l) ?? []).reduce((a, p) => a + p.hidden, 0) + (heads.some((h) => h.bosWrites.length > 0) ? 1 : 0);
    if (hidden > 0) n += 2 * d * hidden + hidden + d;
  }
  return n;
}

/** Throws a one-line UsageError when the model would have more than `maxParams` parameters. */
export function checkSizeBudget(s: ModelShape, maxParams: number): void {
  const n = parameterCount(s);
  if (n <= maxParams) return;
  const f = (x: number) => x.toLocaleString("en-US");
  throw new UsageError(
    `the compiled model would have ${f(n)} parameters (${f(s.layers)} layer${s.layers === 1 ? "" : "s"}, d_model ${f(s.dModel)}), over the budget of ${f(maxParams)}; raise it with --max-params if you mean it`,
  );
}
