// raspc's version, as `raspc --version` prints it and every training run records it. It is the
// version in package.json (test/cli/version.test.ts keeps the two equal); a constant rather than a
// read of package.json so that start-up reads no file.
export const RASPC_VERSION = "0.1.0";
