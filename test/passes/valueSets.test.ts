// Value-set inference (compiler/passes/valueSets.ts) on its own: the set inferred for every s-op of
// a program's graph holds every value the interpreter computes there, on random inputs of the
// program's suggested vocabulary and length (soundness: a value outside the set would have no
// residual direction). Numerical values are matched to within 1e-9 (means are computed apart).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProgram, outputSOp } from "../../compiler/interpreter/program.js";
import { primitivesOf, raspToGraph } from "../../compiler/passes/raspToGraph.js";
import { inferValueSets } from "../../compiler/passes/valueSets.js";
import { GraphEvaluator } from "../../compiler/rasp/evaluate.js";
import { isSOp } from "../../compiler/rasp/ops.js";
import { atomKey, type Atom } from "../../compiler/rasp/values.js";
import { makeRng } from "../../runtime/random.js";

const PROGRAMS = path.resolve(import.meta.dirname, "../../rasp-programs");
const suggested = JSON.parse(fs.readFileSync(path.join(PROGRAMS, "suggested.json"), "utf8")) as Record<string, { vocab: Atom[]; maxLen: number }>;

function graphOf(file: string) {
  const sop = outputSOp(loadProgram(path.join(PROGRAMS, file), (f) => fs.readFileSync(f, "utf8")), "out");
  return raspToGraph(sop, primitivesOf(sop));
}

describe("inferValueSets", () => {
  for (const file of ["hist.rasp", "sort.rasp", "reverse.rasp", "frac_prevs.rasp", "count_less_freq.rasp", "shuffle_dyck.rasp"]) {
    it(`${file}: every value the interpreter computes is in the inferred set`, () => {
      const { vocab, maxLen } = suggested[file]!;
      const graph = graphOf(file);
      const infos = inferValueSets(graph, { vocab, maxLen });
      const rng = makeRng(7);
      const evaluator = new GraphEvaluator(graph.output);
      let checked = 0;
      for (let trial = 0; trial < 40; trial++) {
        const input = Array.from({ length: 1 + rng.int(maxLen) }, () => vocab[rng.int(vocab.length)]!);
        const values = evaluator.run(input);
        for (const node of graph.nodes) {
          if (!isSOp(node) || node.kind === "length") continue;
          const info = infos.get(node.id);
          if (!info) continue;
          const keys = new Set(info.values.map(atomKey));
          for (const v of values.get(node.id) as Atom[]) {
            const ok = keys.has(atomKey(v)) || (typeof v === "number" && info.values.some((w) => typeof w === "number" && Math.abs(w - v) < 1e-9));
            expect(ok, `${file} ${node.label} = ${JSON.stringify(v)} on ${JSON.stringify(input)}, not in ${info.values.length} inferred values`).toBe(true);
            checked++;
          }
        }
      }
      expect(checked).toBeGreaterThan(100);
    });
  }
});
