// `raspc`: the command-line entry. Each command lives in its own module and is imported only when
// it runs, so `raspc check` and `raspc run` never load the compiler or the tensor engines.
import { Command, CommanderError, Option } from "commander";
import { EXIT_USAGE, reportError, runReported } from "./report.js";
import { RASPC_VERSION } from "../version.js";
// The option bags are the commands' own types, imported as types only (erased: a command's module
// still loads only when it runs).
import type { CompileCommandOptions } from "./commands/compile.js";
import type { DataOptions } from "./commands/data.js";
import type { ExecOptions } from "./commands/exec.js";
import type { ExperimentOptions } from "./commands/experiment.js";
import type { ExportOptions } from "./commands/export.js";
import type { ExportCheckpointOptions } from "./commands/exportCheckpoint.js";
import type { FuzzCommandOptions } from "./commands/fuzz.js";
import type { InspectOptions } from "./commands/inspect.js";
import type { InfoOptions, SampleOptions } from "./commands/pcfg.js";
import type { DataOptions as PcfgDataOptions } from "./commands/pcfgData.js";
import type { ReplOptions } from "./commands/repl.js";
import type { RunOptions } from "./commands/run.js";
import type { TrainOptions } from "./commands/train.js";
import type { VerifyCommandOptions } from "./commands/verify.js";
import type { PruneOptions } from "./commands/prune.js";
import type { ProbeOptions } from "./commands/probe.js";

const program = new Command();
program
  .name("raspc")
  .description("Compile RASP programs into exact transformer weights, and study what fine-tuning does to them.")
  .version(RASPC_VERSION)
  .showHelpAfterError("(run `raspc --help` or `raspc help COMMAND` for usage)")
  .exitOverride();

/** Every command reports its own errors; `sources` lets diagnostics quote the user's lines. */
async function runCommand(action: (sources: Map<string, string>) => Promise<number> | number): Promise<void> {
  process.exitCode = await runReported(action);
}

program
  .command("check")
  .description("parse and check a RASP program; prints diagnostics only")
  .argument("<file>", "a .rasp program")
  .addOption(allowOutsideOption())
  .action((file: string, opts: { allowOutside?: boolean }) => runCommand(async (sources) => (await import("./commands/check.js")).check(file, sources, opts)));

program
  .command("run")
  .description("interpret a RASP program on inputs")
  .argument("<file>", "a .rasp program")
  .option("--input <json>", 'one input, a JSON array of tokens, e.g. \'["a","b"]\'')
  .option("--inputs <file.jsonl>", "a file with one JSON array of tokens per line")
  .option("--sop <name>", "the s-op to show", "out")
  .option("--all", "show every named s-op of the program, not just the output")
  .option("--json", "print one JSON result per input line")
  .addOption(allowOutsideOption())
  .action((file: string, opts: RunOptions) =>
    runCommand(async (sources) => (await import("./commands/run.js")).run(file, opts, sources)),
  );

program
  .command("repl")
  .description("interactive RASP session in the manner of Weiss's REPL")
  .argument("[file]", "a .rasp file to load first")
  .addOption(new Option("--no-color", "plain output"))
  .action((file: string | undefined, opts: ReplOptions) =>
    runCommand(async (sources) => (await import("./commands/repl.js")).repl(file, sources, { color: opts.color })),
  );

program
  .command("compile")
  .description("compile a RASP program into transformer weights; prints layers, heads, d_model, MLP widths, parameters")
  .argument("<file>", "a .rasp program")
  .requiredOption("--vocab <json>", 'the input vocabulary, a JSON array of tokens, e.g. \'["a","b"]\'')
  .requiredOption("--max-len <n>", "the longest input the model must handle")
  .requiredOption("-o, --output <model.json>", "where to write the model file")
  .option("--sop <name>", "the s-op to compile", "out")
  .option("--bos <token>", "the name of the beginning-of-sequence token", "BOS")
  .addOption(setOption())
  .addOption(coldnessOption())
  .addOption(maxParamsOption())
  .addOption(allowOutsideOption())
  .action((file: string, opts: CompileCommandOptions) =>
    runCommand(async (sources) => (await import("./commands/compile.js")).compile(file, opts, sources)),
  );

