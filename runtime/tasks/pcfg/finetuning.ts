// Fine-tuning data with a planted spurious correlation (Jain et al. 2023, section 3 and D.2).
// Counter: the prompt asks for count(O_FT) in the last O' tokens, and the correlation is
// count(O_FT) = count(O_PT) + q. Indexer: the prompt asks for the index of the O'-th occurrence of
// O_FT, and the correlation is r(x; O_FT) - r(x; O_PT) = q. In a set with fraction C, exactly
// round(C · n) samples carry it, built by editing tokens inside the counted window ("artificially
// adding the target tokens"); every other sample provably lacks it (checked on the final text).
//
// Labels: "natural" keeps the label the grammar's text gives (fig. 14: counts 9-17, a constant
// guess right 34% of the time); "uniform" draws the label uniformly from [min, max] and edits the
// window to match, so classes are spread as the paper asks (fig. 16). In uniform sets the O_PT
// label is spread the same way whether or not the correlation holds, so the label distributions of
// C = 0 and C = 1 sets differ only by sampling noise (their TV distance is printed).
import { shuffle, type Rng } from "../../random.js";
import { countLast, indexOfOccurrence, type Family } from "./families.js";
import type { TaskGenerator, TaskSample } from "./tasks.js";

export type LabelMode = { readonly kind: "natural" } | { readonly kind: "uniform"; readonly min: number; readonly max: number };

export interface FinetuneSpec {
  readonly family: Extract<Family, "C" | "I">;
  readonly familyToken: string;
  /** Terminal ids. */
  readonly oPt: number;
  readonly oFt: number;
  readonly q: number;
  readonly operand2: number;
  readonly labels: LabelMode;
}

export interface FinetuneSample extends TaskSample {
  /** "pt": a pretraining sample mixed in (appendix G.1); "ft": a fine-tuning sample. */
  readonly source: "pt" | "ft";
  /** r(x; O_PT) and r(x; O_FT) as answer tokens (fine-tuning samples only). */
  readonly labelPt: string | null;
  readonly labelFt: string | null;
  readonly correlated: boolean | null;
}

/** Attempts per sample before a spec is declared impossible to satisfy. */
export const MAX_TRIES = 10_000;

function readOut(spec: FinetuneSpec, text: Int32Array, o: number): number | null {
  return spec.family === "C" ? countLast(text, o, spec.operand2) : indexOfOccurrence(text, o, spec.operand2);
}

function isCorrelated(spec: FinetuneSpec, text: Int32Array): boolean {
  const ft = readOut(spec, text, spec.oFt);
  const pt = readOut(spec, text, spec.oPt);
  return ft !== null && pt !== null && ft - pt === spec.q;
}

