// A tiny cnn with the study's layer types trains on wasm with every optimizer the presets use.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { seededValues } from './compare.ts';

// Seeded initializers and dropout, no shuffling: the test must not depend on a lucky draw
// (unseeded, Adadelta at lr 1 kills all relus on this toy set in ~1 of 6 runs on cpu too).
const init = (seed: number) => tf.initializers.glorotUniform({ seed });

function tinyStudyCnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }));
  m.add(tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.dropout({ rate: 0.25, seed: 5 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(3) }));
  m.add(tf.layers.dropout({ rate: 0.5, seed: 6 }));
  m.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(4) }));
  return m;
}

/** Three learnable classes: a bright block top-left, bottom-right, or none, plus noise. */
function toyData(n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const noise = seededValues(n * 144, 11);
  const px = new Float32Array(n * 144);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const cls = i % 3;
    labels.push(cls);
    for (let r = 0; r < 12; r++) {
      for (let c = 0; c < 12; c++) {
        const on = (cls === 0 && r < 6 && c < 6) || (cls === 1 && r >= 6 && c >= 6);
        px[i * 144 + r * 12 + c] = (on ? 1 : 0) + 0.2 * noise[i * 144 + r * 12 + c];
      }
    }
  }
  return { x: tf.tensor4d(px, [n, 12, 12, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) as tf.Tensor2D };
}

describe('training on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const optimizers: [string, () => tf.Optimizer][] = [
    ['adam', () => tf.train.adam(1e-2)],
    ['adadelta', () => tf.train.adadelta(0.5)],
    ['sgd', () => tf.train.sgd(0.1)],
  ];
  for (const [name, make] of optimizers) {
    it(`loss decreases with ${name}`, async () => {
      expect(tf.getBackend()).toBe('wasm');
      const model = tinyStudyCnn();
      model.compile({ optimizer: make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const { x, y } = toyData(48);
      const before = (model.evaluate(x, y) as tf.Scalar[])[0].dataSync()[0];
      await model.fit(x, y, { epochs: 15, batchSize: 16, shuffle: false, verbose: 0 });
      const after = (model.evaluate(x, y) as tf.Scalar[])[0].dataSync()[0];
      expect(Number.isFinite(after)).toBe(true);
      expect(after).toBeLessThan(before * 0.5);
    });
  }
});
