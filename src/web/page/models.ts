// Loads each run's TF.js layers model in the browser and classifies one 28x28 image with it.
import * as tf from '@tensorflow/tfjs';
import type { RunSummary } from '../api-types.ts';
import { SIDE } from '../../inference/preprocess.ts';

export interface LoadedModel {
  run: RunSummary;
  model: tf.LayersModel;
}

/** Picks the backend: ?backend=cpu|webgl forces one; otherwise TF.js's default (webgl when it works, else cpu). */
export async function initTf(forced: string | null): Promise<string> {
  if (forced) {
    if (!(await tf.setBackend(forced))) throw new Error(`backend ${forced} is not available in this browser`);
  }
  await tf.ready();
  return tf.getBackend();
}

export async function loadRunModel(run: RunSummary): Promise<LoadedModel> {
  if (!run.modelUrl) throw new Error(`${run.id} has no model`);
  return { run, model: await tf.loadLayersModel(run.modelUrl) };
}

/** Shapes 0..255 pixels as the model's input: scaled to 0..1 like training, in the model's own layout. */
function inputTensor(model: tf.LayersModel, pixels: ArrayLike<number>): tf.Tensor {
  const shape = model.inputs[0].shape.slice(1);
  if (shape.some((d) => d === null)) throw new Error(`model input shape ${JSON.stringify(model.inputs[0].shape)} is not fixed`);
  const dims = shape as number[];
  if (dims.reduce((a, b) => a * b, 1) !== SIDE * SIDE) throw new Error(`model expects ${dims.join('x')} inputs, not 28x28`);
  const x = Float32Array.from(pixels, (v) => v / 255);
  return tf.tensor(x, [1, ...dims]);
}

/** Class probabilities for one image. */
export async function classify(loaded: LoadedModel, pixels: ArrayLike<number>): Promise<number[]> {
  const out = tf.tidy(() => {
    const y = loaded.model.predict(inputTensor(loaded.model, pixels));
    return Array.isArray(y) ? y[0] : y;
  });
  try {
    return Array.from(await out.data());
  } finally {
    out.dispose();
  }
}