/** `k` distinct random items of `xs` (partial Fisher-Yates on a copy). */
function pick<T>(xs: readonly T[], k: number, rng: Rng): T[] {
  const a = [...xs];
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

/**
 * Makes token `tok` occur exactly `k` times at the positions [from, to) outside `fixed`: surplus
 * occurrences become random fillers, missing ones replace random filler positions. Only filler
 * positions and `tok`'s own change, so other controlled tokens keep their counts. False when
 * there are not enough filler positions.
 */
function setCount(text: Int32Array, from: number, to: number, tok: number, k: number, controlled: readonly number[], fillers: readonly number[], fixed: ReadonlySet<number>, rng: Rng): boolean {
  const own: number[] = [];
  const free: number[] = [];
  for (let i = Math.max(0, from); i < to; i++) {
    if (fixed.has(i)) continue;
    if (text[i] === tok) own.push(i);
    else if (!controlled.includes(text[i]!)) free.push(i);
  }
  if (own.length > k) for (const i of pick(own, own.length - k, rng)) text[i] = fillers[rng.int(fillers.length)]!;
  else if (own.length < k) {
    if (free.length < k - own.length) return false;
    for (const i of pick(free, k - own.length, rng)) text[i] = tok;
  }
  return true;
}

/**
 * Edits `text` so that r(x; O_FT) = t and, when s is not null, r(x; O_PT) = s. Returns false if the
 * window cannot hold both; the caller checks the result on the final text either way.
 */
function plant(spec: FinetuneSpec, text: Int32Array, t: number, s: number | null, fillers: readonly number[], rng: Rng): boolean {
  const W = text.length;
  const controlled = [spec.oPt, spec.oFt];
  if (spec.family === "C") {
    const from = W - spec.operand2;
    if (!setCount(text, from, W, spec.oFt, t, controlled, fillers, new Set(), rng)) return false;
    return s === null || setCount(text, from, W, spec.oPt, s, controlled, fillers, new Set(), rng);
  }
  // Indexer: the O'-th last O_FT at distance t means O_FT at W - t and O' - 1 of them after it.
  if (t < 1 || t > W || (s !== null && (s < 1 || s > W || s === t))) return false;
  const fixed = new Set<number>([W - t]);
  text[W - t] = spec.oFt;
  if (s !== null) {
    text[W - s] = spec.oPt;
    fixed.add(W - s);
  }
  if (!setCount(text, W - t + 1, W, spec.oFt, spec.operand2 - 1, controlled, fillers, fixed, rng)) return false;
  return s === null || setCount(text, W - s + 1, W, spec.oPt, spec.operand2 - 1, controlled, fillers, fixed, rng);
}

function drawLabel(mode: Extract<LabelMode, { kind: "uniform" }>, rng: Rng): number {
  return mode.min + rng.int(mode.max - mode.min + 1);
}

/** One fine-tuning sample that carries the correlation exactly when `correlated`. */
export function finetuneSample(gen: TaskGenerator, spec: FinetuneSpec, correlated: boolean, rng: Rng): FinetuneSample {
  const terminals = gen.setup.grammar.terminals.length;
  const fillers = Array.from({ length: terminals }, (_, i) => i).filter((i) => i !== spec.oPt && i !== spec.oFt);
  const text = new Int32Array(gen.setup.window);
  if (!correlated && spec.labels.kind === "uniform" && spec.labels.min === spec.labels.max) {
    throw new Error("no uncorrelated sample can be made from a single label value");
  }
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    gen.text.draw(rng, text);
    let t: number;
    let s: number | null = null;
    if (spec.labels.kind === "natural") {
      const natural = readOut(spec, text, spec.oFt);
      if (natural === null) continue;
      t = natural;
      if (correlated) s = t - spec.q;
    } else {
      t = drawLabel(spec.labels, rng);
      // The O_PT label of an uncorrelated sample is spread like that of a correlated one: the
      // label of another draw, shifted by q, never the one that would make the correlation.
      let other = t;
      while (!correlated && other === t) other = drawLabel(spec.labels, rng);
      s = (correlated ? t : other) - spec.q;
    }
    if (s !== null && s < 0) continue;
    if ((s !== null || t !== readOut(spec, text, spec.oFt)) && !plant(spec, text, t, s, fillers, rng)) continue;
    if (readOut(spec, text, spec.oFt) !== t || isCorrelated(spec, text) !== correlated) continue;
    const pt = readOut(spec, text, spec.oPt);
    const answer = { kind: "number" as const, value: t };
    return {
      family: spec.family,
      familyToken: spec.familyToken,
      operand: spec.oFt,
      operand2: spec.operand2,
      text: Int32Array.from(text),
      answer,
      source: "ft",
      labelPt: pt === null ? gen.answerToken({ kind: "none" }) : String(pt),
      labelFt: String(t),
      correlated,
    };
  }
  throw new Error(
    `no ${correlated ? "correlated" : "uncorrelated"} ${spec.family === "C" ? "Counter" : "Indexer"} sample in ${MAX_TRIES} tries; the labels or q cannot be met in this window`,
  );
}

/**
 * A fine-tuning set of `count` samples: round(mix · count) pretraining samples (appendix G.1) at
 * random places, and among the rest exactly round(fraction · rest) with the correlation.
 */
export function finetuneSet(gen: TaskGenerator, spec: FinetuneSpec, count: number, fraction: number, mix: number, rng: Rng, onSample?: (done: number) => void): FinetuneSample[] {
  const nPt = Math.round(mix * count);
  const nFt = count - nPt;
  const nCorrelated = Math.round(fraction * nFt);
  const kinds = shuffle<"pt" | "c" | "u">([...Array<"pt">(nPt).fill("pt"), ...Array<"c">(nCorrelated).fill("c"), ...Array<"u">(nFt - nCorrelated).fill("u")], rng);
  return kinds.map((k, i) => {
    onSample?.(i);
    if (k !== "pt") return finetuneSample(gen, spec, k === "c", rng);
    return { ...gen.pretrainingSample(rng), source: "pt", labelPt: null, labelFt: null, correlated: null };
  });
}
