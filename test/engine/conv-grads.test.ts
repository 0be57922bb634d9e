// Gradients of conv2d on wasm (our Conv2DBackpropFilter/Input) against the cpu backend.
import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { expectWasmMatchesCpu, seededValues, sizeOf } from './compare.ts';

type Pad = 'valid' | 'same';
const cases: { name: string; x: [number, number, number, number]; k: number; co: number; stride: 1 | 2; pad: Pad }[] = [];
for (const stride of [1, 2] as const) {
  for (const pad of ['valid', 'same'] as const) {
    cases.push({ name: `3x3 ${pad} stride ${stride}, odd size`, x: [3, 9, 9, 2], k: 3, co: 4, stride, pad });
    cases.push({ name: `3x3 ${pad} stride ${stride}, even size`, x: [2, 10, 8, 3], k: 3, co: 5, stride, pad });
    cases.push({ name: `2x2 ${pad} stride ${stride}`, x: [2, 7, 6, 1], k: 2, co: 3, stride, pad });
    // 3x3x8 = 72 values per patch: the chunked-conv path of Conv2DBackpropFilter (the above use im2col).
    cases.push({ name: `3x3 ${pad} stride ${stride}, 8 channels`, x: [3, 9, 8, 8], k: 3, co: 4, stride, pad });
  }
}
// The study's cnn shapes (batch cut to 2): 28x28x1 -> 32 -> 64 filters.
cases.push({ name: 'cnn conv1 28x28x1 -> 32', x: [2, 28, 28, 1], k: 3, co: 32, stride: 1, pad: 'valid' });
cases.push({ name: 'cnn conv2 26x26x32 -> 64', x: [2, 26, 26, 32], k: 3, co: 64, stride: 1, pad: 'valid' });

describe('conv2d gradients on wasm match cpu', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const fShape = [c.k, c.k, c.x[3], c.co];
      const xv = seededValues(sizeOf(c.x), 1);
      const fv = seededValues(sizeOf(fShape), 2);
      await expectWasmMatchesCpu(() => {
        const x = tf.tensor4d(xv, c.x);
        const f = tf.tensor4d(fv, fShape as [number, number, number, number]);
        const y = tf.conv2d(x, f, c.stride, c.pad);
        const w = tf.tensor(seededValues(y.size, 3), y.shape);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), w)))([x, f]);
        return [y, dx, df];
      });
    });
  }
});
