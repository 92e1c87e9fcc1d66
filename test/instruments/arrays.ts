// What the instrument tests compare arrays with: the largest absolute difference, after checking
// that the lengths agree.
import { expect } from "vitest";

export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
