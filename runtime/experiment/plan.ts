// A sweep's runs, from its config: which protocol, learning rate and C_Tr each run uses, which
// model it starts from, and which runs must finish first. The ids are the run folders' names.
//   FT      compiled O_PT model (+ noise) → O_FT labels, C_Tr correlated          (table 3)
//   randFT  compiled O_PT model (+ noise) → a random wrong label                   (appendix G.4)
//   reFT    the final FT / randFT model   → O_PT labels on natural data            (table 4)
//   ScrFT   compiled O_FT model (+ noise) → O_PT labels on natural data            (the baseline of G.3)
import type { AccuracyKey } from "../train/loop.js";
import type { LabelKind } from "../train/taskBatches.js";
import type { ExperimentConfig, Protocol } from "./config.js";

export type RunStart = { readonly kind: "compiled"; readonly model: "pt" | "ft" } | { readonly kind: "run"; readonly id: string };

export interface PlannedRun {
  /** `CELL-sSEED`: the run folder's name. */
  readonly id: string;
  /** What the run is, whatever its seed (`FT-lr1e-2-c0.5`): the tables' rows gather a cell's seeds. */
  readonly cell: string;
  /** The sweep seed this run belongs to; its noise and batches come from runSeed(seed, cell). */
  readonly seed: number;
  readonly protocol: Protocol;
  readonly learningRate: number;
  /** Correlated fraction of the training data; null: natural pretraining data. */
  readonly cTrain: number | null;
  /** FT: the share of each batch that is pretraining data (appendix G.1); 0 otherwise. */
  readonly ptMix: number;
  readonly iterations: number;
  readonly labels: LabelKind;
  readonly start: RunStart;
  /** For reFT: the run it reverses (its protocol, learning rate and C_Tr, for the tables). */
  readonly source?: { readonly protocol: Protocol; readonly learningRate: number; readonly cTrain: number | null; readonly ptMix: number };
  readonly target: AccuracyKey | null;
}

/** `1e-2`, `0.5`: short, exact and safe in a folder name. */
export function formatNumber(x: number): string {
  if (x !== 0 && Math.abs(x) < 0.1) {
    const [m, e] = x.toExponential().split("e");
    return `${m}e${Number(e)}`;
  }
  return String(x);
}

export function planRuns(c: ExperimentConfig): PlannedRun[] {
  return c.seeds.flatMap((seed) => planSeed(c, seed));
}

type Cell = Omit<PlannedRun, "id" | "seed">;

/** The runs of one seed; a reFT run reverses the run of the same seed. */
function planSeed(c: ExperimentConfig, seed: number): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const has = (p: Protocol) => c.protocols.includes(p);
  const sources: PlannedRun[] = [];
  const add = (cell: Cell): PlannedRun => {
    const run: PlannedRun = { ...cell, id: `${cell.cell}-s${seed}`, seed };
    runs.push(run);
    return run;
  };
  if (has("FT")) {
    for (const lr of c.ft.learningRates) {
      for (const cTrain of c.ft.cTrain) {
        for (const ptMix of c.ft.ptMix) {
          const mix = ptMix === 0 ? "" : `-m${formatNumber(ptMix)}`;
          const run = add({ cell: `FT-lr${formatNumber(lr)}-c${formatNumber(cTrain)}${mix}`, protocol: "FT", learningRate: lr, cTrain, ptMix, iterations: c.ft.iterations, labels: "ft", start: { kind: "compiled", model: "pt" }, target: "ftC0" });
          if (c.reft.fromLearningRates.includes(lr)) sources.push(run);
        }
      }
    }
  }
  if (has("randFT")) {
    for (const lr of c.randft.learningRates) {
      sources.push(add({ cell: `randFT-lr${formatNumber(lr)}`, protocol: "randFT", learningRate: lr, cTrain: null, ptMix: 0, iterations: c.randft.iterations, labels: "random", start: { kind: "compiled", model: "pt" }, target: null }));
    }
  }
  if (has("ScrFT")) {
    for (const lr of c.scrft.learningRates) {
      add({ cell: `ScrFT-lr${formatNumber(lr)}`, protocol: "ScrFT", learningRate: lr, cTrain: null, ptMix: 0, iterations: c.scrft.iterations, labels: "pt", start: { kind: "compiled", model: "ft" }, target: "ptC0" });
    }
  }
  if (has("reFT")) {
    for (const src of sources) {
      for (const lr of c.reft.learningRates) {
        add({
          cell: `reFT-lr${formatNumber(lr)}-from-${src.cell}`,
          protocol: "reFT",
          learningRate: lr,
          cTrain: null,
          ptMix: 0,
          iterations: c.reft.iterations,
          labels: "pt",
          start: { kind: "run", id: src.id },
          source: { protocol: src.protocol, learningRate: src.learningRate, cTrain: src.cTrain, ptMix: src.ptMix },
          target: "ptC0",
        });
      }
    }
  }
  return runs;
}

/** A run's own seed: a hash of the sweep seed and its cell, so it does not depend on the plan's order. */
export function runSeed(sweepSeed: number, cell: string): number {
  let h = (0x811c9dc5 ^ sweepSeed) >>> 0;
  for (let i = 0; i < cell.length; i++) h = Math.imul(h ^ cell.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
