// `raspc pcfg check|info|sample|data`: the PCFG side of the toolchain.
//   check FILE                      diagnostics only (warnings on stderr, `FILE: ok` on stdout)
//   info FILE [--window W] [--json] exact statistics: symbols, rules, spectral radius, length
//                                   mean/sd/min/max and, for acyclic grammars, the length histogram
//   sample FILE -n N [--seed S] [--tree] [--jsonl]   seeded strings (or derivation trees) on stdout
//   data TASKCONFIG [--out DIR] [--count N] [--seed S]  the paper's task samples with histograms
import { UsageError, formatDiagnostic, type Diagnostic } from "../../language/diagnostics.js";
import { loadGrammar } from "../../pcfg/load.js";
import { grammarStats, probabilityShorterThan, type GrammarStats } from "../../pcfg/stats.js";
import type { Grammar } from "../../pcfg/grammar.js";
import { quoteTerminal } from "../../pcfg/grammar.js";
import { progressBar } from "../progress.js";
import { makeRng } from "../../../runtime/random.js";
import { PcfgSampler, type DerivationTree } from "../../../runtime/tasks/pcfg/sampler.js";
import { parseNonNegativeInt, parsePositiveInt } from "./modelArgs.js";

function printWarnings(loaded: { warnings: readonly Diagnostic[] }, sources: ReadonlyMap<string, string>): void {
  for (const w of loaded.warnings) process.stderr.write(formatDiagnostic(w, sources) + "\n");
}

export function pcfgCheck(file: string, sources: Map<string, string>): number {
  const loaded = loadGrammar(file, sources);
  printWarnings(loaded, sources);
  const n = loaded.warnings.length;
  process.stdout.write(`${file}: ok${n > 0 ? ` (${n} warning${n === 1 ? "" : "s"})` : ""}\n`);
  return 0;
}

export interface InfoOptions {
  readonly window?: string;
  readonly json?: boolean;
}

const DEFAULT_WINDOW = 250;

const num = (x: number, digits = 4): string => (Number.isFinite(x) ? String(Number(x.toFixed(digits))) : "infinite");

/** Length histogram of an exact distribution in about `bins` rows, bars scaled to the largest. */
function lengthHistogram(dist: readonly number[], min: number, max: number, bins = 15, width = 40): string[] {
  const size = Math.max(1, Math.ceil((max - min + 1) / bins));
  const rows: [string, number][] = [];
  for (let lo = min; lo <= max; lo += size) {
    const hi = Math.min(max, lo + size - 1);
    let p = 0;
    for (let k = lo; k <= hi; k++) p += dist[k] ?? 0;
    rows.push([lo === hi ? `${lo}` : `${lo}-${hi}`, p]);
  }
  const top = Math.max(...rows.map(([, p]) => p));
  const labelWidth = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, p]) => `    ${l.padStart(labelWidth)} | ${"#".repeat(top > 0 ? Math.round((p / top) * width) : 0).padEnd(width)} ${p > 0 && p < 5e-5 ? "<0.01" : (100 * p).toFixed(2)}%`);
}

export function infoText(g: Grammar, s: GrammarStats, window: number): string {
  const terminals = [...s.terminalCounts].sort((a, b) => (a.terminal < b.terminal ? -1 : a.terminal > b.terminal ? 1 : 0));
  const lines = [
    `${g.file}`,
    `  start symbol      ${g.nonterminals[g.start]}`,
    `  nonterminals      ${s.nonterminals} (${s.reachableNonterminals} reachable)`,
    `  terminals         ${s.terminals}: ${terminals.map((t) => quoteTerminal(t.terminal)).join(" ")}`,
    `  rules             ${s.rules}`,
    `  spectral radius   ${num(s.spectralRadius, 6)} ${s.acyclic ? "(acyclic: no nonterminal derives itself)" : "(recursive; below 1, so consistent)"}`,
    `  string length     mean ${num(s.length.mean)}, sd ${num(s.length.sd)}, min ${s.length.min}, max ${Number.isFinite(s.length.max) ? s.length.max : "unbounded"} (exact)`,
  ];
  if (s.lengthDistribution) {
    lines.push(`  shorter than ${window}  ${(100 * probabilityShorterThan(s.lengthDistribution, window)).toFixed(2)}% of strings (the task window; exact)`);
  }
  lines.push(`  terminal shares   ${terminals.map((t) => `${quoteTerminal(t.terminal)} ${(100 * t.share).toFixed(2)}% (${num(t.expected)} per string)`).join(", ")}`);
  if (s.lengthDistribution && s.length.max > s.length.min) {
    lines.push("  length distribution (exact):", ...lengthHistogram(s.lengthDistribution, s.length.min, s.length.max));
  }
  return lines.join("\n") + "\n";
}