/** `--set NAME=VALUE` of compile and verify: the same program variant in both. */
function setOption(): Option {
  return new Option("--set <name=value>", "replace what the program assigns to a global, e.g. --set operand=b (repeatable)").argParser((v: string, acc: string[] = []) => [...acc, v]).default([]);
}

/** `--coldness C` of compile and verify. */
function coldnessOption(): Option {
  return new Option("--coldness <c>", "attention coldness (score gap between a selected and an unselected key) instead of the compiler's choice of at least 40; lower trains more easily, verify the result");
}

/** `--allow-outside` of the commands that read programs: `load` (and a config's program) may leave the top file's folder. */
function allowOutsideOption(): Option {
  return new Option("--allow-outside", "let `load` (and an experiment config's program) read files outside the top-level file's folder tree");
}

/** `--max-params N` of compile and verify. */
function maxParamsOption(): Option {
  return new Option("--max-params <n>", "the most parameters the compiled model may have, checked before any weight is built (default 50,000,000)");
}

/** `--engine ort|tfjs` of exec and verify: onnxruntime-node is the fast default for batches. */
function engineOption(): Option {
  return new Option("--engine <name>", "the engine that runs the model: ort (onnxruntime-node) or tfjs (TensorFlow.js, WASM)").choices(["ort", "tfjs"]).default("ort");
}

program
  .command("exec")
  .description("run a compiled model on inputs")
  .argument("<model>", "a model file written by `raspc compile`")
  .option("--input <json>", 'one input, a JSON array of tokens, e.g. \'["a","b"]\'')
  .option("--inputs <file.jsonl>", "a file with one JSON array of tokens per line")
  .option("--json", "print one JSON result per input line")
  .option("--trace", "also show every head's attention pattern and the residual stream after every sublayer, read as s-ops (raw too with --json)")
  .addOption(engineOption())
  .action((model: string, opts: ExecOptions) =>
    runCommand(async () => (await import("./commands/exec.js")).exec(model, opts)),
  );

program
  .command("export")
  .description("export a compiled model to ONNX and/or TensorFlow.js (graph model); prints what it wrote")
  .argument("<model>", "a model file written by `raspc compile`")
  .option("--onnx <model.onnx>", "write an ONNX file (opset 17): input tokens int64 [batch, seq], output logits [batch, seq, outputs]")
  .option("--with-internals", "also output every residual stream and attention pattern, named like the engine hooks")
  .option("--tfjs <dir>", "write a TensorFlow.js graph model: DIR/model.json and DIR/group1-shard1of1.bin")
  .option("--no-check", "do not load the ONNX file in onnxruntime-node to check it against the reference forward pass")
  .action((model: string, opts: ExportOptions) =>
    runCommand(async () => (await import("./commands/export.js")).exportModel(model, opts)),
  );

program
  .command("verify")
  .description("compile a program and compare the compiled model with the interpreter on many inputs")
  .argument("<file>", "a .rasp program")
  .option("--vocab <json>", 'the input vocabulary, a JSON array of tokens, e.g. \'["a","b"]\' (required unless --model)')
  .option("--max-len <n>", "the longest input the model must handle (required unless --model)")
  .option("--model <model.json>", "check this model file (e.g. an edited or fine-tuned one) instead of compiling; vocab and max length come from it")
  .option("--sop <name>", "the s-op to compile", "out")
  .option("--bos <token>", "the name of the beginning-of-sequence token", "BOS")
  .option("--samples <k>", "check K random inputs (default 1000)")
  .option("--exhaustive", "check every input of every length 1..max-len")
  .option("--distinct", "only inputs whose tokens are all different (sampled without replacement, as for max_identifier)")
  .option("--seed <s>", "seed for the random inputs (default 0)")
  .addOption(setOption())
  .addOption(coldnessOption())
  .addOption(maxParamsOption())
  .addOption(engineOption())
  .addOption(allowOutsideOption())
  .action((file: string, opts: VerifyCommandOptions) =>
    runCommand(async (sources) => (await import("./commands/verify.js")).verify(file, opts, sources)),
  );

