// The experiment config of the fine-tuning lab: one JSON file names a task and, optionally, a
// preset ("paper" by default, see presets.ts) and any field to change. Resolution fills every field,
// so the runner never meets a missing one:
//   DEFAULT_SPECS[task] and the engine defaults  <  the paper preset  <  the chosen preset  <  the file
// Nested objects merge field by field; arrays replace. Checking is in two steps: the JSON Schema
// below (structure, types, ranges, unknown fields) and then what a schema cannot say (the task's
// operand rules, maxLen >= length, protocol dependencies, backends per engine). Either way a bad file
// gets one line naming the field, `exp.json: ft.learningRates[1]: must be > 0, got 0`, and never a
// stack trace.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { closestName } from "../../compiler/common/closestName.js";
import { confinementRoot, insideTree } from "../../compiler/interpreter/loadConfinement.js";
import { DEFAULT_SPECS, specProblem, type TaskName } from "../tasks/data.js";
import { stratifyProblem } from "../tasks/stratified.js";
import { ENGINE_BACKENDS, type EngineName } from "../train/backends.js";
import { readJsonConfig } from "./jsonSyntax.js";
import { PAPER_SETTINGS, PRESETS, PRESET_NAMES, QUICK_TASK_SETTINGS, TASK_COLDNESS, type PresetName, type PresetOverrides } from "./presets.js";

export type Protocol = "FT" | "reFT" | "randFT" | "ScrFT";
export const PROTOCOLS: readonly Protocol[] = ["FT", "reFT", "randFT", "ScrFT"];

export type Engine = EngineName;
export { ENGINE_BACKENDS };

export interface ExperimentConfig {
  /** The run folder's name: letters, digits, '.', '_' and '-'. */
  readonly name: string;
  readonly task: TaskName;
  /** Absolute path of the .rasp program that is compiled. */
  readonly program: string;
  /** The program's top-level variable holding O_PT. */
  readonly operandVariable: string;
  readonly oPt: string | number;
  readonly oFt: string | number;
  readonly q: number;
  readonly length: number;
  /** The max sequence length the program is compiled for; >= length. */
  readonly maxLen: number;
  /** The attention coldness the models are compiled with; null: the compiler's own choice. */
  readonly coldness: number | null;
  /** One sweep per seed: each seed draws its own noise and training batches; the test sets are the first seed's. */
  readonly seeds: readonly number[];
  readonly protocols: readonly Protocol[];
  readonly engine: Engine;
  readonly backend: string;
  /** Intra-op threads; 0 lets the engine choose. */
  readonly threads: number;
  readonly training: {
    readonly batchSize: number;
    readonly momentum: number;
    /** The fraction of a run's iterations spent in linear warmup. */
    readonly warmupFraction: number;
    /** The cosine schedule's last learning rate, as a fraction of the peak. */
    readonly finalLrFraction: number;
    /** The standard deviation of the Gaussian noise added to the compiled weights before training. */
    readonly noiseStd: number;
    /** Clip the global gradient norm to this before the momentum update; null: no clipping. */
    readonly gradClip: number | null;
  };
  /** `ptMix`: shares of each FT batch that are pretraining data with O_PT labels (appendix G.1), one FT run per value; [0]: none. */
  readonly ft: { readonly learningRates: readonly number[]; readonly cTrain: readonly number[]; readonly ptMix: readonly number[]; readonly iterations: number };
  /** Reverse fine-tuning of the FT (or randFT) models trained at `fromLearningRates`. */
  readonly reft: { readonly fromLearningRates: readonly number[]; readonly learningRates: readonly number[]; readonly iterations: number };
  readonly randft: { readonly learningRates: readonly number[]; readonly iterations: number };
  readonly scrft: { readonly learningRates: readonly number[]; readonly iterations: number };
  /** Test sets of `samples` each, scored every `every` steps; `stratify` = k: each count 0..k of O_PT equally often (Counter), null: the task's distribution. */
  readonly eval: { readonly every: number; readonly samples: number; readonly stratify: number | null };
  readonly checkpointEvery: number;
}

/** How a config is read: `allowOutside` lets `program` name a file outside the config's folder tree. */
export interface ConfigOptions {
  readonly allowOutside?: boolean;
}

