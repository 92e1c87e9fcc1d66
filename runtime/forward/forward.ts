// The forward pass of a compiled model (compiler/model/types.ts) with TensorFlow.js, batched.
//
// Engine: tfjs-core 4.22 on the WASM backend (XNNPACK, 20-60x faster than the pure-JS CPU backend
// in shared/engines.md's measurements); if WASM cannot start, the CPU backend.
// Inference only. The embedding is summed in JavaScript (gather + tile are slow on WASM).
//
// Per layer, the heads' Q, K and V projections are stacked into one matrix each, so the residual
// is multiplied once per projection kind, not once per head; the heads' outputs are concatenated
// and go through the stacked W_O in one product. Key positions holding PAD get a score of -1e30
// before the softmax, so their weight underflows to exactly 0: padding is never attended to. BOS
// (position 0) is never padding, so every softmax row has a real key. Hook names and shapes are
// documented in compiler/model/hooks.ts.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import type { CompiledModel, Matrix } from "../../compiler/model/types.js";
import { columns } from "../../compiler/export/matrices.js";
import { checkIds, padBatch, type ForwardOptions, type ForwardResult } from "./outputs.js";
import { hookNames } from "../../compiler/model/hooks.js";
import { padId } from "../../compiler/model/tokens.js";

export type TfjsBackend = "wasm" | "cpu";

const MASKED = -1e30;

let initialised: Promise<TfjsBackend> | null = null;

/**
 * Starts TensorFlow.js once per process: WASM unless `RASPC_TFJS_BACKEND=cpu` or `prefer` says
 * otherwise, falling back to CPU when WASM does not start (`setBackend` returns false, it does not
 * throw). Returns the backend in use.
 */
export function initTfjs(prefer: TfjsBackend = process.env.RASPC_TFJS_BACKEND === "cpu" ? "cpu" : "wasm"): Promise<TfjsBackend> {
  if (initialised === null) {
    initialised = (async () => {
      tf.enableProdMode();
      if (prefer === "wasm") {
        let ok = false;
        try {
          ok = await tf.setBackend("wasm");
        } catch {
          ok = false;
        }
        if (ok) return "wasm";
      }
      if (!(await tf.setBackend("cpu"))) throw new Error("TensorFlow.js: neither the wasm nor the cpu backend could start");
      return "cpu";
    })();
  }
  return initialised;
}


/** Several matrices with the same rows side by side, as one float32 tensor [rows, Σcols]. */
function hstack(ms: readonly Matrix[], rows: number): { tensor: tf.Tensor2D; widths: number[] } {
  const widths = ms.map(columns);
  const total = widths.reduce((a, b) => a + b, 0);
  const flat = new Float32Array(rows * total);
  let col = 0;
  ms.forEach((m, k) => {
    for (let i = 0; i < rows; i++) {
      const src = m[i]!;
      for (let j = 0; j < widths[k]!; j++) flat[i * total + col + j] = src[j]!;
    }
    col += widths[k]!;
  });
  return { tensor: tf.tensor2d(flat, [rows, total]), widths };
}

/** Matrices stacked on top of each other (same columns), as one tensor [Σrows, cols]. */
function vstack(ms: readonly Matrix[], cols: number): tf.Tensor2D {
  const rows = ms.reduce((a, m) => a + m.length, 0);
  const flat = new Float32Array(rows * cols);
  let r = 0;
  for (const m of ms) for (const row of m) flat.set(row, cols * r++);
  return tf.tensor2d(flat, [rows, cols]);
}

function matrixTensor(m: Matrix, cols: number): tf.Tensor2D {
  return vstack([m], cols);
}

interface LayerTensors {
  readonly heads: number;
  readonly dHead: number[];
  readonly dValue: number[];
  /** Null when the layer has no heads, or all its heads have zero width there. */
  readonly wq: tf.Tensor2D | null;
  readonly wk: tf.Tensor2D | null;
  readonly wv: tf.Tensor2D | null;
  readonly wo: tf.Tensor2D | null;
  readonly mlp: { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D; hidden: number } | null;
}

/** A compiled model's weights as tensors, ready to run batches. Call `dispose` when done. */
export class TfjsForward {
  private readonly tokenRows: Float32Array[];
  private readonly positionRows: Float32Array[];
  private readonly layers: LayerTensors[];
  private readonly unembedding: tf.Tensor2D;
  private readonly d: number;
  private readonly outputs: number;
  private disposed = false;

