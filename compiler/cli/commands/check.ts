// `raspc check FILE`: parse, check statically, and run the program's statements (which builds its
// graph without any input). Diagnostics only.
import { loadProgram } from "../../interpreter/program.js";
import { recordingReader } from "../../interpreter/sourceFiles.js";

export function check(file: string, sources: Map<string, string>, opts: { allowOutside?: boolean } = {}): number {
  const program = loadProgram(
    file,
    recordingReader(sources),
    new Map(),
    opts.allowOutside === true,
  );
  for (const [f, text] of program.interpreter.sources) sources.set(f, text);
  process.stdout.write(`${file}: ok\n`);
  return 0;
}
