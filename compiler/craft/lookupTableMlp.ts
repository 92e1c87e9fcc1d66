// Construction: the lookup-table MLP (categorical inputs to any output).
import type { Atom } from "../rasp/values.js";
import { outputWrite, valueDirs, type Direction, type Entry, type MlpSpec, type OutEntry, type SOpLayout } from "./residual.js";

/**
 * A lookup table over categorical inputs (Tracr's categorical MLP, and its product table for maps
 * of several s-ops): one hidden unit per combination of input values, which fires (=1) exactly
 * when all of them are present, and writes f(combination) to the output.
 */
export function lookupTableMlp(label: string, inputs: readonly SOpLayout[], out: SOpLayout, f: (...xs: Atom[]) => Atom | undefined): MlpSpec {
  const domains = inputs.map((i) => valueDirs(i.name, i.values));
  const w1: Entry[] = [];
  const w2: OutEntry[] = [];
  const b1: number[] = [];
  let unit = 0;
  const pick: { value: Atom; dir: Direction }[] = [];
  const walk = (j: number): void => {
    if (j === domains.length) {
      const y = f(...pick.map((p) => p.value));
      const writes = y === undefined ? [] : outputWrite(out, unit, y);
      if (writes.length === 0) return; // a combination that writes nothing needs no unit
      for (const p of pick) w1.push([p.dir, unit, 1]);
      b1.push(-(domains.length - 1));
      w2.push(...writes);
      unit++;
      return;
    }
    for (const p of domains[j]!) {
      pick[j] = p;
      walk(j + 1);
    }
  };
  walk(0);
  return { label, hidden: unit, w1, b1, w2 };
}

