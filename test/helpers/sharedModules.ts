// Setup file of the unit project, which runs its files without isolation (vitest.config.ts): the
// files of one worker share one module graph, so the big imports (TensorFlow.js, onnxruntime-node,
// Chevrotain) load once per worker instead of once per file. Module state then outlives a file;
// the one piece of it that tests change on purpose is TensorFlow.js's current backend (a test of
// the cpu backend, a trainer started on cpu). After each file that started TensorFlow.js, the
// backend goes back to the one the process starts it with (initTfjs: wasm unless told cpu), so the
// next file finds it as it would in a process of its own.
import * as tf from "@tensorflow/tfjs-core";
import { afterAll } from "vitest";
import { initTfjs } from "../../runtime/forward/forward.js";

afterAll(async () => {
  // The engine's field, not tf.getBackend(), which would start a backend where none is yet.
  if (tf.engine().backendName === null) return;
  const start = await initTfjs();
  if (tf.engine().backendName !== start) await tf.setBackend(start);
});
