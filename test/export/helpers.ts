// Shared by the export tests: the programs of rasp-programs/ at their suggested settings, and a
// TensorFlow.js graph model loaded the way a user without raspc would (fs + tf.io.fromMemory +
// tf.loadGraphModel), wrapped as a ModelRunner so that verifyModel can check it.
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { loadGraphModel, type GraphModel } from "@tensorflow/tfjs-converter";
import { fc } from "@fast-check/vitest";
import { compileFileWithSOp } from "../../compiler/compileFile.js";
import type { CompiledModel } from "../../compiler/model/types.js";
import type { SOp } from "../../compiler/rasp/ops.js";
import type { Atom } from "../../compiler/rasp/values.js";
import { decodeOutputs, padBatch, type ForwardResult } from "../../runtime/forward/outputs.js";
import { allHookNames } from "../../compiler/model/hooks.js";
import type { ModelRunner } from "../../runtime/forward/runModel.js";
import { padId } from "../../compiler/model/tokens.js";
import { describeDeparture, type VerifyReport } from "../../runtime/verify.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const PROGRAMS = path.join(ROOT, "rasp-programs");

export interface Suggested {
  readonly file: string;
  readonly vocab: Atom[];
  readonly maxLen: number;
  readonly distinct: boolean;
}

/** rasp-programs/suggested.json: every top-level program with the vocabulary and length it is meant for. */
export function suggestedPrograms(): Suggested[] {
  const table = JSON.parse(fs.readFileSync(path.join(PROGRAMS, "suggested.json"), "utf8")) as Record<string, { vocab: Atom[]; maxLen: number; distinct?: boolean }>;
  return Object.entries(table).map(([file, s]) => ({ file, vocab: s.vocab, maxLen: s.maxLen, distinct: s.distinct === true }));
}

/** Compiles a program of rasp-programs/, named relative to the working directory as the CLI names it. */
export function compileProgram(s: Pick<Suggested, "file" | "vocab" | "maxLen">): { sop: SOp; model: CompiledModel } {
  const { model, sop } = compileFileWithSOp(path.relative(process.cwd(), path.join(PROGRAMS, s.file)), { vocab: s.vocab, maxLen: s.maxLen });
  return { sop, model };
}

/** One random input of a program's suggested setting (without replacement where it says `distinct`). */
export function inputArbitrary(s: Suggested): fc.Arbitrary<Atom[]> {
  return s.distinct
    ? fc.shuffledSubarray([...s.vocab], { minLength: 1, maxLength: Math.min(s.maxLen, s.vocab.length) })
    : fc.array(fc.constantFrom(...s.vocab), { minLength: 1, maxLength: s.maxLen });
}

export function describeMismatches(report: VerifyReport): string[] {
  return report.mismatches.map((m) => `${JSON.stringify(m.input)}: expected ${JSON.stringify(m.expected)}, got ${JSON.stringify(m.got)}; ${describeDeparture(m.departure ?? null)}`);
}

/** Loads DIR/model.json and its weight files with nothing but tfjs-core and tfjs-converter. */
export async function loadTfjsExport(dir: string): Promise<GraphModel> {
  const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(fs.readFileSync(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    ...(json.signature ? { signature: json.signature } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata } : {}),
  });
  return loadGraphModel(handler);
}

/** A loaded tfjs export run on padded id batches, hooks from its internal outputs when it has them. */
export function graphModelForward(model: CompiledModel, graph: GraphModel, ids: readonly (readonly number[])[], hooks = false): ForwardResult {
  const { seqLen, lengths, flat } = padBatch(ids, padId(model));
  const names = ["logits", ...(hooks ? allHookNames(model) : [])];
  const tokens = tf.tensor2d(flat, [ids.length, seqLen], "int32");
  try {
    const out = graph.execute({ tokens }, names);
    const outs = Array.isArray(out) ? out : [out];
    const data = outs.map((t) => t.dataSync() as Float32Array);
    for (const t of outs) t.dispose();
    const outputs = model.unembedding[0]?.length ?? 0;
    return {
      batch: ids.length,
      seqLen,
      lengths,
      outputs,
      logits: data[0]!,
      ...(hooks ? { hooks: new Map(names.slice(1).map((n, i) => [n, data[i + 1]!])) } : {}),
    };
  } finally {
    tokens.dispose();
  }
}

/** A ModelRunner over a loaded tfjs export (the export must have internals for verifyModel to explain mismatches). */
export function graphModelRunner(model: CompiledModel, graph: GraphModel): ModelRunner {
  return {
    engineName: "tfjs",
    backend: tf.getBackend(),
    label: "tfjs graph model",
    forward: async (ids, o) => graphModelForward(model, graph, ids, o?.hooks === true),
    decode: async (ids) => decodeOutputs(model, graphModelForward(model, graph, ids)),
    dispose: () => graph.dispose(),
  };
}

export { maxDiffAtRealPositions } from "../model/fixtures.js";
