// What every bench script needs: a median of repeated runs, a numeric `--flag N` argument, the
// FLOP count that turns a gpt training step's time into GFLOP/s, and the python that has PyTorch.
import { spawnSync } from "node:child_process";
import type { GptConfig } from "../runtime/models/gpt.js";

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Matmul FLOPs of one gpt training step: 3 × the forward pass (dense layers, full T×T attention, lm_head). */
export function gptTrainingFlops(c: GptConfig, B: number, T: number): number {
  const N = B * T;
  const forward = 2 * N * 12 * c.nLayer * c.nEmbd * c.nEmbd + 4 * B * c.nLayer * T * T * c.nEmbd + 2 * N * c.nEmbd * c.vocabSize;
  return 3 * forward;
}

/** The first of python3 and Debian's /usr/bin/python3 that can `import torch`, or null. */
export function findTorchPython(): string | null {
  for (const py of ["python3", "/usr/bin/python3"]) {
    const r = spawnSync(py, ["-c", "import torch"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return null;
}
