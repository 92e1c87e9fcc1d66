// Activation patching (`raspc patch`): run a recipient model with one component's activation taken
// from a donor run, and measure what that does to a logit difference at the answer position.
//   - Within one model (donor = recipient, different inputs): the clean input's activation patched
//     into the corrupted run ("denoising") or the corrupted one into the clean run ("noising").
//   - Across two models of one geometry on the same inputs (CMAP, Chhabra et al. 2024, sections 2-5
//     and appendix K): a head's attention pattern or its output from the donor run inside the
//     recipient, e.g. a fine-tuned model's heads inside the compiled one.
// A component is one head (what of it is patched: its pattern, the `z` columns it contributes to
// hook_z, which the recipient's W_O then reads, or its `out`put z_h·W_O[h] as the donor computes it,
// swapped into hook_attn_out) or one layer's MLP output (hook_mlp_out). Patches cover every position.
//
// Exactness the tests rely on: a component patched from a run identical to the recipient's leaves
// every logit bit-for-bit unchanged (overrides carry the recipient's own float32 values; a head's
// `out` is swapped as attn_out + (c_donor − c_recipient), whose difference is exactly 0 then); and
// `patchEverything` (embeddings and every attention and MLP output of the donor) gives the recipient
// the donor's residual stream, so its logits are the donor's when the unembeddings are one.
import { hookNames } from "../../compiler/model/hooks.js";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { headsOf, runHooked, type HeadInfo, type HookTensor, type HookedModel, type HookedRun } from "./hookedModel.js";

/** What of a head is patched. */
export type HeadPart = "pattern" | "z" | "out";
export const HEAD_PARTS: readonly HeadPart[] = ["pattern", "z", "out"];

export type Component = { readonly kind: "head"; readonly head: HeadInfo } | { readonly kind: "mlp"; readonly layer: number };

/** `L0H0 count_a`, `L0 MLP`. */
export function componentName(c: Component): string {
  return c.kind === "head" ? `L${c.head.layer}H${c.head.head} ${c.head.label}` : `L${c.layer} MLP`;
}

/** Every head, then the layer's MLP, layer by layer. */
export function componentsOf(m: HookedModel): Component[] {
  const heads = headsOf(m);
  const out: Component[] = [];
  m.geometry.layers.forEach((layer, l) => {
    for (const head of heads[l]!) out.push({ kind: "head", head });
    if (layer.mlp) out.push({ kind: "mlp", layer: l });
  });
  return out;
}

/** Every hook a patch of any component reads, in forward order. */
function patchHooks(m: HookedModel): string[] {
  const heads = headsOf(m);
  const names: string[] = [hookNames.embed, hookNames.posEmbed];
  m.geometry.layers.forEach((layer, l) => {
    if (heads[l]!.length > 0) names.push(hookNames.pattern(l), hookNames.z(l), hookNames.attnOut(l));
    if (layer.mlp) names.push(hookNames.mlpOut(l));
  });
  return names;
}

export interface PatchCase {
  /** The model whose run is patched, and its inputs. */
  readonly recipient: HookedModel;
  readonly recipientIds: readonly (readonly number[])[];
  /** Where the patched-in activations come from (the recipient itself for patching between inputs). */
  readonly donor: HookedModel;
  readonly donorIds: readonly (readonly number[])[];
  /** The model position (BOS = 0) whose logits are read. */
  readonly position: number;
  /** Per sequence, the columns of the measured difference logit[plus] − logit[minus]. */
  readonly plus: readonly number[];
  readonly minus: readonly number[];
}

export interface PatchResult {
  readonly components: readonly Component[];
  /** Per sequence: the difference in the recipient's and the donor's own runs. */
  readonly recipient: Float64Array;
  readonly donor: Float64Array;
  /** Per sequence: the argmax at the position in the recipient's and the donor's own runs. */
  readonly recipientAnswer: Int32Array;
  readonly donorAnswer: Int32Array;
  /** [component][sequence]: the recipient's difference with that component patched. */
  readonly patched: readonly Float64Array[];
  /** [component][sequence]: the recipient's argmax with that component patched. */
  readonly patchedAnswer: readonly Int32Array[];
}