program
  .command("inspect")
  .description("show a compiled model's layer plan, residual layout and parameters; --html draws its weights")
  .argument("<model>", "a model file written by `raspc compile`")
  .option("--json", "print the summary as JSON")
  .option("--html <out.html>", "write a self-contained HTML page with heatmaps of every weight matrix")
  .action((model: string, opts: InspectOptions) =>
    runCommand(async () => (await import("./commands/inspect.js")).inspect(model, opts)),
  );

program
  .command("readback")
  .description("s-op read-back: per layer and per s-op, how often a (fine-tuned) compiled model's residual stream still holds the values the interpreter computes")
  .argument("<models...>", "model files (raspc compile's output, a run's final-model.json) or fine-tuning run folders")
  .option("--base <model.json>", "read against this compiled model's plan and program (same residual layout), e.g. a sweep's models/ft.json; default: each model's own")
  .option("--samples <n>", "inputs to read back on (default 500)")
  .option("--seed <s>", "seed of the inputs (default 0)")
  .option("--length <n>", "tokens per input (default: the sweep's task length, else the model's max length)")
  .option("--correlated <c>", "for models in a sweep: draw the task's inputs with this fraction carrying the planted correlation (default: its natural distribution)")
  .option("--position <p>", "compare at this input position only (0 = the first token; the lab's answer position is 1); default every position")
  .addOption(setOption())
  .option("--sublayers", "also read after each layer's attention (where the layer has an MLP too)")
  .option("--tolerance <t>", "numerical s-ops: match within T (default: half the smallest gap between the s-op's compiled values)")
  .option("--json", "print the counts behind every percentage as JSON")
  .option("-o, --output <file>", "write the heatmap figure: .svg, .png or .json (Vega-Lite)")
  .option("--save <dir>", "add the heatmap to DIR/figures/ for raspc report")
  .action((models: string[], opts: { base?: string; samples?: string; seed?: string; length?: string; correlated?: string; position?: string; set: string[]; sublayers?: boolean; tolerance?: string; json?: boolean; output?: string; save?: string }) =>
    runCommand(async () => (await import("./commands/readback.js")).readbackCommand(models, opts)),
  );

program
  .command("export-checkpoint")
  .description("turn a training checkpoint into a model file (as every run's final-model.json), for exec, inspect, verify --model and export")
  .argument("<checkpoint>", "a run's checkpoint.json")
  .requiredOption("--model <model.json>", "the model the run started from (the sweep's models/ft.json or models/pt.json)")
  .requiredOption("-o, --output <out.json>", "model file to write")
  .action((checkpoint: string, opts: ExportCheckpointOptions) =>
    runCommand(async () => (await import("./commands/exportCheckpoint.js")).exportCheckpoint(checkpoint, opts)),
  );

program
  .command("data")
  .description("draw the fine-tuning lab's task data (counter or max_identifier) and show its label histograms")
  .argument("<task>", "counter or max_identifier")
  .option("--count <n>", "how many samples (default 1000)")
  .option("--correlated <c>", "fraction of samples with the spurious correlation, in [0, 1] (default 0)")
  .option("--seed <s>", "seed (default 0)")
  .option("--q <q>", "the planted difference r(x; O_FT) - r(x; O_PT) (default: counter 1, max_identifier 3)")
  .option("--o-pt <operand>", "pretraining operand (default: counter a, max_identifier rank 5)")
  .option("--o-ft <operand>", "fine-tuning operand (default: counter b, max_identifier rank 7)")
  .option("--length <n>", "tokens per sample (default 10)")
  .option("--jsonl <file>", "also write the samples, one JSON object per line")
  .action((task: string, opts: DataOptions) =>
    runCommand(async () => (await import("./commands/data.js")).data(task, opts)),
  );

