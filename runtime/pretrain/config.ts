// The config of `raspc train`: pretraining a gpt (runtime/models/gpt.ts) from scratch on a toy
// next-token task with AdamW and the paper's warmup + cosine schedule (appendix E.2). JSON checked
// by an ajv schema, then for what a schema cannot say (nEmbd divisible by nHead); every problem is
// one line naming the file and the field, before anything is written.
import { Ajv, type ErrorObject } from "ajv";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { readJsonConfig } from "../experiment/jsonSyntax.js";
import { checkGptConfig, type GptConfig } from "../models/gpt.js";
import type { OptimizerSpec } from "../autodiff/step.js";
import type { Schedule } from "../train/schedule.js";
import { TOY_TASKS, toySeqLen, toyVocab, type ToyTask } from "./tasks.js";

export interface PretrainConfig {
  readonly name: string;
  readonly task: ToyTask;
  readonly model: GptConfig;
  readonly optimizer: Extract<OptimizerSpec, { kind: "adamw" }>;
  readonly schedule: Schedule;
  readonly batchSize: number;
  /** Global gradient-norm clip (minGPT's grad_norm_clip); null: none. */
  readonly clipNorm: number | null;
  readonly seed: number;
  readonly evalEvery: number;
  readonly evalSamples: number;
  readonly checkpointEvery: number;
  readonly threads: number;
}

const positiveInt = { type: "integer", minimum: 1, maximum: 1e9 };
const SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["kind", "task"],
  properties: {
    $schema: { type: "string" },
    description: { type: "string" },
    kind: { const: "gpt-pretrain" },
    name: { type: "string", pattern: "^[A-Za-z0-9._-]+$" },
    task: {
      type: "object",
      additionalProperties: false,
      required: ["name"],
      properties: { name: { enum: [...TOY_TASKS] }, symbols: { type: "integer", minimum: 2, maximum: 4096 }, length: { type: "integer", minimum: 1, maximum: 512 } },
    },
    model: {
      type: "object",
      additionalProperties: false,
      properties: { nLayer: positiveInt, nHead: positiveInt, nEmbd: positiveInt, dropout: { type: "number", minimum: 0, exclusiveMaximum: 1 } },
    },
    optimizer: {
      type: "object",
      additionalProperties: false,
      properties: {
        kind: { const: "adamw" },
        beta1: { type: "number", minimum: 0, exclusiveMaximum: 1 },
        beta2: { type: "number", minimum: 0, exclusiveMaximum: 1 },
        eps: { type: "number", exclusiveMinimum: 0 },
        weightDecay: { type: "number", minimum: 0 },
      },
    },
    schedule: {
      type: "object",
      additionalProperties: false,
      properties: {
        peak: { type: "number", exclusiveMinimum: 0 },
        iterations: positiveInt,
        warmupFraction: { type: "number", minimum: 0, maximum: 1 },
        finalFraction: { type: "number", minimum: 0, maximum: 1 },
      },
    },
    batchSize: { type: "integer", minimum: 1, maximum: 65536 },
    clipNorm: { anyOf: [{ type: "number", exclusiveMinimum: 0 }, { type: "null" }] },
    seed: { type: "integer", minimum: 0, maximum: 4294967295 },
    evalEvery: positiveInt,
    evalSamples: { type: "integer", minimum: 1, maximum: 1e6 },
    checkpointEvery: positiveInt,
    threads: { type: "integer", minimum: 0, maximum: 256 },
  },
} as const;

/** Our defaults: the paper's optimiser and schedule (appendix E.2), minGPT's betas, clip and decay, a small model. */
const DEFAULTS = {
  task: { symbols: 8, length: 6 },
  model: { nLayer: 2, nHead: 2, nEmbd: 64, dropout: 0 },
  optimizer: { kind: "adamw" as const, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
  schedule: { peak: 1e-3, iterations: 2000, warmupFraction: 0.2, finalFraction: 0.01 },
  batchSize: 96,
  clipNorm: 1,
  seed: 0,
  evalEvery: 100,
  evalSamples: 512,
  checkpointEvery: 200,
  threads: 0,
};

function fieldOf(e: ErrorObject): string {
  const pointer = e.instancePath.replace(/^\//, "").replace(/\//g, ".");
  if (e.keyword === "additionalProperties") return [pointer, String((e.params as { additionalProperty: string }).additionalProperty)].filter(Boolean).join(".");
  if (e.keyword === "required") return [pointer, String((e.params as { missingProperty: string }).missingProperty)].filter(Boolean).join(".");
  return pointer || "(top level)";
}

function schemaMessage(e: ErrorObject): string {
  const field = fieldOf(e);
  switch (e.keyword) {
    case "additionalProperties":
      return `${field}: unknown field`;
    case "required":
      return `${field}: missing`;
    case "enum":
      return `${field}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(e.data)}`;
    case "const":
      return `${field}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}, got ${JSON.stringify(e.data)}`;
    default:
      return `${field}: ${e.message ?? e.keyword}, got ${JSON.stringify(e.data)}`;
  }
}

let validate: ReturnType<Ajv["compile"]> | null = null;

export function parsePretrainConfig(json: unknown, file: string): PretrainConfig {
  validate ??= new Ajv({ allErrors: false, verbose: true, strict: true, strictNumbers: true }).compile(SCHEMA);
  if (!validate(json)) throw new UsageError(`${file}: ${validate.errors?.[0] ? schemaMessage(validate.errors[0]) : "not a gpt-pretrain config"}`);
  const j = json as { name?: string; task: Partial<ToyTask>; model?: object; optimizer?: object; schedule?: object } & Record<string, unknown>;
  const task: ToyTask = { ...DEFAULTS.task, ...j.task } as ToyTask;
  const m = { ...DEFAULTS.model, ...j.model };
  const model: GptConfig = { ...m, vocabSize: toyVocab(task), blockSize: toySeqLen(task) };
  checkGptConfig(model, `${file}: model`);
  const pick = <K extends keyof typeof DEFAULTS>(k: K) => (j[k] === undefined ? DEFAULTS[k] : (j[k] as (typeof DEFAULTS)[K]));
  const config: PretrainConfig = {
    name: j.name ?? `gpt-${task.name}`,
    task,
    model,
    optimizer: { ...DEFAULTS.optimizer, ...j.optimizer },
    schedule: { ...DEFAULTS.schedule, ...j.schedule },
    batchSize: pick("batchSize"),
    clipNorm: pick("clipNorm"),
    seed: pick("seed"),
    evalEvery: pick("evalEvery"),
    evalSamples: pick("evalSamples"),
    checkpointEvery: pick("checkpointEvery"),
    threads: pick("threads"),
  };
  return config;
}

export function loadPretrainConfig(file: string): PretrainConfig {
  const json = readJsonConfig(file, "a pretraining config");
  return parsePretrainConfig(json, file);
}