export function pcfgInfo(file: string, opts: InfoOptions, sources: Map<string, string>): number {
  const window = opts.window !== undefined ? parsePositiveInt(opts.window, "--window") : DEFAULT_WINDOW;
  const loaded = loadGrammar(file, sources);
  printWarnings(loaded, sources);
  const g = loaded.grammar;
  const s = grammarStats(g);
  if (opts.json) {
    const json = {
      file: g.file,
      start: g.nonterminals[g.start],
      nonterminals: s.nonterminals,
      reachableNonterminals: s.reachableNonterminals,
      terminals: g.terminals,
      rules: s.rules,
      spectralRadius: s.spectralRadius,
      acyclic: s.acyclic,
      length: { ...s.length, max: Number.isFinite(s.length.max) ? s.length.max : null },
      window,
      shorterThanWindow: s.lengthDistribution ? probabilityShorterThan(s.lengthDistribution, window) : null,
      terminalCounts: s.terminalCounts,
      lengthDistribution: s.lengthDistribution,
    };
    process.stdout.write(JSON.stringify(json) + "\n");
  } else process.stdout.write(infoText(g, s, window));
  return 0;
}

export interface SampleOptions {
  readonly n?: string;
  readonly seed?: string;
  readonly tree?: boolean;
  readonly jsonl?: boolean;
}

/** `(s (r ...) 'a')`, written without recursion so deep trees cannot overflow the stack. */
export function bracketTree(tree: DerivationTree): string {
  const out: string[] = [];
  const stack: (DerivationTree | ")")[] = [tree];
  let needSpace = false;
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t === ")") {
      out.push(")");
      needSpace = true;
      continue;
    }
    if (needSpace) out.push(" ");
    if (t.terminal) {
      out.push(quoteTerminal(t.symbol));
      needSpace = true;
      continue;
    }
    out.push(`(${t.symbol}`);
    needSpace = true;
    stack.push(")");
    const kids = t.children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
  }
  return out.join("");
}

/** A tree as nested JSON arrays `["s", ["r", "a", ...], ...]` (terminals are strings), without recursion. */
export function jsonTree(tree: DerivationTree): string {
  const out: string[] = [];
  const stack: (DerivationTree | "]" | ",")[] = [tree];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (t === "]" || t === ",") {
      out.push(t);
      continue;
    }
    if (t.terminal) {
      out.push(JSON.stringify(t.symbol));
      continue;
    }
    out.push(`[${JSON.stringify(t.symbol)}`);
    stack.push("]");
    const kids = t.children ?? [];
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push(kids[i]!);
      stack.push(",");
    }
  }
  return out.join("");
}

const FLUSH_CHARS = 1 << 20;

export function pcfgSample(file: string, opts: SampleOptions, sources: Map<string, string>): number {
  const n = opts.n !== undefined ? parsePositiveInt(opts.n, "-n") : 10;
  const seed = opts.seed !== undefined ? parseNonNegativeInt(opts.seed, "--seed") : 0;
  if (seed > 0xffffffff) throw new UsageError(`--seed must be at most 4294967295, got ${opts.seed}`);
  const loaded = loadGrammar(file, sources);
  printWarnings(loaded, sources);
  const sampler = new PcfgSampler(loaded.grammar);
  const rng = makeRng(seed);
  const bar = progressBar("sampling", n, 100_000);
  let chunk: string[] = [];
  let size = 0;
  const flush = () => {
    bar.clear();
    process.stdout.write(chunk.join(""));
    chunk = [];
    size = 0;
  };
  for (let i = 0; i < n; i++) {
    let line: string;
    if (opts.tree) {
      const tree = sampler.sampleTree(rng);
      line = opts.jsonl ? `{"tree":${jsonTree(tree)}}` : bracketTree(tree);
    } else {
      const tokens = sampler.sample(rng);
      line = opts.jsonl ? JSON.stringify(tokens) : tokens.join(" ");
    }
    chunk.push(line, "\n");
    size += line.length + 1;
    if (size >= FLUSH_CHARS) flush();
    if ((i & 1023) === 0) bar.update(i);
  }
  flush();
  bar.finish();
  return 0;
}