program
  .command("experiment")
  .description("run a fine-tuning sweep (FT, reFT, randFT, Scr.+FT) from a JSON config; writes run folders and the paper-style tables")
  .argument("<config.json>", "an experiment config (see docs/experiments.md); e.g. experiments/counter-quick.json")
  .option("--out <dir>", "where the sweep folder (named after the config's name) goes", "runs")
  .option("--jobs <n>", "runs executed at once, each in its own worker process", "1")
  .option("--resume", "continue an existing sweep folder: finished runs are kept, interrupted ones continue from their checkpoints")
  .option("--force", "delete an existing sweep folder of that name and start again")
  .addOption(new Option("--engine <name>", "override the config's engine: ort (onnxruntime-node) or tfjs (TensorFlow.js)").choices(["ort", "tfjs"]))
  .option("--backend <name>", "override the config's backend: cpu or cuda (ort); wasm, cpu or tensorflow (tfjs)")
  .addOption(allowOutsideOption())
  .action((file: string, opts: ExperimentOptions) =>
    runCommand(async () => (await import("./commands/experiment.js")).experiment(file, opts)),
  );

program
  .command("__experiment-worker", { hidden: true })
  .action(() => runCommand(async () => (await import("./commands/experiment.js")).experimentWorker()));

const pcfg = program
  .command("pcfg")
  .description("probabilistic context-free grammars (.pcfg, a superset of NLTK's PCFG text) and the paper's PCFG tasks");

pcfg
  .command("check")
  .description("parse and check a grammar; prints its diagnostics (errors and warnings) only")
  .argument("<file>", "a .pcfg grammar, e.g. grammars/jain2023-fig14.pcfg")
  .action((file: string) => runCommand(async (sources) => (await import("./commands/pcfg.js")).pcfgCheck(file, sources)));

pcfg
  .command("info")
  .description("exact statistics of a grammar: symbols, rules, spectral radius, string length mean/sd/min/max, length histogram")
  .argument("<file>", "a .pcfg grammar")
  .option("--window <w>", "report the share of strings shorter than this task window (default 250)")
  .option("--json", "print the statistics as one JSON object")
  .action((file: string, opts: InfoOptions) =>
    runCommand(async (sources) => (await import("./commands/pcfg.js")).pcfgInfo(file, opts, sources)),
  );

pcfg
  .command("sample")
  .description("draw seeded strings from a grammar, one per line (terminals separated by spaces)")
  .argument("<file>", "a .pcfg grammar")
  .option("-n <n>", "how many strings (default 10)")
  .option("--seed <s>", "seed; the same seed gives the same strings everywhere (default 0)")
  .option("--tree", "print derivation trees instead: (s (r ...) 'a') per line, or {\"tree\": [...]} with --jsonl")
  .option("--jsonl", "one JSON array of terminals per line (one {\"tree\"} object with --tree)")
  .action((file: string, opts: SampleOptions) =>
    runCommand(async (sources) => (await import("./commands/pcfg.js")).pcfgSample(file, opts, sources)),
  );

pcfg
  .command("data")
  .description("make the paper's PCFG task samples from a task config: pretraining samples and fine-tuning sets with a planted correlation, with label histograms, majority baselines and TV distances")
  .argument("<taskconfig>", "a task config (see docs/pcfg.md), e.g. experiments/pcfg/counter-data.json")
  .option("--out <dir>", "write vocab.json, pretraining.jsonl and ft-train-cC.jsonl / ft-test-cC.jsonl there (one JSON sample per line)")
  .option("--seed <s>", "override the config's seed")
  .action((config: string, opts: PcfgDataOptions) =>
    runCommand(async (sources) => (await import("./commands/pcfgData.js")).pcfgData(config, opts, sources)),
  );

program
  .command("train")
  .description("pretrain a gpt (minGPT) from scratch on a toy next-token task from a JSON config; writes metrics, checkpoints and a summary")
  .argument("<config.json>", 'a gpt-pretrain config (see docs/experiments.md); e.g. experiments/gpt-copy.json')
  .option("--out <dir>", "where the run folder (named after the config's name) goes", "runs")
  .option("--resume", "continue the run folder from its checkpoint (ends bit-identical to an uninterrupted run)")
  .option("--force", "delete an existing run folder of that name and start again")
  .action((file: string, opts: TrainOptions) => runCommand(async () => (await import("./commands/train.js")).train(file, opts)));

