// Construction: the aggregate head (a selector's mean of an s-op, categorical or numerical).
import type { Atom } from "../rasp/values.js";
import { BOS_DIR, numericDir, outputWrite, valueDirs, type Direction, type Entry, type HeadSpec, type OutEntry, type SOpLayout } from "./residual.js";
import { selectorQK, type SelectLiteral } from "./selectorQK.js";

/**
 * Aggregate (Tracr's categorical and numerical attention): attend to the selected keys, or to BOS
 * when none is selected (BOS scores half a literal less than a full match), and copy the value.
 */
export function aggregateHead(label: string, literals: readonly SelectLiteral[], coldness: number, value: SOpLayout, out: SOpLayout, dflt: Atom): HeadSpec {
  const m = literals.length;
  const { wq, wk, dHead } = selectorQK(literals, coldness, (m - 0.5) * coldness);
  const wv: Entry[] = [];
  const wo: OutEntry[] = [];
  let j = 0;
  if (value.encoding === "numerical") {
    wv.push([numericDir(value), j, 1]);
    // Copying a number needs a numerical output (valueSets gives a numerical aggregate a numerical value).
    if (out.encoding !== "numerical") throw new Error(`aggregate ${label}: a numerical value into categorical ${out.name}`);
    wo.push([j, numericDir(out), 1]);
    j++;
  } else {
    for (const v of valueDirs(value.name, value.values)) {
      const writes = outputWrite(out, j, v.value);
      if (writes.length === 0) continue;
      wv.push([v.dir, j, 1]);
      wo.push(...writes);
      j++;
    }
  }
  const bosWrites: [Direction, number][] = [];
  const dfltWrites = outputWrite(out, j, dflt);
  if (dfltWrites.length > 0) {
    wv.push([BOS_DIR, j, 1]);
    wo.push(...dfltWrites);
    for (const [, d, w] of dfltWrites) bosWrites.push([d, w]);
    j++;
  }
  return { label, dHead, dValue: Math.max(1, j), wq, wk, wv, wo, bosWrites };
}

