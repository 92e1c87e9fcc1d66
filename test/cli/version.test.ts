// The version the CLI and the run records report is package.json's.
import * as fs from "node:fs";
import { expect, it } from "vitest";
import { RASPC_VERSION } from "../../compiler/version.js";

it("RASPC_VERSION is package.json's version", () => {
  expect(RASPC_VERSION).toBe((JSON.parse(fs.readFileSync("package.json", "utf8")) as { version: string }).version);
});
