// The model file: a CompiledModel as JSON, checked on the way in and on the way out. The JSON
// Schema (model.schema.json, validated with ajv) fixes the fields and their types; the checks
// after it fix what a schema cannot say: that every matrix has the shape the residual width, the
// vocabulary, maxLen and the neighbouring matrices require. Every problem is reported as one line
// naming the field, e.g. `model.json: layers[2].mlp.w1: expected 41 rows, got 40`.
import { checkUserFile } from "../interpreter/sourceFiles.js";
import * as fs from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { UsageError } from "../language/diagnostics.js";
import { atomEquals, formatAtom, type Atom } from "../rasp/values.js";
import { writeFileAtomic } from "../common/atomicWrite.js";
import schema from "./model.schema.json" with { type: "json" };
import type { CompiledModel, Matrix, PlanEntry } from "./types.js";

export { schema as modelSchema };

/** A model file is JSON text; past this size it is surely not one of ours. */
const MAX_MODEL_BYTES = 1024 * 1024 * 1024;

let validator: ValidateFunction | null = null;

function schemaValidator(): ValidateFunction {
  if (validator === null) {
    const ajv = new Ajv({ allErrors: false, allowUnionTypes: true, strict: true });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** `/layers/2/mlp/w1/3` → `layers[2].mlp.w1[3]`. */
export function fieldPath(pointer: string): string {
  if (pointer === "") return "(top level)";
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

function join(base: string, field: string): string {
  return base === "" || base === "(top level)" ? field : `${base}.${field}`;
}

function jsonType(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "object") return "an object";
  return typeof x === "string" ? "a string" : typeof x === "number" ? "a number" : typeof x === "boolean" ? "a boolean" : typeof x;
}

function valueAt(root: unknown, pointer: string): unknown {
  let v: unknown = root;
  for (const raw of pointer.split("/").slice(1)) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** One ajv error as `field: reason`. */
function describeSchemaError(e: ErrorObject, root: unknown): string {
  const at = fieldPath(e.instancePath);
  const got = valueAt(root, e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return `${join(at, String(p.missingProperty))}: missing`;
    case "additionalProperties":
      return `${at}: unknown field "${String(p.additionalProperty)}"`;
    case "type": {
      const t = String(p.type).split(",").join(" or ");
      return `${at}: expected ${t}, got ${jsonType(got)}`;
    }
    case "const":
      return `${at}: must be ${JSON.stringify(p.allowedValue)}, got ${JSON.stringify(got)}`;
    case "enum":
      return `${at}: must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}, got ${JSON.stringify(got)}`;
    case "minimum":
      return `${at}: must be at least ${String(p.limit)}, got ${JSON.stringify(got)}`;
    case "minItems":
      return `${at}: must have at least ${String(p.limit)} item(s)`;
    default:
      return `${at}: ${e.message ?? "invalid"}`;
  }
}

/**
 * The most specific of ajv's errors. With allErrors off there is usually one; should the schema
 * ever grow an anyOf/oneOf, its branches' errors come first and the deepest one is the useful one.
 */
function bestError(errors: readonly ErrorObject[]): ErrorObject {
  const combinator = (e: ErrorObject) => e.keyword === "anyOf" || e.keyword === "oneOf";
  let best = errors[0]!;
  for (const e of errors) {
    if (combinator(best) && !combinator(e)) best = e;
    else if (!combinator(e) && e.instancePath.length > best.instancePath.length) best = e;
  }
  return best;
}

class ShapeError extends Error {}

function fail(field: string, reason: string): never {
  throw new ShapeError(`${field}: ${reason}`);
}

/** Checks that `m` is rows × cols (cols may be unknown: then all rows must agree); returns cols. */
function checkMatrix(m: Matrix, field: string, rows: number, cols: number | null, rowWhat: string, colWhat: string): number {
  if (m.length !== rows) fail(field, `expected ${rows} rows (${rowWhat}), got ${m.length}`);
  let width = cols;
  for (let i = 0; i < m.length; i++) {
    const row = m[i]!;
    if (width === null) width = row.length;
    else if (row.length !== width) fail(`${field}[${i}]`, `expected ${width} columns${cols !== null ? ` (${colWhat})` : " (as in row 0)"}, got ${row.length}`);
    for (let j = 0; j < row.length; j++) if (!Number.isFinite(row[j]!)) fail(`${field}[${i}][${j}]`, `expected a finite number, got ${String(row[j])}`);
  }
  return width ?? 0;
}

function checkVector(v: readonly number[], field: string, length: number, what: string): void {
  if (v.length !== length) fail(field, `expected ${length} entries (${what}), got ${v.length}`);
  for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j]!)) fail(`${field}[${j}]`, `expected a finite number, got ${String(v[j])}`);
}

