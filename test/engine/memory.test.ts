// The replaced kernels share buffers (Identity, Cast) and make zero-copy views (Conv2DBackpropFilter):
// a training step must neither leak wasm buffers nor free one still in use.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { seededValues } from './compare.ts';

describe('wasm memory', () => {
  it('training steps leave the number of wasm buffers unchanged', async () => {
    await initBackend('wasm');
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [10, 10, 1], filters: 4, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    m.add(tf.layers.flatten());
    m.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
    m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const x = tf.tensor4d(seededValues(6 * 100, 1), [6, 10, 10, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const backend = tf.backend() as unknown as BackendWasm;
    await m.trainOnBatch(x, y); // creates optimizer slots
    const buffers = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await m.trainOnBatch(x, y);
    expect(backend.numDataIds()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('an Identity/Cast result outlives its source', async () => {
    await initBackend('wasm');
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(tf.cast(b, 'int32').dataSync())).toEqual([1, 2, 3]);
  });
});
