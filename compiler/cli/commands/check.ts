// `raspc check FILE`: parse, check statically, and run the program's statements (which builds its
// graph without any input). Diagnostics only.
import { loadRecorded } from "../../interpreter/program.js";

export function check(file: string, sources: Map<string, string>, opts: { allowOutside?: boolean } = {}): number {
  loadRecorded(file, sources, opts);
  process.stdout.write(`${file}: ok\n`);
  return 0;
}