/** `--experiment DIR`, `--task T` and its spec options: which task an instrument scores a model on. */
function taskOptions(c: Command): Command {
  return c
    .option("--experiment <dir>", "score on this sweep's test sets (a sweep folder or its experiment.json); default: the sweep the model's path lies in")
    .option("--task <task>", "for a model outside a sweep: counter or max_identifier, scored on fresh test sets (C_Te = 0 and 1)")
    .option("--o-pt <operand>", "with --task: the pretraining operand (default: counter a, max_identifier rank 5)")
    .option("--o-ft <operand>", "with --task: the fine-tuning operand (default: counter b, max_identifier rank 7)")
    .option("--q <q>", "with --task: the planted difference r(x; O_FT) - r(x; O_PT) (default: counter 1, max_identifier 3)")
    .option("--length <n>", "with --task: tokens per sample (default 10)");
}

taskOptions(
  program
    .command("prune")
    .description("Algorithm 3 of Jain et al. 2023: rank weights by grad·weight of the O_PT loss, zero the top K for each K, and score Acc O_PT / O_FT at C_Te = 0 and 1 beside the lab's baselines")
    .argument("<model>", "a model file, or a fine-tuning run's folder (runs/<id>/, with final-model.json)")
    .option("--k <list>", "the K values to sweep, comma-separated (default 0,1,2,3,5,10,20,50,100)")
    .addOption(new Option("--granularity <g>", "prune single weights, or neurons (output units of a linear layer: columns of the [in, out] matrices, scores summed)").choices(["weight", "neuron"]).default("weight"))
    .option("--params <list>", "the tensors that may be pruned, comma-separated, * as a wildcard (e.g. l0.w1,l*.w2; default: all)")
    .option("--exclude <list>", "tensors never pruned, comma-separated, * as a wildcard (e.g. tok,pos,unembed)")
    .option("--samples <n>", "samples of the O_PT task the gradient is taken on (default 512)")
    .option("--prune-on <dist>", "their distribution: natural (the task's own, default) or a correlated fraction in [0, 1]")
    .option("--seed <s>", "seed of those samples (default 0)")
    .option("--show <n>", "list at most this many zeroed weights (default 20)")
    .option("--hist-k <list>", "the K values whose predicted-class histograms are shown (default: 0 and the K that best revives Acc O_PT at C_Te = 0)")
    .option("--test-samples <n>", "with --task: samples per fresh test set (default 1000)")
    .option("--json", "print the results as one JSON object")
    .option("-o, --output <file>", "write the pruning curve: .svg, .png or .json (a raspc figure file); FILE-classes.EXT gets the predicted-class histogram")
    .option("--save <run_dir>", "also add both figures to RUN_DIR/figures/ for raspc report"),
).action((model: string, opts: PruneOptions) => runCommand(async () => (await import("./commands/prune.js")).prune(model, opts)));

