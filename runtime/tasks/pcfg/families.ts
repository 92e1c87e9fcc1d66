// The paper's five PCFG task families (Jain et al. 2023, appendix D.2) as answer functions over a
// text window of terminal ids. Positions are counted back from the EOT token that follows the
// text: the last text token is at distance 1, so "the last O' tokens" are distances 1..O', and
// "the token O' before EOT" is the one at distance O'. Compositions are the overlapping pair OO:
// "aaa" holds two. Choices the paper leaves open are ours and are listed in docs/pcfg.md.

export type Family = "C" | "CC" | "I" | "IC" | "T";
export const FAMILIES: readonly Family[] = ["C", "CC", "I", "IC", "T"];

export const FAMILY_NAMES: Readonly<Record<Family, string>> = {
  C: "Counting",
  CC: "Counting a composition",
  I: "Index of occurrence",
  IC: "Index of occurrence of a composition",
  T: "Token at an index",
};

/** The paper's second operand O' per family: 40 positions, or the 6th occurrence. */
export const PAPER_OPERAND2: Readonly<Record<Family, number>> = { C: 40, CC: 40, I: 6, IC: 6, T: 40 };

/** Whether a family takes a terminal operand (T takes NULL). */
export function takesOperand(f: Family): boolean {
  return f !== "T";
}

/** Occurrences of `o` among the last `last` tokens. */
export function countLast(text: Int32Array, o: number, last: number): number {
  let n = 0;
  for (let i = text.length - last; i < text.length; i++) if (text[i] === o) n++;
  return n;
}

/** Overlapping pairs `o o` lying wholly within the last `last` tokens. */
export function countPairsLast(text: Int32Array, o: number, last: number): number {
  let n = 0;
  for (let i = text.length - last; i < text.length - 1; i++) if (text[i] === o && text[i + 1] === o) n++;
  return n;
}

/** Distance from EOT of the k-th occurrence of `o` counted back from EOT, or null if fewer than k. */
export function indexOfOccurrence(text: Int32Array, o: number, k: number): number | null {
  let seen = 0;
  for (let i = text.length - 1; i >= 0; i--) if (text[i] === o && ++seen === k) return text.length - i;
  return null;
}

/** The same for the pair `o o`, located at its first token; pairs are counted back from EOT. */
export function indexOfPair(text: Int32Array, o: number, k: number): number | null {
  let seen = 0;
  for (let i = text.length - 2; i >= 0; i--) if (text[i] === o && text[i + 1] === o && ++seen === k) return text.length - i;
  return null;
}

/** The token at distance `d` from EOT. */
export function tokenAt(text: Int32Array, d: number): number {
  return text[text.length - d]!;
}

/** A family's answer: a number, a terminal id (T), or null (fewer than O' occurrences). */
export type Answer = { readonly kind: "number"; readonly value: number } | { readonly kind: "terminal"; readonly value: number } | { readonly kind: "none" };

export function answerOf(f: Family, text: Int32Array, operand: number, operand2: number): Answer {
  switch (f) {
    case "C":
      return { kind: "number", value: countLast(text, operand, operand2) };
    case "CC":
      return { kind: "number", value: countPairsLast(text, operand, operand2) };
    case "I": {
      const v = indexOfOccurrence(text, operand, operand2);
      return v === null ? { kind: "none" } : { kind: "number", value: v };
    }
    case "IC": {
      const v = indexOfPair(text, operand, operand2);
      return v === null ? { kind: "none" } : { kind: "number", value: v };
    }
    case "T":
      return { kind: "terminal", value: tokenAt(text, operand2) };
  }
}
