// The task config of `raspc pcfg data`: one JSON file naming a grammar, the vocabulary's special
// tokens, the families with their O' and tokens (several per family for the jailbreak variant),
// the operand prior P_T, and what to make: pretraining samples and/or fine-tuning sets with a
// planted correlation. The whole config is checked before anything is sampled or written: the JSON
// Schema below (structure, types, ranges, unknown fields), then what a schema cannot say (the
// grammar's terminals, token collisions, priors summing to 1, labels that fit the window). Every
// problem is one line naming the field: `task.json: prior.d: "d" is not a terminal of the grammar`.
// Grammar errors are the grammar file's own located diagnostics.
import * as path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { UsageError } from "../../../compiler/language/diagnostics.js";
import { loadGrammar, type LoadedGrammar } from "../../../compiler/pcfg/load.js";
import { grammarStats, type GrammarStats } from "../../../compiler/pcfg/stats.js";
import { schemaErrorMessage } from "../../experiment/config.js";
import { readJsonConfig } from "../../experiment/jsonSyntax.js";
import { FAMILIES, PAPER_OPERAND2, takesOperand, type Family } from "./families.js";
import type { LabelMode } from "./finetuning.js";
import type { ShortStrings } from "./text.js";
import { DEFAULT_SPECIAL_TOKENS, Vocabulary, type SpecialTokens } from "./vocabulary.js";
import type { FamilySpec, TaskSetup } from "./tasks.js";

/** The paper's operand priors P_T(a, b, c) (appendix E.2); low/medium/high are section 3.1's names. */
export const PRIOR_PRESETS: Readonly<Record<string, readonly [number, number, number]>> = {
  "0.999": [0.999, 0.001, 0],
  "0.99": [0.99, 0.01, 0],
  "0.9": [0.9, 0.1, 0],
  "0.7": [0.7, 0.2, 0.1],
  "0.5": [0.5, 0.3, 0.2],
  low: [0.999, 0.001, 0],
  medium: [0.9, 0.1, 0],
  high: [0.5, 0.3, 0.2],
};

export const DEFAULT_FAMILY_TOKENS: Readonly<Record<Family, string>> = { C: "<C>", CC: "<CC>", I: "<I>", IC: "<IC>", T: "<T>" };

/** Sets are held in memory and written whole; larger ones belong to online generation in training. */
export const MAX_SET_SIZE = 200_000;
const MAX_WINDOW = 100_000;
/** How far a prior may sum from 1. */
const PRIOR_TOLERANCE = 1e-9;

export interface FinetuneConfig {
  readonly family: "C" | "I";
  readonly familyToken: string;
  readonly oPt: string;
  readonly oFt: string;
  readonly q: number;
  readonly count: number;
  readonly cTrain: readonly number[];
  readonly testCount: number;
  readonly cTest: readonly number[];
  readonly labels: LabelMode;
  /** Fraction of each set drawn from the pretraining distribution (appendix G.1). */
  readonly mixPretraining: number;
}

export interface PcfgTaskConfig {
  readonly file: string;
  readonly grammarFile: string;
  readonly loaded: LoadedGrammar;
  readonly stats: GrammarStats;
  readonly seed: number;
  readonly window: number;
  readonly shortStrings: ShortStrings;
  readonly setup: TaskSetup;
  /** The prior's preset name, or null for a user-given one. */
  readonly priorName: string | null;
  readonly pretraining: { readonly count: number } | null;
  readonly finetuning: FinetuneConfig | null;
}

// ---------------------------------------------------------------------------------------------
// The schema (draft-07), a TS object so the bundled CLI needs no file beside it.

const tokenString = { type: "string", minLength: 1, pattern: "^\\S+$" };
const count = { type: "integer", minimum: 1, maximum: MAX_SET_SIZE };
const fraction = { type: "number", minimum: 0, maximum: 1 };
const familySchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    operand2: { type: "integer", minimum: 1 },
    token: tokenString,
    extraTokens: {
      type: "array",
      items: { type: "object", additionalProperties: false, required: ["token"], properties: { token: tokenString, operands: { type: "array", items: { type: "string" }, minItems: 1, uniqueItems: true } } },
    },
  },
};

