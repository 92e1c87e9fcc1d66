// What every refusal must be: a UsageError whose message is one line. Tests that feed bad input
// read the message from here and match the reason it gives.
import { expect } from "vitest";
import { UsageError } from "../../compiler/language/diagnostics.js";

/** The message of the UsageError `f` throws, checked to be one line; fails if `f` returns. */
export function usageErrorMessage(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    return message;
  }
  throw new Error("expected a UsageError");
}