/** Everything the schema cannot express. Throws ShapeError. */
function checkConsistency(m: CompiledModel): void {
  const d = m.residual.length;
  for (let i = 0; i < m.vocab.length; i++) {
    for (let j = 0; j < i; j++) {
      if (atomEquals(m.vocab[i]!, m.vocab[j]!)) fail(`vocab[${i}]`, `${JSON.stringify(m.vocab[i])} repeats vocab[${j}] (${JSON.stringify(m.vocab[j])})`);
    }
  }
  const seen = new Map<string, number>();
  m.residual.forEach((name, i) => {
    const prev = seen.get(name);
    if (prev !== undefined) fail(`residual[${i}]`, `direction name "${name}" repeats residual[${prev}]`);
    seen.set(name, i);
  });
  checkMatrix(m.tokenEmbedding, "tokenEmbedding", m.vocab.length + 2, d, "vocab size + BOS + PAD", "residual width");
  checkMatrix(m.positionEmbedding, "positionEmbedding", m.maxLen + 1, d, "maxLen + 1 for BOS", "residual width");
  m.layers.forEach((layer, l) => {
    layer.attention.forEach((h, i) => {
      const at = `layers[${l}].attention[${i}]`;
      const dHead = checkMatrix(h.wq, `${at}.wq`, d, null, "residual width", "");
      checkMatrix(h.wk, `${at}.wk`, d, dHead, "residual width", "as many as wq");
      const dValue = checkMatrix(h.wv, `${at}.wv`, d, null, "residual width", "");
      checkMatrix(h.wo, `${at}.wo`, dValue, d, "as many as wv has columns", "residual width");
    });
    if (layer.mlp !== null) {
      const at = `layers[${l}].mlp`;
      const hidden = checkMatrix(layer.mlp.w1, `${at}.w1`, d, null, "residual width", "");
      checkVector(layer.mlp.b1, `${at}.b1`, hidden, "w1's columns");
      checkMatrix(layer.mlp.w2, `${at}.w2`, hidden, d, "w1's columns", "residual width");
      checkVector(layer.mlp.b2, `${at}.b2`, d, "residual width");
      layer.mlp.parts.forEach((p, i) => {
        if (p.hiddenStart > p.hiddenEnd || p.hiddenEnd > hidden) fail(`${at}.parts[${i}]`, `hidden range ${p.hiddenStart}..${p.hiddenEnd} is not within 0..${hidden}`);
      });
    }
  });
  const outCols = m.output.encoding === "numerical" ? 1 : m.output.values.length;
  checkMatrix(m.unembedding, "unembedding", d, outCols, "residual width", m.output.encoding === "numerical" ? "one for a numerical output" : "one per output value");
  if (!Number.isFinite(m.output.noneThreshold)) fail("output.noneThreshold", "expected a finite number");
  m.plan.forEach((e, i) => {
    const at = `plan[${i}]`;
    if (e.layer >= m.layers.length) fail(`${at}.layer`, `layer ${e.layer} does not exist (the model has ${m.layers.length})`);
    if (e.kind === "embedding" && e.layer !== -1) fail(`${at}.layer`, `an embedding entry must have layer -1, got ${e.layer}`);
    if (e.kind !== "embedding" && e.layer === -1) fail(`${at}.layer`, `a ${e.kind} entry needs a layer, got -1`);
    e.dims.forEach((dim, j) => {
      if (dim >= d) fail(`${at}.dims[${j}]`, `dimension ${dim} is outside the residual (width ${d})`);
    });
    if (e.encoding === "categorical" && e.dims.length !== e.values.length && e.dims.length !== e.values.filter((v) => v !== null).length) {
      fail(`${at}.dims`, `a categorical s-op needs one dimension per value (None may have none): ${e.values.length} values (${e.values.map(formatAtom).join(", ")}), ${e.dims.length} dims`);
    }
    if (e.encoding === "numerical" && e.dims.length !== 1) fail(`${at}.dims`, `a numerical s-op has exactly one dimension, got ${e.dims.length}`);
  });
}

/**
 * The residual dimension of each value of a plan entry. A categorical s-op has one dimension per
 * value, in the order of `values`; None either has a dimension of its own (when `dims` is as long
 * as `values`) or none at all (all-zero means None). A numerical s-op has one dimension holding
 * the value itself, returned as the single pair [null, dim].
 */
export function planValueDims(entry: PlanEntry): [Atom, number][] {
  if (entry.encoding === "numerical") return [[null, entry.dims[0]!]];
  const values = entry.dims.length === entry.values.length ? entry.values : entry.values.filter((v) => v !== null);
  return values.map((v, i) => [v, entry.dims[i]!]);
}

/**
 * Checks that `value` is a well-formed CompiledModel; `where` names it in errors (a file name).
 * Throws UsageError with a one-line reason naming the field.
 */
export function validateModel(value: unknown, where: string): CompiledModel {
  const validate = schemaValidator();
  if (!validate(value)) {
    const errors = validate.errors ?? [];
    const reason = errors.length > 0 ? describeSchemaError(bestError(errors), value) : "not a raspc model";
    throw new UsageError(`${where}: ${reason}`);
  }
  const model = value as CompiledModel;
  try {
    checkConsistency(model);
  } catch (err) {
    if (err instanceof ShapeError) throw new UsageError(`${where}: ${err.message}`);
    throw err;
  }
  return model;
}

/** The model as the text of a model file. */
export function serializeModel(model: CompiledModel): string {
  return JSON.stringify(model) + "\n";
}

/**
 * Validates and writes a model file atomically: the file appears complete or not at all, also
 * when validation or the write fails.
 */
export function writeModel(file: string, model: CompiledModel): void {
  validateModel(model, `${file} (model to write)`);
  writeFileAtomic(file, serializeModel(model));
}

/** Reads and validates a model file. Throws UsageError with one line naming the file and field. */
export function readModel(file: string): CompiledModel {
  checkUserFile(file, "a raspc model file", MAX_MODEL_BYTES, "1 GiB");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not valid JSON (${(err as Error).message.split("\n")[0]}); a model file is written by \`raspc compile\``);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError(`${file}: expected a JSON object (a raspc model), got ${jsonType(value)}`);
  if ((value as { format?: unknown }).format !== "raspc-model") {
    const f = (value as { format?: unknown }).format;
    throw new UsageError(`${file}: format: ${f === undefined ? "missing" : `expected "raspc-model", got ${JSON.stringify(f)}`}; not a raspc model file`);
  }
  return validateModel(value, file);
}