taskOptions(
  program
    .command("probe")
    .description("linear probes (Jain et al. 2023, fig. 10): train a linear readout of the embedding and of every block's residual stream to predict a target of the task, and print held-out accuracy per block beside the majority class")
    .argument("<models...>", "model files or fine-tuning run folders, all of one task")
    .option("--target <list>", "what to predict, comma-separated: count_a ... count_i (counter), rank_1 ... (max_identifier), pt / ft for the task's O_PT / O_FT (default pt,ft)")
    .option("--iters <n>", "training iterations per probe (default 4000, the paper's)")
    .option("--lr <x>", "learning rate (default 1e-3, the paper's)")
    .option("--milestones <list>", "iterations at which the learning rate is multiplied by --gamma (default: 1/2, 3/4 and 7/8 of --iters, the paper's 2K, 3K, 3.5K of 4K)")
    .option("--gamma <g>", "the learning rate's factor at each milestone (default 0.1)")
    .option("--batch <n>", "fresh samples per iteration (default 96)")
    .option("--seed <s>", "seed of the probes' data and initialisation (default 0)")
    .option("--test-samples <n>", "held-out samples the accuracy is measured on (default 2000)")
    .option("--position <p>", "model position read (BOS = 0; default 2, the answer position)")
    .option("--correlated <c>", "fraction of the samples with the spurious correlation (default 0, the paper's C_Te = 0)")
    .option("--json", "print the results as one JSON object")
    .option("-o, --output <file>", "write the figure (accuracy per block, one line per model, a panel per target): .svg, .png or .json")
    .option("--save <run_dir>", "also add the figure to RUN_DIR/figures/ for raspc report"),
).action((models: string[], opts: ProbeOptions) => runCommand(async () => (await import("./commands/probe.js")).probe(models, opts)));

program
  .command("attn")
  .description("attention maps (or, with --mlp, MLP activations) of compiled and fine-tuned models on one input, side by side; prints where each head's attention goes")
  .argument("<models...>", "model files or fine-tuning run folders (e.g. SWEEP/models/pt.json SWEEP/runs/FT-lr1e-4-c1-s0)")
  .option("--input <json>", 'the input, a JSON array of tokens, e.g. \'["a","b","a"]\'')
  .option("--sample <n>", "instead of --input: sample N (0-based, below 1000) of the models' task, as raspc data TASK --count 1000 draws it")
  .option("--seed <s>", "seed of the task samples --sample picks from (default 0)")
  .option("--correlated <c>", "fraction of those samples with the spurious correlation, in [0, 1] (default 0)")
  .option("--task <name>", "counter or max_identifier, for models whose folder does not record their task")
  .option("--layer <list>", "only these layers, e.g. 0 or 0,1")
  .option("--head <list>", "only these heads of each layer, e.g. 0")
  .option("--queries <a:b>", "query rows shown: positions A..B-1 (BOS is 0)")
  .option("--keys <a:b>", "key columns drawn (and, with --mlp, positions): positions A..B-1")
  .option("--top <k>", "keys listed per query row (default 3)")
  .option("--mlp", "MLP activation maps (hidden units × positions, after the ReLU) instead of attention")
  .option("--units <a:b>", "with --mlp: hidden units A..B-1")
  .option("--json", "print the maps and summaries as one JSON object")
  .option("-o, --output <file>", "write the figure: .svg, .png or .json (a figure file for raspc report)")
  .option("--save <run_dir>", "add the figure(s) to RUN_DIR/figures/ for raspc report")
  .action((models: string[], opts: Record<string, string | boolean | undefined>) => runCommand(async () => (await import("./commands/attn.js")).attn(models, opts)));

program
  .command("patch")
  .description("activation patching: between a clean and a corrupted input of one model (--clean/--corrupt), or another model's heads and MLPs run inside MODEL on the same inputs (--from, CMAP); per-component effect on the O_FT − O_PT logit difference")
  .argument("<model>", "the model whose run is patched (a model file or a fine-tuning run folder)")
  .option("--clean <json>", "patching between inputs: the clean input, a JSON array of tokens")
  .option("--corrupt <json>", "patching between inputs: the corrupted input, of the same length")
  .option("--direction <d>", "denoise: clean activations into the corrupted run (default); noise: corrupted into the clean run")
  .option("--from <donor>", "cross-model patching: the model whose activations are patched in (repeatable, one table each)", (v: string, acc: string[] = []) => [...acc, v])
  .option("--input <json>", "cross-model patching on this one input")
  .option("--sample <n>", "cross-model patching on sample N (0-based, below 1000) of the task, as raspc data TASK --count 1000 draws it")
  .option("--batch <n>", "cross-model patching averaged over N samples of the task (default 200)")
  .option("--seed <s>", "seed of the task samples (default 0)")
  .option("--correlated <c>", "fraction of the task samples with the spurious correlation, in [0, 1] (default 0)")
  .option("--task <name>", "counter or max_identifier, for models whose folder does not record their task")
  .option("--part <list>", "what of a head is patched: pattern, z (its hook_z columns, read by the recipient's W_O), out (z·W_O as the donor computes it); comma-separated (default pattern,out)")
  .option("--metric <m>", "ft-pt: logit[O_FT answer] − logit[O_PT answer] (default with a task); answers: logit[donor run's answer] − logit[recipient run's answer]")
  .option("--json", "print the numbers as JSON (one object per donor)")
  .option("-o, --output <file>", "write the figure: .svg, .png or .json (a figure file for raspc report)")
  .option("--save <run_dir>", "add the figure(s) to RUN_DIR/figures/ for raspc report")
  .action((model: string, opts: Record<string, string | string[] | boolean | undefined>) => runCommand(async () => (await import("./commands/patch.js")).patch(model, opts)));