export const PCFG_TASK_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "raspc PCFG task data",
  type: "object",
  additionalProperties: false,
  required: ["grammar"],
  properties: {
    $schema: { type: "string" },
    description: { type: "string" },
    grammar: { type: "string", minLength: 1 },
    seed: { type: "integer", minimum: 0, maximum: 4294967295 },
    window: { type: "integer", minimum: 1, maximum: MAX_WINDOW },
    shortStrings: { enum: ["concatenate", "resample"] },
    tokens: { type: "object", additionalProperties: false, properties: Object.fromEntries(Object.keys(DEFAULT_SPECIAL_TOKENS).map((k) => [k, tokenString])) },
    families: { type: "object", additionalProperties: false, minProperties: 1, properties: Object.fromEntries(FAMILIES.map((f) => [f, familySchema])) },
    prior: { oneOf: [{ enum: Object.keys(PRIOR_PRESETS) }, { type: "object", minProperties: 1, additionalProperties: { type: "number", minimum: 0, maximum: 1 } }] },
    pretraining: { type: "object", additionalProperties: false, required: ["count"], properties: { count } },
    finetuning: {
      type: "object",
      additionalProperties: false,
      required: ["family"],
      properties: {
        family: { enum: ["C", "I"] },
        familyToken: tokenString,
        oPt: { type: "string" },
        oFt: { type: "string" },
        q: { type: "integer" },
        count,
        cTrain: { type: "array", items: fraction, uniqueItems: true },
        testCount: count,
        cTest: { type: "array", items: fraction, uniqueItems: true },
        labels: {
          oneOf: [
            { enum: ["natural", "uniform"] },
            { type: "object", additionalProperties: false, required: ["min", "max"], properties: { min: { type: "integer", minimum: 0 }, max: { type: "integer", minimum: 0 } } },
          ],
        },
        mixPretraining: { type: "number", minimum: 0, exclusiveMaximum: 1 },
      },
    },
  },
} as const;

interface FamilyFile {
  readonly operand2?: number;
  readonly token?: string;
  readonly extraTokens?: readonly { readonly token: string; readonly operands?: readonly string[] }[];
}

interface TaskFile {
  readonly grammar: string;
  readonly seed?: number;
  readonly window?: number;
  readonly shortStrings?: ShortStrings;
  readonly tokens?: Partial<SpecialTokens>;
  readonly families?: Partial<Record<Family, FamilyFile>>;
  readonly prior?: string | Readonly<Record<string, number>>;
  readonly pretraining?: { readonly count: number };
  readonly finetuning?: {
    readonly family: "C" | "I";
    readonly familyToken?: string;
    readonly oPt?: string;
    readonly oFt?: string;
    readonly q?: number;
    readonly count?: number;
    readonly cTrain?: readonly number[];
    readonly testCount?: number;
    readonly cTest?: readonly number[];
    readonly labels?: "natural" | "uniform" | { readonly min: number; readonly max: number };
    readonly mixPretraining?: number;
  };
}

let compiled: ValidateFunction<TaskFile> | undefined;
function validator(): ValidateFunction<TaskFile> {
  compiled ??= new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true, strictNumbers: true }).compile<TaskFile>(PCFG_TASK_SCHEMA);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Messages

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? text.slice(0, 37) + "..." : text;
}