  /** `initTfjs()` must have finished first. */
  constructor(private readonly model: CompiledModel) {
    const d = model.residual.length;
    this.d = d;
    this.outputs = columns(model.unembedding);
    // Rows are summed in float32, as a float32 gather + add would.
    this.tokenRows = model.tokenEmbedding.map((r) => Float32Array.from(r));
    this.positionRows = model.positionEmbedding.map((r) => Float32Array.from(r));
    this.unembedding = matrixTensor(model.unembedding, this.outputs);
    this.layers = model.layers.map((layer) => {
      const heads = layer.attention.length;
      let wq: tf.Tensor2D | null = null;
      let wk: tf.Tensor2D | null = null;
      let wv: tf.Tensor2D | null = null;
      let wo: tf.Tensor2D | null = null;
      let dHead: number[] = [];
      let dValue: number[] = [];
      if (heads > 0) {
        // Zero-width projections (every head with d_head 0, or d_value 0) get no tensor at all:
        // XNNPACK refuses empty matrices.
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        dHead = layer.attention.map((h) => columns(h.wq));
        dValue = layer.attention.map((h) => columns(h.wv));
        if (sum(dHead) > 0) {
          wq = hstack(layer.attention.map((h) => h.wq), d).tensor;
          wk = hstack(layer.attention.map((h) => h.wk), d).tensor;
        }
        if (sum(dValue) > 0) {
          wv = hstack(layer.attention.map((h) => h.wv), d).tensor;
          wo = vstack(layer.attention.map((h) => h.wo), d);
        }
      }
      let mlp: LayerTensors["mlp"] = null;
      if (layer.mlp) {
        const hidden = layer.mlp.b1.length;
        mlp = {
          hidden,
          w1: matrixTensor(layer.mlp.w1, hidden),
          b1: tf.tensor1d(Float32Array.from(layer.mlp.b1)),
          w2: matrixTensor(layer.mlp.w2, d),
          b2: tf.tensor1d(Float32Array.from(layer.mlp.b2)),
        };
      }
      return { heads, dHead, dValue, wq, wk, wv, wo, mlp };
    });
  }

  /**
   * token embedding + position embedding for every position, [N, d] row-major. Built here rather
   * than with gather + tile: on WASM those two took ~80 % of a forward pass.
   */
  private embed(flat: Int32Array, T: number): Float32Array {
    const d = this.d;
    const x = new Float32Array(flat.length * d);
    for (let i = 0; i < flat.length; i++) {
      const te = this.tokenRows[flat[i]!]!;
      const pe = this.positionRows[i % T]!;
      const base = i * d;
      for (let j = 0; j < d; j++) x[base + j] = te[j]! + pe[j]!;
    }
    return x;
  }

