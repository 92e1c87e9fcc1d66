// `raspc export MODEL.json [--onnx M.onnx] [--with-internals] [--tfjs DIR] [--no-check]`: write the
// model as an ONNX file and/or a TensorFlow.js graph model, and say what was written.
//
// Everything is built in memory first and the ONNX graph is checked in onnxruntime-node against the
// reference forward pass; only then are files written, each atomically (temporary file or folder,
// then rename). When two outputs are asked for and the second cannot be written, the first is
// removed again: a failed export leaves nothing behind.
import * as fs from "node:fs";
import * as path from "node:path";
import { UsageError } from "../../language/diagnostics.js";
import { writeFileAtomic } from "../../common/atomicWrite.js";
import { readModel } from "../../model/modelFile.js";
import { formatCount } from "../../model/stats.js";
import type { StagedDir } from "../../export/tfjs.js";
import { allHookNames } from "../../model/hooks.js";

export interface ExportOptions {
  readonly onnx?: string;
  readonly tfjs?: string;
  readonly withInternals?: boolean;
  /** false with --no-check: write the ONNX file without loading it in onnxruntime-node. */
  readonly check?: boolean;
}

function bytes(n: number): string {
  return `${formatCount(n)} bytes`;
}

export async function exportModel(modelFile: string, opts: ExportOptions): Promise<number> {
  if (opts.onnx === undefined && opts.tfjs === undefined) throw new UsageError("give --onnx FILE.onnx, --tfjs DIR, or both");
  if (opts.onnx !== undefined && opts.tfjs !== undefined && path.resolve(opts.onnx) === path.resolve(opts.tfjs)) {
    throw new UsageError("--onnx and --tfjs name the same path");
  }
  const model = readModel(modelFile);
  const withInternals = opts.withInternals === true;
  const lines: string[] = [];

  let onnxBytes: Uint8Array | null = null;
  let checked = "";
  if (opts.onnx !== undefined) {
    const { encodeOnnx, ONNX_OPSET } = await import("../../export/onnx.js");
    onnxBytes = encodeOnnx(model, { withInternals });
    if (opts.check !== false) {
      const { checkOnnxExport } = await import("../../../runtime/onnxCheck.js");
      const { inputs } = await checkOnnxExport(model, onnxBytes, withInternals);
      checked = `; loads in onnxruntime-node and matches the reference forward pass on ${inputs} inputs`;
    }
    const extra = withInternals ? `, ${allHookNames(model).length} internal outputs` : "";
    lines.push(`wrote ${opts.onnx} (ONNX opset ${ONNX_OPSET}, ${bytes(onnxBytes.length)}${extra}${checked})`);
  }

  let staged: StagedDir | null = null;
  if (opts.tfjs !== undefined) {
    const { buildTfjsModel, stageTfjs, tfjsSizes, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } = await import("../../export/tfjs.js");
    const artifacts = buildTfjsModel(model, { withInternals });
    staged = stageTfjs(opts.tfjs, artifacts);
    const sizes = tfjsSizes(artifacts);
    lines.push(
      `wrote ${opts.tfjs}${path.sep}${TFJS_MODEL_FILE} (${bytes(sizes.modelJsonBytes)}) and ${TFJS_WEIGHTS_FILE} (${bytes(sizes.weightsBytes)}): TensorFlow.js graph model`,
    );
  }

  try {
    if (onnxBytes !== null) writeFileAtomic(opts.onnx!, onnxBytes);
  } catch (err) {
    staged?.abort();
    throw err;
  }
  if (staged) {
    try {
      staged.commit();
    } catch (err) {
      if (onnxBytes !== null) fs.rmSync(opts.onnx!, { force: true });
      throw err;
    }
  }
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}