/** The experiment config's messages, except where this config's fields deserve their own words. */
function schemaMessage(e: ErrorObject, root: unknown): string {
  const where = e.instancePath.slice(1).replace(/\//g, ".").replace(/\.(\d+)(?=\.|$)/g, "[$1]");
  const at = (reason: string, field = where) => (field === "" ? reason : `${field}: ${reason}`);
  if (e.keyword === "required") return at("missing", [where, String(e.params.missingProperty)].filter((x) => x !== "").join("."));
  if (e.keyword === "additionalProperties" && where === "families") return at(`unknown task family (the families are ${FAMILIES.join(", ")})`, `families.${String(e.params.additionalProperty)}`);
  if (e.keyword === "enum" && where === "finetuning.family") return at(`must be "C" (Counter) or "I" (Indexer), the families the paper fine-tunes, got ${show(e.data)}`);
  if (e.keyword === "pattern") return at(`a token must be non-empty and without white space, got ${show(e.data)}`);
  if (e.keyword === "minProperties") return at("must not be empty");
  if (e.keyword === "oneOf" && where === "prior") return at(`must be a preset (${Object.keys(PRIOR_PRESETS).map(show).join(", ")}) or an object of terminal probabilities, got ${show(e.data)}`);
  if (e.keyword === "oneOf" && where === "finetuning.labels") return at(`must be "natural", "uniform" or {"min": M, "max": N}, got ${show(e.data)}`);
  return schemaErrorMessage(e, root);
}

/** The error ajv reports first can be a branch of a oneOf; the oneOf itself reads better. */
function firstError(errors: readonly ErrorObject[]): ErrorObject {
  const oneOf = errors.find((e) => e.keyword === "oneOf");
  const first = errors[0]!;
  return oneOf && first.instancePath.startsWith(oneOf.instancePath) ? oneOf : first;
}

// ---------------------------------------------------------------------------------------------
// Resolution

const quoted = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(", ");

/** The default label range of a fine-tuning family ("uniform"): ours, see docs/pcfg.md. */
export function defaultLabelRange(family: "C" | "I", operand2: number, q: number, window: number): { min: number; max: number } {
  if (family === "C") return { min: Math.max(0, q), max: Math.floor((operand2 + q) / 2) };
  return { min: 2 * operand2 + Math.abs(q), max: Math.min(window, 2 * operand2 + Math.abs(q) + 24) };
}

/**
 * Checks and resolves a parsed config. `file` names it in messages; a relative grammar path is
 * resolved against its folder. Throws UsageError (one line naming the field) or, for a bad
 * grammar, the grammar's ParseFailure. `sources` receives the grammar's text for diagnostics.
 */
export function parsePcfgTaskConfig(json: unknown, file: string, sources?: Map<string, string>): PcfgTaskConfig {
  const validate = validator();
  if (!validate(json)) throw new UsageError(`${file}: ${validate.errors?.length ? schemaMessage(firstError(validate.errors), json) : "not a valid task config"}`);
  const fail = (field: string, reason: string): never => {
    throw new UsageError(`${file}: ${field}: ${reason}`);
  };
  const grammarFile = path.resolve(path.dirname(file), json.grammar);
  let loaded: LoadedGrammar;
  try {
    loaded = loadGrammar(path.relative(process.cwd(), grammarFile) || grammarFile, sources);
  } catch (err) {
    if (err instanceof UsageError) fail("grammar", err.message);
    throw err;
  }
  const g = loaded!.grammar;
  const stats = grammarStats(g);
  const terminals = g.terminals;
  const terminalId = (t: string, field: string): number => {
    const i = terminals.indexOf(t);
    if (i < 0) fail(field, `${JSON.stringify(t)} is not a terminal of the grammar (its terminals are ${quoted(terminals)})`);
    return i;
  };

  const window = json.window ?? 250;
  const shortStrings = json.shortStrings ?? "concatenate";
  if (shortStrings === "resample" && stats.length.max < window) {
    fail("window", `${window} is longer than any string the grammar makes (at most ${stats.length.max} terminals) and shortStrings is "resample"; use "concatenate" or a window of at most ${stats.length.max}`);
  }
  const tokens: SpecialTokens = { ...DEFAULT_SPECIAL_TOKENS, ...json.tokens };

  // Families: the listed ones (all five by default), with the paper's O' unless given.
  const familyFile: Partial<Record<Family, FamilyFile>> = json.families ?? Object.fromEntries(FAMILIES.map((f) => [f, {}]));
  const families: FamilySpec[] = [];
  for (const f of FAMILIES) {
    const ff = familyFile[f];
    if (ff === undefined) continue;
    const operand2 = ff.operand2 ?? PAPER_OPERAND2[f];
    if (operand2 > window) fail(`families.${f}.operand2`, `${operand2} is more than the window of ${window} tokens`);
    const extra = (ff.extraTokens ?? []).map((x, i) => {
      if (x.operands && !takesOperand(f)) fail(`families.${f}.extraTokens[${i}].operands`, `family ${f} takes no operand (its operand is NULL)`);
      return { token: x.token, operands: x.operands ? x.operands.map((o, j) => terminalId(o, `families.${f}.extraTokens[${i}].operands[${j}]`)) : null };
    });
    families.push({ family: f, operand2, tokens: [{ token: ff.token ?? DEFAULT_FAMILY_TOKENS[f], operands: null }, ...extra] });
  }

  // Every token distinct, and no terminal spelled like a special, family or number token.
  const seen = new Map<string, string>();
  const claim = (token: string, field: string) => {
    const before = seen.get(token);
    if (before !== undefined) fail(field, `${JSON.stringify(token)} is already ${before}`);
    seen.set(token, field);
  };
  for (const [k, v] of Object.entries(tokens)) claim(v, `tokens.${k}`);
  for (const f of families) f.tokens.forEach((t, i) => claim(t.token, i === 0 ? `families.${f.family}.token` : `families.${f.family}.extraTokens[${i - 1}].token`));
  for (const [token, field] of seen) if (/^\d+$/.test(token) && Number(token) <= window) fail(field, `${JSON.stringify(token)} is a number token (answers and O' are the numbers 0..${window})`);
  for (const t of terminals) {
    const field = seen.get(t);
    if (field !== undefined) fail("grammar", `the terminal ${JSON.stringify(t)} collides with the token of ${field}; rename one of them`);
    if (/^\d+$/.test(t) && Number(t) <= window) fail("grammar", `the terminal ${JSON.stringify(t)} collides with the number token ${t} (answers and O' are the numbers 0..${window})`);
  }

  // The operand prior P_T over the grammar's terminals.
  const priorFile = json.prior ?? "high";
  let priorName: string | null = null;
  let prior: number[];
  if (typeof priorFile === "string") {
    priorName = priorFile;
    const missing = ["a", "b", "c"].filter((t) => !terminals.includes(t));
    if (missing.length > 0) fail("prior", `the preset ${JSON.stringify(priorFile)} gives P_T(a, b, c), but the grammar has no terminal ${quoted(missing)}; give the prior as an object such as {"x": 0.9, "y": 0.1}`);
    const p = PRIOR_PRESETS[priorFile]!;
    prior = terminals.map((t) => (t === "a" ? p[0] : t === "b" ? p[1] : t === "c" ? p[2] : 0));
  } else {
    prior = terminals.map(() => 0);
    for (const [t, p] of Object.entries(priorFile)) prior[terminalId(t, `prior.${t}`)] = p;
    const sum = prior.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > PRIOR_TOLERANCE) fail("prior", `the probabilities sum to ${Number(sum.toPrecision(6))}, not 1`);
  }

  const vocabulary = new Vocabulary(tokens, families.flatMap((f) => f.tokens.map((t) => t.token)), window, terminals);
  const setup: TaskSetup = { grammar: g, vocabulary, window, shortStrings, families, prior };

  let finetuning: FinetuneConfig | null = null;
  if (json.finetuning) {
    const ft = json.finetuning;
    const spec = families.find((f) => f.family === ft.family);
    if (!spec) fail("finetuning.family", `${JSON.stringify(ft.family)} is not among the config's families (${families.map((f) => f.family).join(", ")})`);
    const familyToken = ft.familyToken ?? spec!.tokens[0]!.token;
    if (!spec!.tokens.some((t) => t.token === familyToken)) fail("finetuning.familyToken", `${JSON.stringify(familyToken)} is not a token of family ${ft.family} (${quoted(spec!.tokens.map((t) => t.token))})`);
    const oPt = ft.oPt ?? "a";
    const oFt = ft.oFt ?? "b";
    terminalId(oPt, "finetuning.oPt");
    terminalId(oFt, "finetuning.oFt");
    if (oPt === oFt) fail("finetuning.oFt", `must differ from oPt, both are ${JSON.stringify(oFt)}`);
    if (terminals.length < 3) fail("grammar", `fine-tuning data is made by editing the window, which needs a terminal other than oPt and oFt; the grammar has only ${quoted(terminals)}`);
    const q = ft.q ?? 1;
    if (q === 0) fail("finetuning.q", "must not be 0 (the correlation would say the two labels are equal)");
    const operand2 = spec!.operand2;
    let labels: LabelMode;
    if (ft.labels === "natural") labels = { kind: "natural" };
    else {
      const range = ft.labels === undefined || ft.labels === "uniform" ? defaultLabelRange(ft.family, operand2, q, window) : ft.labels;
      if (range.min > range.max) fail("finetuning.labels", `min ${range.min} is more than max ${range.max}`);
      if (ft.family === "C") {
        if (range.min < q) fail("finetuning.labels.min", `${range.min} is below q = ${q}: count(${oPt}) = count(${oFt}) - q would be negative`);
        if (2 * range.max - q > operand2) fail("finetuning.labels.max", `${range.max} is too large: count(${oFt}) = ${range.max} and count(${oPt}) = ${range.max - q} do not fit in the last ${operand2} tokens`);
      } else {
        const least = 2 * operand2 + Math.abs(q) - 1;
        if (range.min < least) fail("finetuning.labels.min", `${range.min} is too small: the ${operand2}th-last ${oFt} and ${oPt} at indices ${Math.abs(q)} apart need at least ${least} positions`);
        if (range.max > window - Math.max(0, -q)) fail("finetuning.labels.max", `${range.max} is beyond the window of ${window} tokens`);
      }
      const fractions = [...(ft.cTrain ?? [0, 1]), ...(ft.cTest ?? [])];
      if (range.min === range.max && fractions.some((f) => f < 1)) fail("finetuning.labels", `a single label (${range.min}) leaves no uncorrelated value for r(x; ${oPt}) in sets with C < 1; widen the range`);
      labels = { kind: "uniform", ...range };
    }
    finetuning = {
      family: ft.family,
      familyToken,
      oPt,
      oFt,
      q,
      count: ft.count ?? 1000,
      cTrain: ft.cTrain ?? [0, 1],
      testCount: ft.testCount ?? ft.count ?? 1000,
      cTest: ft.cTest ?? [],
      labels,
      mixPretraining: ft.mixPretraining ?? 0,
    };
    if (finetuning.cTrain.length === 0 && finetuning.cTest.length === 0) fail("finetuning.cTrain", "must not be empty (or give cTest)");
  }
  if (!json.pretraining && !finetuning) fail("pretraining", `the config makes nothing: give "pretraining": {"count": N} and/or "finetuning"`);
  return { file, grammarFile, loaded: loaded!, stats, seed: json.seed ?? 0, window, shortStrings, setup, priorName, pretraining: json.pretraining ?? null, finetuning };
}

/** Reads and resolves a task config file; every problem is a one-line UsageError naming the file. */
export function loadPcfgTaskConfig(file: string, overrides: { seed?: number } = {}, sources?: Map<string, string>): PcfgTaskConfig {
  let json = readJsonConfig(file, "a task config");
  if (overrides.seed !== undefined && typeof json === "object" && json !== null && !Array.isArray(json)) json = { ...json, seed: overrides.seed };
  return parsePcfgTaskConfig(json, file, sources);
}