/** Every field optional, nested objects too; arrays stay whole (they replace, never merge). */
export type DeepPartial<T> = {
  readonly [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** What a config file may hold. */
export type ExperimentFile = DeepPartial<Omit<ExperimentConfig, "task">> & {
  readonly task: TaskName;
  readonly preset?: PresetName;
  readonly $schema?: string;
  readonly description?: string;
};

const DEFAULT_OPERAND_VARIABLE: Readonly<Record<TaskName, string>> = { counter: "operand", max_identifier: "o_pt" };

// ---------------------------------------------------------------------------------------------
// The schema (draft-07). A TS object rather than a .json file so the esbuild-bundled CLI needs no
// file beside it.

const NAME_PATTERN = "^[A-Za-z0-9._-]+$";
const IDENTIFIER_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";
/** How a pattern failure reads. */
const PATTERN_REASONS: Readonly<Record<string, string>> = {
  [NAME_PATTERN]: "must use only letters, digits, '.', '_' and '-'",
  [IDENTIFIER_PATTERN]: "must be a RASP variable name (letters, digits and '_', not starting with a digit)",
};

const integerAtLeast = (minimum: number) => ({ type: "integer", minimum });
// Sizes past these cannot finish (or fit in memory) on any machine this runs on: 1e7 steps is days
// even at the engines' best rate; a batch of 16,384 sequences is already GPU-sized.
const MAX_LENGTH = 512;
const MAX_BATCH = 16_384;
const MAX_EVAL_SAMPLES = 1_000_000;
const iterations = { ...integerAtLeast(1), maximum: 10_000_000 };
const learningRates = { type: "array", items: { type: "number", exclusiveMinimum: 0 }, uniqueItems: true };
const section = (properties: Record<string, object>) => ({ type: "object", additionalProperties: false, properties });

export const EXPERIMENT_CONFIG_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "raspc fine-tuning experiment",
  type: "object",
  additionalProperties: false,
  required: ["task"],
  properties: {
    $schema: { type: "string" },
    description: { type: "string" },
    preset: { enum: PRESET_NAMES },
    name: { type: "string", pattern: NAME_PATTERN },
    task: { enum: ["counter", "max_identifier"] },
    program: { type: "string", minLength: 1 },
    operandVariable: { type: "string", pattern: IDENTIFIER_PATTERN },
    oPt: { type: ["string", "number"] },
    oFt: { type: ["string", "number"] },
    q: { type: "integer" },
    // The compiler's limit on max length.
    length: { ...integerAtLeast(2), maximum: MAX_LENGTH },
    maxLen: { ...integerAtLeast(2), maximum: MAX_LENGTH },
    // The compiler's MAX_COLDNESS: larger scores overflow float32.
    coldness: { type: ["number", "null"], exclusiveMinimum: 0, maximum: 1_000_000 },
    // makeRng keeps 32 bits of the seed; a larger one would silently alias a smaller one.
    seeds: { type: "array", items: { type: "integer", minimum: 0, maximum: 4294967295 }, minItems: 1, uniqueItems: true },
    protocols: { type: "array", items: { enum: PROTOCOLS }, minItems: 1, uniqueItems: true },
    engine: { enum: Object.keys(ENGINE_BACKENDS) },
    backend: { enum: [...new Set(Object.values(ENGINE_BACKENDS).flat())] },
    threads: { ...integerAtLeast(0), maximum: 1024 },
    training: section({
      batchSize: { ...integerAtLeast(1), maximum: MAX_BATCH },
      momentum: { type: "number", minimum: 0, exclusiveMaximum: 1 },
      warmupFraction: { type: "number", minimum: 0, maximum: 1 },
      finalLrFraction: { type: "number", exclusiveMinimum: 0, maximum: 1 },
      noiseStd: { type: "number", minimum: 0 },
      gradClip: { type: ["number", "null"], exclusiveMinimum: 0 },
    }),
    ft: section({
      learningRates,
      cTrain: { type: "array", items: { type: "number", minimum: 0, maximum: 1 }, uniqueItems: true },
      ptMix: { type: "array", items: { type: "number", minimum: 0, maximum: 1 }, minItems: 1, uniqueItems: true },
      iterations,
    }),
    reft: section({ fromLearningRates: learningRates, learningRates, iterations }),
    randft: section({ learningRates, iterations }),
    scrft: section({ learningRates, iterations }),
    eval: section({ every: integerAtLeast(1), samples: { ...integerAtLeast(1), maximum: MAX_EVAL_SAMPLES }, stratify: { type: ["integer", "null"], minimum: 0 } }),
    checkpointEvery: integerAtLeast(1),
  },
} as const;

let compiled: ValidateFunction<ExperimentFile> | undefined;
function validator(): ValidateFunction<ExperimentFile> {
  // verbose: errors carry the offending value and their schema, for the messages below.
  compiled ??= new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true, strictNumbers: true }).compile<ExperimentFile>(EXPERIMENT_CONFIG_SCHEMA);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Messages

