// The text of a task sample: a window of exactly `window` terminals from the grammar. The paper
// samples a string and takes 250 tokens at a random offset "to remove bias towards tokens likely
// to be at the beginning"; it does not say what happens to strings shorter than the window (a
// quarter of fig. 14's). Two options, recorded in every data set's summary:
//   - "concatenate" (default): append fresh strings until there are enough tokens, then take a
//     window at a uniform offset;
//   - "resample": draw strings until one is long enough, then take a window at a uniform offset
//     (the text is then always from one string, but long strings are over-represented).
import type { Rng } from "../../random.js";
import { PcfgSampler, TokenBuffer } from "./sampler.js";

export type ShortStrings = "concatenate" | "resample";

/** A "resample" window that this many strings in a row cannot fill means the grammar cannot. */
const MAX_RESAMPLE_TRIES = 100_000;

export class TextWindow {
  private readonly buffer = new TokenBuffer(4096);
  constructor(
    readonly sampler: PcfgSampler,
    readonly window: number,
    readonly shortStrings: ShortStrings,
  ) {}

  /** Fills `out` (length `window`) with terminal ids. */
  draw(rng: Rng, out: Int32Array): void {
    const buf = this.buffer;
    buf.clear();
    if (this.shortStrings === "concatenate") {
      while (buf.length < this.window) this.sampler.sampleInto(rng, buf);
    } else {
      for (let tries = 0; ; tries++) {
        if (tries >= MAX_RESAMPLE_TRIES) throw new Error(`no string of at least ${this.window} terminals in ${MAX_RESAMPLE_TRIES} tries; use shortStrings "concatenate" or a smaller window`);
        buf.clear();
        if (this.sampler.sampleInto(rng, buf) >= this.window) break;
      }
    }
    const offset = rng.int(buf.length - this.window + 1);
    out.set(buf.data.subarray(offset, offset + this.window));
  }
}
