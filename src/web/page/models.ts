// Loads each run's TF.js layers model in the browser, warms it up, and classifies one image with it.
import * as tf from '@tensorflow/tfjs';
import type { RunSummary } from '../api-types.ts';

export interface LoadedModel {
  run: RunSummary;
  model: tf.LayersModel;
  /** The model's input is side x side x 1 (28 for KMNIST, K49, MNIST; 64 for Kuzushiji-Kanji). */
  side: number;
}

/** Picks the backend: ?backend=cpu|webgl forces one; otherwise TF.js's default (webgl when it works, else cpu). */
export async function initTf(forced: string | null): Promise<string> {
  if (forced) {
    if (!(await tf.setBackend(forced))) throw new Error(`backend ${forced} is not available in this browser`);
  }
  await tf.ready();
  return tf.getBackend();
}

/** The side of a model's square one-channel input ([null, side, side, 1]); an Error for any other shape. */
export function inputSide(model: tf.LayersModel): number {
  const shape = model.inputs[0].shape;
  const [, h, w, c] = shape;
  if (shape.length !== 4 || typeof h !== 'number' || h !== w || c !== 1) {
    throw new Error(`model input shape ${JSON.stringify(shape)} is not [null, side, side, 1]`);
  }
  return h;
}

/**
 * Loads a run's model, then runs one prediction on a blank image: WebGL compiles its shaders (and wasm sets up)
 * on a model's first prediction, seconds on a slow machine, so doing it here makes the first drawn answer quick.
 */
export async function loadRunModel(run: RunSummary): Promise<LoadedModel> {
  if (!run.modelUrl) throw new Error(`${run.id} has no model`);
  const model = await tf.loadLayersModel(run.modelUrl);
  const loaded = { run, model, side: inputSide(model) };
  await classify(loaded, new Uint8Array(loaded.side * loaded.side));
  return loaded;
}

/** Class probabilities for one side x side image of 0..255 values, scaled to 0..1 as training does. */
export async function classify(loaded: LoadedModel, pixels: ArrayLike<number>): Promise<number[]> {
  const { side } = loaded;
  if (pixels.length !== side * side) throw new Error(`${loaded.run.id} expects ${side}x${side} inputs, not ${pixels.length} pixels`);
  const out = tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [1, side, side, 1]);
    const y = loaded.model.predict(x);
    return Array.isArray(y) ? y[0] : y;
  });
  try {
    return Array.from(await out.data());
  } finally {
    out.dispose();
  }
}
