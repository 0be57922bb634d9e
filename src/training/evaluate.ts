// Class probabilities for a whole image set (in chunks, so 60k images never sit in one tensor), and the
// loss/accuracy Keras would report for them.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.ts';
import { argmaxRows, classificationReport, macroRocAucOvr } from '../metrics/classification.ts';
import { batchPixels } from './batches.ts';

export interface Predictions {
  /** count x numClasses, row-major. */
  probs: Float32Array;
  predicted: Int32Array;
  /** Mean categorical cross-entropy, probabilities clipped to [1e-7, 1 - 1e-7] as Keras does. */
  loss: number;
  accuracy: number;
  seconds: number;
}

const EPS = 1e-7;

export function scorePredictions(probs: Float32Array, labels: Int32Array, numClasses: number, seconds: number): Predictions {
  const predicted = argmaxRows(probs, numClasses);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probs[i * numClasses + labels[i]], EPS), 1 - EPS);
    loss -= Math.log(p);
    if (predicted[i] === labels[i]) correct++;
  }
  const n = Math.max(labels.length, 1);
  return { probs, predicted, loss: loss / n, accuracy: correct / n, seconds };
}

/**
 * WebGPU's default maxStorageBufferBindingSize, 128 MiB (W3C WebGPU, "Limits"): every adapter offers it,
 * and TF.js's webgpu backend binds each layer's whole output as one storage buffer.
 */
export const WEBGPU_DEFAULT_MAX_BINDING_BYTES = 134_217_728;

/** Most images one predict chunk holds. */
export const PREDICT_CHUNK = 1024;

/**
 * Images per predict chunk: `requested`, or on webgpu fewer, so that the largest layer output (float32)
 * of a chunk stays within half of one storage binding (the half: a margin for the kernels' own buffers).
 * Without it the cnn's second convolution at 1,024 images (1024 x 24 x 24 x 64 x 4 = 150,994,944 bytes)
 * fails WebGPU validation and the chunk comes back as garbage.
 */
export function predictChunk(model: tf.LayersModel, backend: string, requested = PREDICT_CHUNK): number {
  if (backend !== 'webgpu') return requested;
  const shapes = model.layers.flatMap((l) => (Array.isArray(l.outputShape[0]) ? (l.outputShape as tf.Shape[]) : [l.outputShape as tf.Shape]));
  const perImage = Math.max(1, ...shapes.map((s) => s.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1)));
  return Math.max(1, Math.min(requested, Math.floor(WEBGPU_DEFAULT_MAX_BINDING_BYTES / 2 / (perImage * 4))));
}

/**
 * Class probabilities (count x numClasses) and Keras's loss/accuracy for a whole set, predicted in chunks
 * of `chunk` images (predictChunk: fewer on webgpu).
 */
export async function predictSet(model: tf.LayersModel, set: ImageSet, numClasses: number, chunk = predictChunk(model, tf.getBackend())): Promise<Predictions> {
  const start = performance.now();
  const probs = new Float32Array(set.count * numClasses);
  for (let s = 0; s < set.count; s += chunk) {
    const n = Math.min(chunk, set.count - s);
    const indices = Array.from({ length: n }, (_, k) => s + k);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(batchPixels(set, indices), [n, set.height, set.width, 1]);
      return model.predict(x, { batchSize: chunk }) as tf.Tensor;
    });
    probs.set(await out.data<'float32'>(), s * numClasses);
    out.dispose();
  }
  return scorePredictions(probs, set.labels, numClasses, (performance.now() - start) / 1000);
}

/** The macro averages logged per epoch (history.json's val_precision, val_recall, val_macro_f1, val_auc). */
export interface ValidationMetrics {
  precision: number;
  recall: number;
  macroF1: number;
  /** One-vs-rest macro ROC AUC; NaN when a class has no sample in the set. */
  auc: number;
}

export function validationMetrics(pred: Predictions, labels: Int32Array, numClasses: number): ValidationMetrics {
  const { macroAvg } = classificationReport(labels, pred.predicted, numClasses);
  return { precision: macroAvg.precision, recall: macroAvg.recall, macroF1: macroAvg.f1, auc: macroRocAucOvr(labels, pred.probs, numClasses) };
}