/** logit[plus] − logit[minus] at `position`, per sequence. */
export function logitDifference(logits: HookTensor, position: number, plus: readonly number[], minus: readonly number[]): Float64Array {
  const [B, T, O] = logits.shape as [number, number, number];
  return Float64Array.from({ length: B }, (_, b) => {
    const at = (b * T + position) * O;
    return logits.data[at + plus[b]!]! - logits.data[at + minus[b]!]!;
  });
}

function argmaxes(logits: HookTensor, position: number): Int32Array {
  const [B, T, O] = logits.shape as [number, number, number];
  return Int32Array.from({ length: B }, (_, b) => {
    const row = logits.data.subarray((b * T + position) * O, (b * T + position + 1) * O);
    let best = 0;
    for (let j = 1; j < O; j++) if (row[j]! > row[best]!) best = j;
    return best;
  });
}

function checkCase(c: PatchCase): void {
  const B = c.recipientIds.length;
  if (B === 0) throw new UsageError("patching needs at least one input");
  if (c.donorIds.length !== B || c.plus.length !== B || c.minus.length !== B) throw new Error("patch: inputs, donor inputs and answer columns differ in number");
  const T = c.recipientIds[0]!.length;
  if (c.donorIds.some((r) => r.length !== T) || c.recipientIds.some((r) => r.length !== T)) {
    throw new UsageError(`patching needs inputs of one length: activations are exchanged position by position (${T - 1} tokens against ${c.donorIds.find((r) => r.length !== T)?.length ?? T} - 1)`);
  }
  if (c.position < 0 || c.position >= T) throw new UsageError(`the answer position ${c.position} is outside the ${T} positions of the inputs`);
}

/** One head's rows of its layer's stacked pattern [B, H, T, T] replaced by the donor's. */
function patchPattern(recipient: HookTensor, donor: HookTensor, head: number): HookTensor {
  const [B, H, T] = recipient.shape as [number, number, number, number];
  const data = recipient.data.slice();
  for (let b = 0; b < B; b++) {
    const at = (b * H + head) * T * T;
    data.set(donor.data.subarray(at, at + T * T), at);
  }
  return { data, shape: recipient.shape };
}

/** One head's columns of hook_z [B, T, Σ d_value] replaced by the donor's. */
function patchZ(recipient: HookTensor, donor: HookTensor, head: HeadInfo): HookTensor {
  const width = recipient.shape[2]!;
  const data = recipient.data.slice();
  for (let r = 0; r < data.length / width; r++) {
    const at = r * width + head.valueOffset;
    data.set(donor.data.subarray(at, at + head.dValue), at);
  }
  return { data, shape: recipient.shape };
}

/** z_h · W_O[h] of one head, [rows, d_model], in float64. */
function headContribution(m: HookedModel, z: HookTensor, head: HeadInfo): Float64Array {
  const width = z.shape[2]!;
  const rows = z.data.length / width;
  const wo = m.params.get(`l${head.layer}.wo`)!;
  const d = m.geometry.dModel;
  const out = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < head.dValue; j++) {
      const zv = z.data[r * width + head.valueOffset + j]!;
      if (zv === 0) continue;
      const w = wo.subarray((head.valueOffset + j) * d, (head.valueOffset + j + 1) * d);
      for (let k = 0; k < d; k++) out[r * d + k]! += zv * w[k]!;
    }
  }
  return out;
}

/** hook_attn_out with one head's contribution swapped for the donor's. */
function patchOut(c: PatchCase, recipientRun: HookedRun, donorRun: HookedRun, head: HeadInfo): HookTensor {
  const zName = hookNames.z(head.layer);
  const mine = headContribution(c.recipient, recipientRun.hooks.get(zName)!, head);
  const theirs = headContribution(c.donor, donorRun.hooks.get(zName)!, head);
  const attnOut = recipientRun.hooks.get(hookNames.attnOut(head.layer))!;
  const data = Float32Array.from(attnOut.data, (v, i) => v + (theirs[i]! - mine[i]!));
  return { data, shape: attnOut.shape };
}