/** A value as it appears in a message: JSON, cut short. */
function show(value: unknown): string {
  const text = value === undefined ? "nothing" : JSON.stringify(value);
  return text.length > 40 ? text.slice(0, 37) + "..." : text;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: "a string", number: "a number", integer: "an integer", boolean: "a boolean", object: "an object", array: "an array", null: "null",
};

/** `/ft/learningRates/1` as `ft.learningRates[1]`, telling array indices from keys by the data. */
function fieldPath(root: unknown, pointer: string, extraKey?: string): string {
  const keys = pointer === "" ? [] : pointer.slice(1).split("/").map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
  let out = "";
  let at: unknown = root;
  const addKey = (key: string) => {
    out += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? (out === "" ? key : `.${key}`) : `[${JSON.stringify(key)}]`;
  };
  for (const key of keys) {
    if (Array.isArray(at)) {
      out += `[${key}]`;
      at = at[Number(key)];
    } else {
      addKey(key);
      at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[key] : undefined;
    }
  }
  if (extraKey !== undefined) addKey(extraKey);
  return out;
}

export function schemaErrorMessage(e: ErrorObject, root: unknown): string {
  const where = fieldPath(root, e.instancePath);
  const at = (reason: string, field = where) => (field === "" ? reason : `${field}: ${reason}`);
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema?.properties ?? {}) as object).filter((k) => k !== "$schema");
      const hint = suggestion(key, known);
      return at(hint ? `unknown field (did you mean ${hint}?)` : `unknown field (the fields here are ${known.join(", ")})`, fieldPath(root, e.instancePath, key));
    }
    case "required":
      return at(`missing; the file must name the task ("counter" or "max_identifier")`, fieldPath(root, e.instancePath, String(e.params.missingProperty)));
    case "type": {
      const types = ([] as string[]).concat(e.params.type as string | string[]).map((t) => TYPE_NAMES[t] ?? t);
      if (where === "") return `the config must be a JSON object, got ${Array.isArray(e.data) ? "an array" : show(e.data)}`;
      return at(`must be ${types.join(" or ")}, got ${show(e.data)}`);
    }
    case "enum": {
      const allowed = e.params.allowedValues as readonly unknown[];
      const hint = typeof e.data === "string" ? suggestion(e.data, allowed.filter((a): a is string => typeof a === "string")) : null;
      return at(`must be one of ${allowed.map(show).join(", ")}, got ${show(e.data)}${hint ? ` (did you mean ${show(hint)}?)` : ""}`);
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return at(`must be ${String(e.params.comparison)} ${String(e.params.limit)}, got ${show(e.data)}`);
    case "minItems":
    case "minLength":
      return at("must not be empty");
    case "uniqueItems": {
      const items = e.data as readonly unknown[];
      const [i, j] = [Number(e.params.i), Number(e.params.j)].sort((a, b) => a - b);
      return at(`${show(items[i!])} appears twice (at [${i}] and [${j}])`);
    }
    case "pattern":
      return at(`${PATTERN_REASONS[String(e.params.pattern)] ?? `must match ${String(e.params.pattern)}`}, got ${show(e.data)}`);
    default:
      return at(e.message ?? `fails ${e.keyword}`);
  }
}

/** The candidate a misspelt `name` probably meant: closestName, forgiving case, swapped letters and
 * a cut-short word ("count" for "counter"), which are the usual slips in a hand-written file. */
