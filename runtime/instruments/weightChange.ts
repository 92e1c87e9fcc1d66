// Which weights fine-tuning moved (`raspc diff BASE CHANGED`): the norm of Δ = W_changed − W_base
// per parameter matrix, and per named residual direction of the compiled model (its `residual`
// names: `tokens:a`, `count_a:3`, `one` ...). Every matrix but b1 has one axis that indexes the
// residual stream, in the [in, out] layout of runtime/train/params.ts:
//   tok, pos, wo, w2 (and the vector b2): what they write, columns (b2: entries) are directions;
//   wq, wk, wv, w1, unembed: what they read, rows are directions.
// A direction's change in a matrix is the Frobenius norm of Δ over its row or column; its total is
// the root of the sum of squares over matrices, so the squares of all directions' totals add up to
// the squared norm of every Δ except b1's.
import { UsageError } from "../../compiler/language/diagnostics.js";
import type { HookedModel } from "./hookedModel.js";
import { checkSameGeometry } from "./hookedModel.js";

/** Which axis of a parameter indexes residual directions: 0 rows, 1 columns, null none (b1). */
export function residualAxis(name: string): 0 | 1 | null {
  const base = name.includes(".") ? name.slice(name.indexOf(".") + 1) : name;
  if (base === "tok" || base === "pos" || base === "wo" || base === "w2") return 1;
  if (base === "wq" || base === "wk" || base === "wv" || base === "w1" || base === "unembed" || base === "b2") return 0;
  return null;
}

export interface MatrixChange {
  readonly name: string;
  /** ‖Δ‖_F. */
  readonly delta: number;
  /** ‖W_base‖_F. */
  readonly base: number;
  /** The largest |Δ| entry. */
  readonly maxAbs: number;
  /** Entries with Δ ≠ 0, of how many. */
  readonly changed: number;
  readonly entries: number;
}

export interface DirectionChange {
  /** The residual direction's name. */
  readonly name: string;
  /** Its dimension index. */
  readonly index: number;
  /** sqrt(Σ over matrices of ‖Δ over this direction's row/column‖²). */
  readonly total: number;
  /** ‖Δ‖ over its row or column, per matrix with a residual axis (matrixNames order). */
  readonly byMatrix: readonly number[];
}

export interface WeightChange {
  readonly base: string;
  readonly changed: string;
  readonly matrices: readonly MatrixChange[];
  /** The parameters with a residual axis, the columns of `byMatrix`. */
  readonly matrixNames: readonly string[];
  /** In residual order. */
  readonly directions: readonly DirectionChange[];
}

/** Δ of `changed` against `base`, which must share a geometry and residual names. */
export function weightChange(base: HookedModel, changed: HookedModel): WeightChange {
  checkSameGeometry(base, changed, "a weight-change map");
  const names = base.model.residual;
  const other = changed.model.residual;
  const at = names.findIndex((n, i) => n !== other[i]);
  if (at >= 0) throw new UsageError(`a weight-change map needs models with one residual layout, and dimension ${at} is ${JSON.stringify(names[at])} in ${base.label} but ${JSON.stringify(other[at])} in ${changed.label}`);
  const d = names.length;
  const matrices: MatrixChange[] = [];
  const matrixNames: string[] = [];
  const squares = Array.from({ length: d }, () => [] as number[]);
  for (const spec of base.description.params) {
    const a = base.params.get(spec.name)!;
    const b = changed.params.get(spec.name)!;
    let delta = 0;
    let norm = 0;
    let maxAbs = 0;
    let changedEntries = 0;
    const axis = residualAxis(spec.name);
    const cols = spec.shape.length === 2 ? spec.shape[1]! : 1;
    const perDirection = axis === null ? null : new Float64Array(d);
    for (let i = 0; i < a.length; i++) {
      const x = b[i]! - a[i]!;
      delta += x * x;
      norm += a[i]! * a[i]!;
      if (x !== 0) changedEntries++;
      maxAbs = Math.max(maxAbs, Math.abs(x));
      if (perDirection) perDirection[axis === 0 ? Math.floor(i / cols) : i % cols]! += x * x;
    }
    matrices.push({ name: spec.name, delta: Math.sqrt(delta), base: Math.sqrt(norm), maxAbs, changed: changedEntries, entries: a.length });
    if (perDirection) {
      matrixNames.push(spec.name);
      perDirection.forEach((s, i) => squares[i]!.push(s));
    }
  }
  const directions = names.map((name, index) => ({
    name,
    index,
    total: Math.sqrt(squares[index]!.reduce((s, v) => s + v, 0)),
    byMatrix: squares[index]!.map(Math.sqrt),
  }));
  return { base: base.label, changed: changed.label, matrices, matrixNames, directions };
}

/** The `n` directions that changed most (ties: residual order), only those that changed at all. */
export function topDirections(w: WeightChange, n: number): DirectionChange[] {
  return [...w.directions].filter((x) => x.total > 0).sort((a, b) => b.total - a.total || a.index - b.index).slice(0, n);
}

/** Where a direction changed most: its matrices by decreasing change, those that changed. */
export function directionMatrices(w: WeightChange, dir: DirectionChange): [string, number][] {
  return dir.byMatrix.map((v, i) => [w.matrixNames[i]!, v] as [string, number]).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
}
