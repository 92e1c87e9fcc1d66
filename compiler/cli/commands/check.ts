// `raspc check FILE`: parse, check statically, and run the program's statements (which builds its
// graph without any input). Diagnostics only.
import { loadProgram } from "../../interpreter/program.js";
import { readSourceFile } from "../../interpreter/sourceFiles.js";

export function check(file: string, sources: Map<string, string>, opts: { allowOutside?: boolean } = {}): number {
  const program = loadProgram(
    file,
    (f) => {
      const text = readSourceFile(f);
      sources.set(f, text);
      return text;
    },
    new Map(),
    opts.allowOutside === true,
  );
  for (const [f, text] of program.interpreter.sources) sources.set(f, text);
  process.stdout.write(`${file}: ok\n`);
  return 0;
}