/** The override that patches component `comp` (`part` of a head) from the donor run into the recipient's. */
function overrideFor(c: PatchCase, comp: Component, part: HeadPart, recipientRun: HookedRun, donorRun: HookedRun): [string, HookTensor] {
  if (comp.kind === "mlp") return [hookNames.mlpOut(comp.layer), donorRun.hooks.get(hookNames.mlpOut(comp.layer))!];
  const l = comp.head.layer;
  if (part === "pattern") return [hookNames.pattern(l), patchPattern(recipientRun.hooks.get(hookNames.pattern(l))!, donorRun.hooks.get(hookNames.pattern(l))!, comp.head.head)];
  if (part === "z") return [hookNames.z(l), patchZ(recipientRun.hooks.get(hookNames.z(l))!, donorRun.hooks.get(hookNames.z(l))!, comp.head)];
  return [hookNames.attnOut(l), patchOut(c, recipientRun, donorRun, comp.head)];
}

/** The two unpatched runs, with every hook a patch reads. */
async function baseRuns(c: PatchCase): Promise<{ recipientRun: HookedRun; donorRun: HookedRun }> {
  checkCase(c);
  const recipientRun = await runHooked(c.recipient, c.recipientIds, { hooks: patchHooks(c.recipient) });
  const donorRun = await runHooked(c.donor, c.donorIds, { hooks: patchHooks(c.donor) });
  return { recipientRun, donorRun };
}

/**
 * Patches each component of the recipient in turn (heads: `part`; MLPs: their output) and
 * measures the difference; the models must share a geometry (checked by the caller with a reason).
 */
export async function patchComponents(c: PatchCase, part: HeadPart, components: readonly Component[] = componentsOf(c.recipient)): Promise<PatchResult> {
  const { recipientRun, donorRun } = await baseRuns(c);
  const patched: Float64Array[] = [];
  const patchedAnswer: Int32Array[] = [];
  for (const comp of components) {
    const [name, value] = overrideFor(c, comp, part, recipientRun, donorRun);
    const run = await runHooked(c.recipient, c.recipientIds, { overrides: new Map([[name, value]]) });
    patched.push(logitDifference(run.logits, c.position, c.plus, c.minus));
    patchedAnswer.push(argmaxes(run.logits, c.position));
  }
  return {
    components,
    recipient: logitDifference(recipientRun.logits, c.position, c.plus, c.minus),
    donor: logitDifference(donorRun.logits, c.position, c.plus, c.minus),
    recipientAnswer: argmaxes(recipientRun.logits, c.position),
    donorAnswer: argmaxes(donorRun.logits, c.position),
    patched,
    patchedAnswer,
  };
}

/**
 * The recipient run with the donor's token and position embeddings and every attention and MLP
 * output substituted: its residual stream is then the donor's, layer by layer.
 */
export async function patchEverything(c: PatchCase): Promise<HookedRun> {
  const { donorRun } = await baseRuns(c);
  const names = patchHooks(c.recipient).filter((n) => n === hookNames.embed || n === hookNames.posEmbed || /hook_(attn|mlp)_out$/.test(n));
  return runHooked(c.recipient, c.recipientIds, { overrides: new Map(names.map((n) => [n, donorRun.hooks.get(n)!])), hooks: "all" });
}

/** The mean of patched − recipient over the sequences, per component. */
export function meanEffects(r: PatchResult): Float64Array {
  return Float64Array.from(r.patched, (p) => p.reduce((s, v, b) => s + (v - r.recipient[b]!), 0) / p.length);
}

/**
 * The share of the gap between the recipient's and the donor's difference that a patch closes,
 * per component: mean(patched − recipient) / mean(donor − recipient); NaN when the runs agree.
 */
export function recoveredShares(r: PatchResult): Float64Array {
  const gap = r.donor.reduce((s, v, b) => s + (v - r.recipient[b]!), 0) / r.donor.length;
  return Float64Array.from(meanEffects(r), (e) => (Math.abs(gap) < 1e-9 ? Number.NaN : e / gap));
}

/** The share of sequences whose patched answer is the donor's answer, per component. */
export function donorAnswerShares(r: PatchResult): Float64Array {
  return Float64Array.from(r.patchedAnswer, (a) => a.reduce((s, v, b) => s + (v === r.donorAnswer[b] ? 1 : 0), 0) / a.length);
}
