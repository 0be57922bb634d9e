// Turns uint8 images into model batches (NHWC float32 in [0, 1], one-hot labels), augmenting on the fly.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.ts';
import { affineFor, applyAffine, drawTransform } from './augment.ts';
import type { AugmentParams } from '../run-folder/recorded-settings.ts';
import type { Rng } from './rng.ts';

export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
}

/** Pixels of the listed images as floats in [0, 1]; with `augment`, each image gets its own random transform. */
export function batchPixels(set: ImageSet, indices: ArrayLike<number>, augment?: { rng: Rng; params: AugmentParams }): Float32Array {
  const px = set.height * set.width;
  const out = new Float32Array(indices.length * px);
  for (let k = 0; k < indices.length; k++) {
    const src = indices[k] * px;
    if (augment) {
      const m = affineFor(drawTransform(augment.rng, augment.params, set.height, set.width), set.height, set.width);
      applyAffine(set.images, src, set.height, set.width, m, out, k * px, 1 / 255);
    } else {
      for (let i = 0; i < px; i++) out[k * px + i] = set.images[src + i] / 255;
    }
  }
  return out;
}

export function makeBatch(
  set: ImageSet,
  indices: ArrayLike<number>,
  numClasses: number,
  augment?: { rng: Rng; params: AugmentParams },
): Batch {
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) labels[k] = set.labels[indices[k]];
  const x = tf.tensor4d(batchPixels(set, indices, augment), [indices.length, set.height, set.width, 1]);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D);
  return { x, y };
}

/**
 * The order of one epoch: `factor` passes over the set, each freshly shuffled, so an epoch with
 * --augment-factor K sees K differently-augmented copies of every image without storing them.
 */
export function epochOrder(count: number, factor: number, rng: Rng): Int32Array {
  const order = new Int32Array(count * factor);
  for (let p = 0; p < factor; p++) order.set(rng.permutation(count), p * count);
  return order;
}