function suggestion(name: string, candidates: readonly string[]): string | null {
  const lower = name.toLowerCase();
  const byLower = new Map(candidates.map((c) => [c.toLowerCase(), c]));
  const close = closestName(lower, [...byLower.keys()]);
  if (close !== null) return byLower.get(close)!;
  const sorted = (s: string) => [...s].sort().join("");
  const anagram = candidates.filter((c) => c.length === name.length && sorted(c.toLowerCase()) === sorted(lower));
  if (anagram.length === 1) return anagram[0]!;
  const prefixed = lower.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(lower)) : [];
  return prefixed.length === 1 ? prefixed[0]! : null;
}

/** specProblem's reason, put under the field it names: "oPt must be one of ..." -> "oPt: must be one of ...". */
function specMessage(problem: string, c: ExperimentConfig): string {
  if (problem === "oPt and oFt must differ") return `oFt: must differ from oPt, both are ${show(c.oFt)}`;
  const field = /^(oPt|oFt|q|length)\b/.exec(problem)?.[1];
  if (field === undefined) return problem;
  return problem.startsWith(`${field} must`) ? `${field}: ${problem.slice(field.length + 1)}` : `${field}: ${problem}`;
}

// ---------------------------------------------------------------------------------------------
// Resolution

type Layered = Omit<ExperimentConfig, "task" | "name" | "program" | "operandVariable" | "maxLen" | "coldness">;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function mergeObjects(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const old = out[key];
    out[key] = isPlainObject(value) && isPlainObject(old) ? mergeObjects(old, value) : Array.isArray(value) ? [...(value as unknown[])] : value;
  }
  return out;
}

/** `base` with each layer on top: objects merge field by field, arrays and scalars replace. */
function mergeLayers<T extends object>(base: T, ...layers: readonly DeepPartial<T>[]): T {
  let out = base as Record<string, unknown>;
  for (const layer of layers) out = mergeObjects(out, layer as Record<string, unknown>);
  return out as T;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

let rootDir: string | undefined;
/** The folder of raspc's package.json, found by walking up from this module (bundled or not). */
export function packageRoot(): string {
  if (rootDir !== undefined) return rootDir;
  const start = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: unknown };
      if (pkg.name === "raspc") return (rootDir = dir);
    } catch {
      // no package.json here, or not ours: keep walking up
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find raspc's package.json above ${start}`);
  }
}

/** The bundled program for a task. */
export function defaultProgram(task: TaskName): string {
  return path.join(packageRoot(), "rasp-programs", `${task}.rasp`);
}

/** Why the resolved config cannot run, as `field: reason`, or null. */
function semanticProblem(c: ExperimentConfig): string | null {
  if (c.name === "." || c.name === "..") return `name: must not be "." or ".." (it names a run folder)`;
  const spec = specProblem({ task: c.task, oPt: c.oPt, oFt: c.oFt, q: c.q, length: c.length });
  if (spec) return specMessage(spec, c);
  if (c.maxLen < c.length) return `maxLen: must be >= length (${c.length}), got ${c.maxLen}`;
  if (c.eval.stratify !== null) {
    const p = stratifyProblem({ task: c.task, oPt: c.oPt, oFt: c.oFt, q: c.q, length: c.length }, c.eval.stratify, c.eval.samples);
    if (p) return `eval.${p.field}: ${p.reason}`;
  }
  const backends: readonly string[] = ENGINE_BACKENDS[c.engine];
  if (!backends.includes(c.backend)) return `backend: ${show(c.backend)} is not a backend of engine "${c.engine}" (its backends are ${backends.map(show).join(", ")})`;
  const has = (p: Protocol) => c.protocols.includes(p);
  if (has("reFT") && !has("FT") && !has("randFT")) return `protocols: "reFT" needs "FT" or "randFT" to make the models it reverses`;
  const needed: [Protocol, string, readonly number[]][] = [
    ["FT", "ft.learningRates", c.ft.learningRates],
    ["FT", "ft.cTrain", c.ft.cTrain],
    ["reFT", "reft.fromLearningRates", c.reft.fromLearningRates],
    ["reFT", "reft.learningRates", c.reft.learningRates],
    ["randFT", "randft.learningRates", c.randft.learningRates],
    ["ScrFT", "scrft.learningRates", c.scrft.learningRates],
  ];
  for (const [protocol, field, values] of needed) {
    if (has(protocol) && values.length === 0) return `${field}: must not be empty when protocols include "${protocol}"`;
  }
  if (has("FT") && has("reFT")) {
    const i = c.reft.fromLearningRates.findIndex((lr) => !c.ft.learningRates.includes(lr));
    if (i >= 0) return `reft.fromLearningRates[${i}]: ${c.reft.fromLearningRates[i]} is not one of ft.learningRates (${c.ft.learningRates.join(", ")}), so no FT model was trained at it`;
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(c.program);
  } catch {
    return `program: no such file: ${c.program}`;
  }
  if (!stat.isFile()) return `program: not a file: ${c.program}`;
  return null;
}

