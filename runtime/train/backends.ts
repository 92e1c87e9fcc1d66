// The training engines and the backends each accepts: one list for the engines themselves, the
// experiment config's schema and its messages. A module of its own so that checking a config does
// not load an engine.
export const ENGINE_BACKENDS = {
  ort: ["cpu", "cuda"],
  tfjs: ["wasm", "cpu", "tensorflow"],
} as const;

export type EngineName = keyof typeof ENGINE_BACKENDS;
export type OrtBackend = (typeof ENGINE_BACKENDS.ort)[number];
export type TfjsTrainBackend = (typeof ENGINE_BACKENDS.tfjs)[number];
