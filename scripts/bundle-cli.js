// Bundles the CLI into dist/cli/ so start-up loads a handful of files instead of hundreds of ES
// modules (Chevrotain's lodash-es alone costs ~170 ms to load unbundled). Each command stays its own
// chunk, so `raspc check` never loads what `raspc compile` needs. Tensor engines and the charting
// libraries (Vega, Vega-Lite, resvg) stay external: they are native or large and are loaded only by
// the commands that use them.
// `node scripts/bundle-cli.js [OUTDIR]`: OUTDIR defaults to dist/cli; the tests' CLI harness
// (test/helpers/cli.ts) bundles the current sources with this same script into a folder of its own.
import { build } from "esbuild";

await build({
  entryPoints: { main: "compiler/cli/main.ts" },
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  outdir: process.argv[2] ?? "dist/cli",
  external: ["onnxruntime-node", "onnx-proto", "protobufjs", "@tensorflow/*", "vega", "vega-lite", "@resvg/*"],
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: "warning",
});