/**
 * Checks and resolves a parsed config file. `file` names it in messages, and a relative `program`
 * is resolved against its folder. Throws UsageError with one line naming the field.
 */
export function parseExperimentConfig(json: unknown, file: string, options: ConfigOptions = {}): ExperimentConfig {
  const validate = validator();
  // A pretraining config is a config of another command, not a misspelt field.
  if (typeof json === "object" && json !== null && (json as { kind?: unknown }).kind === "gpt-pretrain") {
    throw new UsageError(`${file}: kind: "gpt-pretrain" is a pretraining config; run it with raspc train`);
  }
  if (!validate(json)) {
    const first = validate.errors?.[0];
    throw new UsageError(`${file}: ${first ? schemaErrorMessage(first, json) : "not a valid experiment config"}`);
  }
  const { $schema: _schema, description: _description, preset: presetName = "paper", task, name, program, operandVariable, maxLen, coldness, ...settings } = json;
  const preset = mergeLayers<PresetOverrides>(PRESETS[presetName], presetName === "quick" ? QUICK_TASK_SETTINGS[task] : {});
  const spec = DEFAULT_SPECS[task];
  const base: Layered = {
    oPt: spec.oPt,
    oFt: spec.oFt,
    q: spec.q,
    length: spec.length,
    engine: "ort",
    backend: "cpu",
    threads: 0,
    ...PAPER_SETTINGS,
  };
  const m = mergeLayers(base, preset, settings);
  const config: ExperimentConfig = {
    name: name ?? `${task}-${presetName}`,
    task,
    program: program === undefined ? defaultProgram(task) : path.resolve(path.dirname(file), program),
    operandVariable: operandVariable ?? DEFAULT_OPERAND_VARIABLE[task],
    oPt: m.oPt,
    oFt: m.oFt,
    q: m.q,
    length: m.length,
    maxLen: maxLen ?? preset.maxLen ?? m.length,
    coldness: coldness === undefined ? TASK_COLDNESS[task] : coldness,
    seeds: m.seeds,
    protocols: m.protocols,
    engine: m.engine,
    backend: m.backend,
    threads: m.threads,
    training: m.training,
    ft: m.ft,
    reft: m.reft,
    randft: m.randft,
    scrft: m.scrft,
    eval: m.eval,
    checkpointEvery: m.checkpointEvery,
  };
  const problem = semanticProblem(config);
  if (problem) throw new UsageError(`${file}: ${problem}`);
  // A program named by the config stays inside the config's folder tree unless allowed (loadConfinement.ts).
  const root = confinementRoot(file);
  if (program !== undefined && options.allowOutside !== true && !insideTree(root, config.program)) {
    throw new UsageError(`${file}: program: ${program} is outside the config's folder (${path.relative(process.cwd(), root) || "."}); pass --allow-outside to allow it`);
  }
  return deepFreeze(config);
}

/**
 * Reads and resolves a config file; every problem is a one-line UsageError naming the file.
 * `overrides` replace top-level fields of the file (the command line's --engine and --backend).
 */
export function loadExperimentConfig(file: string, overrides: Readonly<Record<string, unknown>> = {}, options: ConfigOptions = {}): ExperimentConfig {
  const json = readJsonConfig(file, "an experiment config");
  const isObject = typeof json === "object" && json !== null && !Array.isArray(json);
  return parseExperimentConfig(isObject ? { ...(json as Record<string, unknown>), ...overrides } : json, file, options);
}
