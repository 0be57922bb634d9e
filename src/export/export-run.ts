// `kmnist-lab export`: a finished run's model as one ONNX file, or as a standalone TF.js folder.
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { loadRunModel, type RunModel } from '../inference/run-model.ts';
import { RUN_FILES } from '../run-folder/layout.ts';
import { writeFileAtomic, writeJsonAtomic } from '../fs/atomic.ts';
import { layersModelToOnnx, ONNX_INPUT, ONNX_OUTPUT, type OnnxMetadata } from './onnx.ts';

export const EXPORT_FORMATS = ['onnx', 'tfjs'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** How to feed the exported model; the same words go into the ONNX metadata and the TF.js folder's labels.json. */
export function modelMetadata(run: RunModel): OnnxMetadata {
  const { config } = run;
  return {
    experiment: config.experiment,
    dataset: config.dataset,
    seed: String(config.seed),
    class_names: JSON.stringify(config.classNames),
    ...(config.classChars ? { class_chars: JSON.stringify(config.classChars) } : {}),
    input_layout: 'NHWC',
    input_shape: JSON.stringify(['N', run.height, run.width, 1]),
    input_scaling: 'float32 pixel / 255, ink white (1) on black (0), as the dataset images',
    output: 'softmax class probabilities [N, numClasses]',
  };
}

export const defaultExportPath = (runDir: string, format: ExportFormat): string => join(runDir, format === 'onnx' ? 'model.onnx' : 'model-tfjs');

/** Writes the export; returns the file (onnx) or folder (tfjs) written. */
export async function exportRun(runDir: string, format: ExportFormat, out?: string): Promise<string> {
  const run = await loadRunModel(runDir);
  const target = out ?? defaultExportPath(runDir, format);
  try {
    const meta = modelMetadata(run);
    if (format === 'onnx') {
      const doc =
        `${run.config.experiment} trained on ${run.config.dataset} (seed ${run.config.seed}) by kmnist-lab. ` +
        `Input "${ONNX_INPUT}": float32 [N, ${run.height}, ${run.width}, 1] NHWC, pixel / 255, white ink on black. ` +
        `Output "${ONNX_OUTPUT}": softmax probabilities [N, ${run.config.numClasses}]; class names in metadata_props.`;
      writeFileAtomic(target, layersModelToOnnx(run.model, meta, doc));
    } else {
      if (existsSync(target)) throw new UserError(`${target} already exists; choose another --out or remove it`);
      cpSync(join(runDir, RUN_FILES.model), target, { recursive: true });
      writeJsonAtomic(join(target, 'labels.json'), meta);
    }
  } finally {
    run.model.dispose();
  }
  return target;
}
