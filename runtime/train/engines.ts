// Choosing a training engine by name, loading it only when chosen: onnxruntime-node ("ort", the
// fast default) or TensorFlow.js ("tfjs", the autodiff reference). Also what every run records
// about its engine: names and versions.
import { createRequire } from "node:module";
import type { EngineName, Trainer, TrainerOptions } from "./trainer.js";

export async function createTrainer(engine: EngineName, opts: TrainerOptions): Promise<Trainer> {
  if (engine === "ort") return (await import("./ortTrainer.js")).createOrtTrainer(opts);
  return (await import("./tfjsTrainer.js")).createTfjsTrainer(opts);
}

/** The installed version of a package, or "not installed". */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    try {
      // Packages whose "exports" hide package.json: find it beside the entry point.
      const entry = require.resolve(name);
      const root = entry.slice(0, entry.lastIndexOf(`node_modules/${name}`) + `node_modules/${name}`.length);
      return (require(`${root}/package.json`) as { version: string }).version;
    } catch {
      return "not installed";
    }
  }
}

export function engineVersions(engine: EngineName): Record<string, string> {
  const pkgs = engine === "ort" ? ["onnxruntime-node"] : ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm"];
  return { node: process.version, ...Object.fromEntries(pkgs.map((p) => [p, packageVersion(p)])) };
}
