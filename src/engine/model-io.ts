// Save/load TF.js layers models in the standard format (model.json + weights.bin) from Node without
// tfjs-node (its file:// handler is what we replace). The browser reads the same files with tf.loadLayersModel.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import { writeFileAtomicAsync } from '../fs/atomic.ts';
import { silenceNodeBackendAdvice } from './backends/cpu/quiet.ts';

// Loading a model (serve, predict, report) may be the process's first use of TF.js's cpu backend.
silenceNodeBackendAdvice();

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface SaveModelOptions {
  /** Also store the optimizer's weights (for resuming training). */
  includeOptimizer?: boolean;
}

function weightBytes(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('saveModel: binary topologies are not supported');
      await mkdir(dir, { recursive: true });
      const weights = weightBytes(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      // weights first, model.json last: model.json present means the pair is complete.
      await writeFileAtomicAsync(join(dir, WEIGHTS_BIN), weights);
      await writeFileAtomicAsync(join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
  };
}

function fileLoadHandler(dir: string): tf.io.IOHandler {
  const jsonPath = join(dir, MODEL_JSON);
  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = await readFile(jsonPath, 'utf8');
      } catch {
        throw new UserError(`${jsonPath}: no saved model there (model.json is missing or unreadable)`);
      }
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(text) as tf.io.ModelJSON;
      } catch {
        throw new UserError(`${jsonPath}: not valid JSON`);
      }
      if (modelJson.modelTopology === undefined || !Array.isArray(modelJson.weightsManifest)) {
        throw new UserError(`${jsonPath}: not a TF.js layers model (modelTopology or weightsManifest missing)`);
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const file = join(dirname(jsonPath), p);
            const bytes = await readFile(file).catch(() => {
              throw new UserError(`${file}: weights file listed in ${jsonPath} is missing`);
            });
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
          }
        }
        return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
      });
    },
  };
}

/** Saves `model` as dir/model.json + dir/weights.bin (creates dir). */
export async function saveModel(model: tf.LayersModel, dir: string, options: SaveModelOptions = {}): Promise<void> {
  await model.save(fileSaveHandler(dir), { includeOptimizer: options.includeOptimizer ?? false });
}

/** Loads a model saved by saveModel (or any single-folder TF.js layers model). */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoadHandler(dir));
}