program
  .command("diff")
  .description("weight-change map: the norm of Δ = CHANGED − BASE per parameter matrix and per named residual direction, and the directions that moved most")
  .argument("<base>", "the model the changes are measured from (e.g. SWEEP/models/pt.json)")
  .argument("<changed...>", "models of the same geometry (e.g. fine-tuning run folders)")
  .option("--top <n>", "residual directions listed (default 10)")
  .option("--json", "print the numbers as JSON (one object per changed model)")
  .option("-o, --output <file>", "write the direction × matrix heatmap (.svg, .png or .json); the per-matrix bars go beside it as FILE.matrices.EXT")
  .option("--save <run_dir>", "add both figures to RUN_DIR/figures/ for raspc report")
  .action((base: string, changed: string[], opts: { top?: string; json?: boolean; output?: string; save?: string }) => runCommand(async () => (await import("./commands/diff.js")).diff(base, changed, opts)));

program
  .command("report")
  .description("write one self-contained HTML page (inline SVG, no script, nothing fetched) for a run, a sweep, or a folder of figures: learning curves, the lab's tables with their baselines, what each run computes, and every figure under figures/")
  .argument("<run_dir>", "a sweep folder (runs/NAME), one of its runs (runs/NAME/runs/ID), a pretraining run folder, or a folder with figures/*.json")
  .option("-o, --output <out.html>", "where to write the page (default RUN_DIR/report.html)")
  .action((dir: string, opts: { output?: string }) => runCommand(async () => (await import("./commands/report.js")).report(dir, opts)));

program
  .command("fuzz")
  .description("differential fuzzing: generate programs, compile them, and compare every engine with the interpreter")
  .option("--programs <n>", "how many programs to generate (default 100)")
  .option("--inputs <m>", "random inputs per program (default 100)")
  .option("--seed <s>", "seed of the run; program n of a seed is always the same program (default 0)")
  .option("--vocab <json>", 'the input vocabulary, a JSON array of tokens (default \'["a","b","c"]\')')
  .option("--max-len <n>", "the longest input (default 6)")
  .option("--max-nodes <k>", "most statements in a generated program (default 14)")
  .option("--max-depth <d>", "longest chain of operations in a generated program (default 8)")
  .option("--avoid <constructs>", "comma-separated constructs to leave out of generated programs, to fuzz past a known bug: numerical-sum, numerical-bool, mean-of-equal-floats")
  .option("--out <dir>", "where shrunk failing programs are written (default fuzz-failures/)")
  .option("--no-shrink", "save failing programs as generated, without shrinking them")
  .action((opts: FuzzCommandOptions) =>
    runCommand(async () => (await import("./commands/fuzz.js")).fuzz(opts)),
  );

// `raspc run ... | head`: a reader that stops early is no reason for a stack trace. Leave quietly
// with the status so far.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    const soFar = typeof process.exitCode === "number" ? process.exitCode : 0;
    process.exit(err.code === "EPIPE" ? soFar : 1);
  });
}

async function main(): Promise<void> {
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; argument mistakes are usage errors (exit 2), already printed.
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    process.exitCode = reportError(err, new Map());
  }
}

await main();
