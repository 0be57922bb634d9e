// A dropout mask made on the wasm heap by random.wat: one SIMD pass, where tf.dropout draws every value
// from a JS generator (seedrandom's alea, ~11 ns each: 13 ms per step for the cnn's 1.2M-value mask).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { offsetOf } from './views.ts';
import { WatModule } from './wat-module.ts';

export const RANDOM_WAT = new WatModule(new URL('./random.wat', import.meta.url));

type MaskFn = (dst: number, n: number, seed: number, threshold: number, scale: number) => void;

/**
 * A float32 tensor of `shape` holding 1/(1-rate) where a unit is kept (probability 1 - rate) and 0 where it
 * is dropped, from `seed` (any 32-bit integer); undefined when the active backend is not wasm or
 * random.wat is not compiled yet.
 */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as BackendWasm;
  const instance = RANDOM_WAT.instanceFor(backend);
  if (instance === undefined) return undefined;
  const info = backend.makeOutput(shape, 'float32');
  const size = shape.reduce((a, b) => a * b, 1);
  (instance.exports.dropoutMask as MaskFn)(offsetOf(backend, info), size, seed | 0, Math.floor(rate * 2 ** 24), Math.fround(1 / (1 - rate)));
  return tf.engine().makeTensorFromTensorInfo(info);
}
