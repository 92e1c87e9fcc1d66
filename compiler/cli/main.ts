// `raspc`: the command-line entry. Each command lives in its own module and is imported only when
// it runs, so `raspc check` and `raspc run` never load the compiler or the tensor engines.
import { Command, CommanderError, Option } from "commander";
import { EXIT_USAGE, reportError } from "./report.js";

const program = new Command();
program
  .name("raspc")
  .description("Compile RASP programs into exact transformer weights, and study what fine-tuning does to them.")
  .version("0.1.0")
  .showHelpAfterError("(run `raspc --help` or `raspc help COMMAND` for usage)")
  .exitOverride();

/** Every command reports its own errors; `sources` lets diagnostics quote the user's lines. */
async function runCommand(action: (sources: Map<string, string>) => Promise<number> | number): Promise<void> {
  const sources = new Map<string, string>();
  try {
    process.exitCode = await action(sources);
  } catch (err) {
    process.exitCode = reportError(err, sources);
  }
}

program
  .command("check")
  .description("parse and check a RASP program; prints diagnostics only")
  .argument("<file>", "a .rasp program")
  .action((file: string) => runCommand(async (sources) => (await import("./commands/check.js")).check(file, sources)));

program
  .command("run")
  .description("interpret a RASP program on inputs")
  .argument("<file>", "a .rasp program")
  .option("--input <json>", 'one input, a JSON array of tokens, e.g. \'["a","b"]\'')
  .option("--inputs <file.jsonl>", "a file with one JSON array of tokens per line")
  .option("--sop <name>", "the s-op to show", "out")
  .option("--all", "show every named s-op of the program, not just the output")
  .option("--json", "print one JSON result per input line")
  .action((file: string, opts: { input?: string; inputs?: string; sop: string; all?: boolean; json?: boolean }) =>
    runCommand(async (sources) => (await import("./commands/run.js")).run(file, opts, sources)),
  );

program
  .command("repl")
  .description("interactive RASP session in the manner of Weiss's REPL")
  .argument("[file]", "a .rasp file to load first")
  .addOption(new Option("--no-color", "plain output"))
  .action((file: string | undefined) => runCommand(async (sources) => (await import("./commands/repl.js")).repl(file, sources)));

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