  /** Runs a batch of id sequences (`[BOS, t_1 .. t_n]` each, lengths may differ). */
  forward(ids: readonly (readonly number[])[], opts: ForwardOptions = {}): ForwardResult {
    if (this.disposed) throw new Error("TfjsForward: used after dispose()");
    checkIds(this.model, ids);
    const { seqLen: T, lengths, flat } = padBatch(ids, padId(this.model));
    const B = ids.length;
    const d = this.d;
    const N = B * T;
    const hooks = opts.hooks ? new Map<string, Float32Array>() : undefined;
    const save = (name: string, t: tf.Tensor): void => {
      if (hooks) hooks.set(name, t.dataSync() as Float32Array);
    };
    // Additive key mask [B, 1, T]: 0 for real keys, -1e30 for padding.
    const maskData = new Float32Array(B * T);
    const pad = padId(this.model);
    for (let i = 0; i < N; i++) if (flat[i] === pad) maskData[i] = MASKED;

    const logits = tf.tidy(() => {
      const keyMask = tf.tensor3d(maskData, [B, 1, T]);
      let x: tf.Tensor2D = tf.tensor2d(this.embed(flat, T), [N, d]);
      if (hooks) {
        const te = new Float32Array(N * d);
        const pe = new Float32Array(N * d);
        for (let i = 0; i < N; i++) {
          te.set(this.tokenRows[flat[i]!]!, i * d);
          pe.set(this.positionRows[i % T]!, i * d);
        }
        hooks.set(hookNames.embed, te);
        hooks.set(hookNames.posEmbed, pe);
      }
      this.layers.forEach((layer, l) => {
        save(hookNames.residPre(l), x);
        if (layer.heads > 0) {
          const q = layer.wq ? tf.matMul(x, layer.wq) : null;
          const k = layer.wk ? tf.matMul(x, layer.wk) : null;
          const v = layer.wv ? tf.matMul(x, layer.wv) : null;
          const zs: tf.Tensor[] = [];
          const scoreList: tf.Tensor[] = [];
          const patterns: tf.Tensor[] = [];
          const dz = Math.max(0, ...layer.dValue);
          const zHook: tf.Tensor[] = [];
          let qOff = 0;
          let vOff = 0;
          for (let h = 0; h < layer.heads; h++) {
            const dh = layer.dHead[h]!;
            const dv = layer.dValue[h]!;
            let scores: tf.Tensor3D;
            if (dh > 0) {
              const qh = tf.reshape(tf.slice(q!, [0, qOff], [N, dh]), [B, T, dh]);
              const kh = tf.reshape(tf.slice(k!, [0, qOff], [N, dh]), [B, T, dh]);
              // An explicit transpose: WASM's matMul is ~10x slower with transposeB (engines.md).
              scores = tf.matMul(qh, tf.transpose(kh, [0, 2, 1]));
            } else {
              scores = tf.zeros([B, T, T]);
            }
            const masked = tf.add(scores, keyMask);
            const pattern = tf.softmax(masked);
            if (hooks) {
              scoreList.push(masked);
              patterns.push(pattern);
            }
            let zh: tf.Tensor | null = null;
            if (dv > 0) {
              const vh = tf.reshape(tf.slice(v!, [0, vOff], [N, dv]), [B, T, dv]);
              zh = tf.matMul(pattern, vh);
              zs.push(zh);
            }
            if (hooks && dz > 0) zHook.push(dv === dz ? zh! : zh ? tf.pad(zh, [[0, 0], [0, 0], [0, dz - dv]]) : tf.zeros([B, T, dz]));
            qOff += dh;
            vOff += dv;
          }
          if (hooks) {
            save(hookNames.attnScores(l), tf.stack(scoreList, 1));
            save(hookNames.pattern(l), tf.stack(patterns, 1));
            if (dz > 0) save(hookNames.z(l), tf.stack(zHook, 2));
          }
          const attnOut = zs.length > 0 ? tf.matMul(tf.reshape(zs.length === 1 ? zs[0]! : tf.concat(zs, 2), [N, vOff]), layer.wo!) : null;
          if (hooks) save(hookNames.attnOut(l), attnOut ?? tf.zeros([N, d]));
          if (attnOut) x = tf.add(x, attnOut);
        }
        save(hookNames.residMid(l), x);
        if (layer.mlp) {
          const { w1, b1, w2, b2, hidden } = layer.mlp;
          // x + m + b2 in two adds, as before hooks had names: mlp_out (m + b2) is computed beside it,
          // so that asking for hooks never changes the residual stream's rounding.
          let m: tf.Tensor | null = null;
          if (hidden > 0) {
            const pre = tf.add(tf.matMul(x, w1), b1);
            const post = tf.relu(pre);
            save(hookNames.mlpPre(l), pre);
            save(hookNames.mlpPost(l), post);
            m = tf.matMul(post, w2);
            x = tf.add(x, m);
          }
          x = tf.add(x, b2);
          if (hooks) save(hookNames.mlpOut(l), m ? tf.add(m, b2) : tf.add(tf.zeros([N, d]), b2));
        }
        save(hookNames.residPost(l), x);
      });
      return this.outputs > 0 ? tf.matMul(x, this.unembedding) : tf.zeros([N, 0]);
    });
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    return { batch: B, seqLen: T, lengths, outputs: this.outputs, logits: data, ...(hooks ? { hooks } : {}) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const ts: (tf.Tensor | null)[] = [this.unembedding];
    for (const l of this.layers) {
      ts.push(l.wq, l.wk, l.wv, l.wo);
      if (l.mlp) ts.push(l.mlp.w1, l.mlp.b1, l.mlp.w2, l.mlp.b2);
    }
    for (const t of ts) t?.dispose();
  }
}

/** Starts the engine (once) and loads a model onto it. */
export async function loadTfjsModel(model: CompiledModel, prefer?: TfjsBackend): Promise<{ engine: TfjsForward; backend: TfjsBackend }> {
  const backend = await initTfjs(prefer);
  return { engine: new TfjsForward(model), backend };
}

/** The backend name in use (after initTfjs). */
export function currentBackend(): string {
  return tf.getBackend();
}
