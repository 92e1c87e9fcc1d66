// Gradient checking on onnxruntime-node itself: a float64 graph, its loss Σ w ⊙ f(x) with random
// weights w (so every output entry matters differently), the gradient grad.ts builds, and central
// finite differences of the same session's loss. Used by the per-op rule tests and the model tests.
import { grad } from "../../runtime/autodiff/grad.js";
import { Graph, sizeOfShape, type Shape, type Tensor } from "../../runtime/autodiff/graph.js";
import { openSession, ortTensor } from "../../runtime/autodiff/onnx.js";
import { makeRng, type Rng } from "../../runtime/random.js";

export interface InputSpec {
  readonly shape: Shape;
  /** Values; absent: uniform in [-2, 2). */
  readonly values?: readonly number[];
}

export const uniform = (rng: Rng, n: number, lo = -2, hi = 2): number[] => Array.from({ length: n }, () => lo + (hi - lo) * rng.next());

export interface GradCheck {
  /** Largest |fd − analytic| / (1 + |analytic|) over the entries checked. */
  readonly worst: number;
  readonly checked: number;
  /** Largest |analytic| seen (to tell a vacuous all-zero gradient from a real one). */
  readonly largest: number;
}

/**
 * Checks ∂loss/∂x for every input of `build` at up to `perInput` entries of each (all when fewer).
 * `build` returns the op's output(s); the loss weights them with random constants.
 */
export async function checkGradient(
  build: (g: Graph, xs: Tensor[]) => Tensor | Tensor[],
  inputs: readonly InputSpec[],
  seed: number,
  perInput = 10,
  h = 1e-5,
): Promise<GradCheck> {
  const rng = makeRng(seed);
  const g = new Graph("float64");
  const xs = inputs.map((s, i) => g.input(`x${i}`, s.shape));
  const outs = [build(g, xs)].flat();
  const terms = outs.map((o) => g.sumAll(g.mul(o, g.constant(uniform(rng, sizeOfShape(o.shape), -1, 1), o.shape))));
  const loss = terms.length === 1 ? terms[0]! : g.sum(terms);
  const grads = grad(g, loss, xs);
  const outputs: Record<string, Tensor> = { loss };
  grads.forEach((t, i) => (outputs[`d${i}`] = t));
  const { ort, session } = await openSession(g, outputs, { threads: 1 });
  try {
    const values = inputs.map((s) => Float64Array.from(s.values ?? uniform(rng, sizeOfShape(s.shape))));
    const run = async () => {
      const feeds = Object.fromEntries(inputs.map((s, i) => [`x${i}`, ortTensor(ort, "float64", values[i]!, s.shape)]));
      return session.run(feeds);
    };
    const base = await run();
    let worst = 0;
    let checked = 0;
    let largest = 0;
    for (let i = 0; i < inputs.length; i++) {
      const analytic = base[`d${i}`]!.data as Float64Array;
      const n = values[i]!.length;
      const entries = n <= perInput ? Array.from({ length: n }, (_, j) => j) : Array.from({ length: perInput }, () => rng.int(n));
      for (const j of entries) {
        const v = values[i]![j]!;
        values[i]![j] = v + h;
        const up = ((await run()).loss!.data as Float64Array)[0]!;
        values[i]![j] = v - h;
        const down = ((await run()).loss!.data as Float64Array)[0]!;
        values[i]![j] = v;
        const fd = (up - down) / (2 * h);
        const a = analytic[j]!;
        worst = Math.max(worst, Math.abs(fd - a) / (1 + Math.abs(a)));
        largest = Math.max(largest, Math.abs(a));
        checked++;
      }
    }
    return { worst, checked, largest };
  } finally {
    await session.release();
  }
}
