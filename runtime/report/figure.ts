// A figure: what every instrument (attn, prune, probe, patch) hands to the report. It is a
// Vega-Lite spec with its data inline, a title, a caption that states the numbers behind the claim,
// and optionally the same numbers as a table. An instrument saves its figures as
// RUN_DIR/figures/<id>.json; `raspc report` loads every one of them and draws it. The file carries a
// format tag so that a stray JSON file in figures/ is refused by name instead of drawn as nonsense,
// and a figure is checked on the way out as on the way in (schema, table shape, and a Vega-Lite
// compile), so a broken figure is caught by the instrument that made it.
import * as fs from "node:fs";
import * as path from "node:path";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { compile, type TopLevelSpec } from "vega-lite";
import { UsageError } from "../../compiler/language/diagnostics.js";
import { writeFileAtomic } from "../../compiler/common/atomicWrite.js";
import { fieldPath } from "../../compiler/model/modelFile.js";
import { readJsonConfig } from "../experiment/jsonSyntax.js";

/** A Vega-Lite top-level spec (v6), data inline as `values`. */
export type VegaLiteSpec = TopLevelSpec;

export interface Figure {
  /** File-name-safe id, e.g. "attn-FT-lr1e-4-c1-s0"; the file is figures/<id>.json. */
  readonly id: string;
  readonly title: string;
  /** What it shows, plus the numbers behind the claim. */
  readonly caption: string;
  readonly spec: VegaLiteSpec;
  readonly table?: { readonly header: readonly string[]; readonly rows: readonly (readonly (string | number)[])[] };
}

export const FIGURES_DIR = "figures";
const FORMAT = "raspc-figure";
const VERSION = 1;
/** Figures carry their data; an attention map of several models is a few MiB at most. */
const MAX_FIGURE_BYTES = 64 * 1024 * 1024;
const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._=+-]{0,159}$";

const SCHEMA = {
  type: "object",
  required: ["format", "version", "id", "title", "caption", "spec"],
  additionalProperties: false,
  properties: {
    format: { const: FORMAT },
    version: { const: VERSION },
    id: { type: "string", pattern: ID_PATTERN },
    title: { type: "string" },
    caption: { type: "string" },
    spec: { type: "object" },
    table: {
      type: "object",
      required: ["header", "rows"],
      additionalProperties: false,
      properties: {
        header: { type: "array", items: { type: "string" } },
        rows: { type: "array", items: { type: "array", items: { type: ["string", "number"] } } },
      },
    },
  },
} as const;

let validator: ValidateFunction | null = null;

function schemaProblem(value: unknown): string | null {
  validator ??= new Ajv({ allErrors: false, allowUnionTypes: true, strict: true }).compile(SCHEMA);
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  if (isObject && (value as { format?: unknown }).format !== FORMAT) return `not a raspc figure file (format must be "${FORMAT}")`;
  if (validator(value)) return null;
  const e: ErrorObject | undefined = validator.errors?.[0];
  if (e === undefined) return "not a figure";
  const at = fieldPath(e.instancePath);
  if (e.keyword === "required") return `${e.instancePath === "" ? "" : `${at}.`}${String(e.params.missingProperty)}: missing`;
  if (e.keyword === "additionalProperties") return `${at}: unknown field "${String(e.params.additionalProperty)}"`;
  if (e.keyword === "pattern") return `${at}: must be a file-name-safe id (letters, digits and . _ = + -, starting with a letter or digit, at most 160 characters)`;
  return `${at}: ${e.message ?? "invalid"}`;
}

/** Why a figure (with its format tag) is not one we can draw, or null. */
function figureProblem(value: unknown): string | null {
  const problem = schemaProblem(value);
  if (problem !== null) return problem;
  const fig = value as Figure;
  if (fig.table) {
    const width = fig.table.header.length;
    for (let i = 0; i < fig.table.rows.length; i++) {
      const n = fig.table.rows[i]!.length;
      if (n !== width) return `table.rows[${i}]: ${n} cell(s), but the header has ${width}`;
    }
  }
  try {
    compile(fig.spec, { logger: silentLogger() });
  } catch (err) {
    return `spec: not a Vega-Lite spec this version can draw (${(err instanceof Error ? err.message : String(err)).split("\n")[0]})`;
  }
  return null;
}

/** Vega-Lite's warnings are the builders' business (test/report checks there are none), not the reader's. */
function silentLogger(): NonNullable<Parameters<typeof compile>[1]>["logger"] {
  const self = {
    level: (_?: number) => (_ === undefined ? 0 : self),
    error: () => self,
    warn: () => self,
    info: () => self,
    debug: () => self,
  };
  return self;
}

/** The figure as its file holds it. */
export function figureJson(fig: Figure): string {
  const { id, title, caption, spec, table } = fig;
  return JSON.stringify({ format: FORMAT, version: VERSION, id, title, caption, spec, ...(table ? { table } : {}) }) + "\n";
}

/** Checks `fig` as loadFigures would; throws a UsageError naming the figure. */
export function checkFigure(fig: Figure): void {
  const problem = figureProblem(JSON.parse(figureJson(fig)) as unknown);
  if (problem !== null) throw new UsageError(`figure ${JSON.stringify(fig.id)}: ${problem}`);
}

/** Writes dir/figures/<id>.json atomically (the folder is made if needed) and returns its path. */
export function saveFigure(dir: string, fig: Figure): string {
  checkFigure(fig);
  const folder = path.join(dir, FIGURES_DIR);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new UsageError(`${folder}: cannot make the figures folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const file = path.join(folder, `${fig.id}.json`);
  writeFileAtomic(file, figureJson(fig));
  return file;
}

/** The figure files of `dir` (dir/figures/*.json), sorted; none if there is no figures folder. */
export function figureFiles(dir: string): string[] {
  const folder = path.join(dir, FIGURES_DIR);
  let names: string[];
  try {
    if (!fs.statSync(folder).isDirectory()) throw new UsageError(`${folder}: is not a folder (figures/ holds the instruments' figure files)`);
    names = fs.readdirSync(folder);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new UsageError(`${folder}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return names.filter((n) => n.endsWith(".json") && !n.startsWith(".")).sort().map((n) => path.join(folder, n));
}

/** Reads one figure file; every problem is a UsageError naming it. */
export function loadFigure(file: string): Figure {
  const json = readJsonConfig(file, "a figure file", MAX_FIGURE_BYTES);
  const problem = figureProblem(json);
  if (problem !== null) throw new UsageError(`${file}: ${problem}`);
  const { id, title, caption, spec, table } = json as Figure;
  if (`${id}.json` !== path.basename(file)) throw new UsageError(`${file}: id: "${id}" does not match the file name (a figure's file is figures/<id>.json)`);
  return table ? { id, title, caption, spec, table } : { id, title, caption, spec };
}

/** Every figure of dir/figures/, validated, sorted by id; a bad file is a UsageError naming it. */
export function loadFigures(dir: string): Figure[] {
  return figureFiles(dir)
    .map(loadFigure)
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
