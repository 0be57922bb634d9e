// The replaced wasm kernels (BatchMatMul on gemm.wat, MaxPoolGrad, Sum) against the cpu backend.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { gemmFor } from '../../src/engine/wasm-kernels/gemm.ts';
import { expectWasmMatchesCpu, seededValues, sizeOf } from './compare.ts';

function t(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(seededValues(sizeOf(shape), seed), shape);
}

describe('BatchMatMul on wasm matches cpu', () => {
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`rank 2, transposeA=${ta} transposeB=${tb}`, async () => {
      await expectWasmMatchesCpu(() => {
        const a = t(ta ? [7, 5] : [5, 7], 1);
        const b = t(tb ? [3, 7] : [7, 3], 2);
        return [tf.matMul(a, b, ta, tb)];
      });
    });
  }
  it('a·b^T with b wider than a (computed as (b·a^T)^T)', async () => {
    await expectWasmMatchesCpu(() => [tf.matMul(t([3, 7], 1), t([40, 7], 2), false, true)]);
  });
  it('batched with transposes', async () => {
    await expectWasmMatchesCpu(() => [tf.matMul(t([2, 7, 5], 1), t([2, 3, 7], 2), true, true)]);
  });
  it('batched with a broadcast operand on either side', async () => {
    await expectWasmMatchesCpu(() => [
      tf.matMul(t([1, 6, 9], 1), t([3, 9, 5], 2)),
      tf.matMul(t([3, 9, 6], 3), t([1, 5, 9], 4), true, true),
    ]);
  });
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    // K over gemm.wat's 256-wide block (accumulation across blocks), M and N off its 4x8 tile.
    it(`several K blocks and partial tiles, transposeA=${ta} transposeB=${tb}`, async () => {
      await expectWasmMatchesCpu(() => {
        const a = t(ta ? [600, 13] : [13, 600], 5);
        const b = t(tb ? [21, 600] : [600, 21], 6);
        return [tf.matMul(a, b, ta, tb)];
      });
    });
  }
  it('runs on gemm.wat once the backend has started', async () => {
    await initBackend('wasm');
    expect(gemmFor(tf.backend() as BackendWasm)).toBeDefined();
  });
  it('dense layer gradients (x^T dy and dy W^T)', async () => {
    await expectWasmMatchesCpu(() => {
      const x = t([16, 40], 3);
      const w = t([40, 12], 4);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.matMul(a, b))))([x, w]);
      return [dx, dw];
    });
  });
});

describe('MaxPoolGrad on wasm matches cpu', () => {
  const cases: { name: string; shape: [number, number, number, number]; size: number; stride: number; pad: 'valid' | 'same' }[] = [
    { name: '2x2 stride 2 valid (the models)', shape: [2, 8, 8, 5], size: 2, stride: 2, pad: 'valid' },
    { name: '2x2 stride 2 valid, odd size', shape: [2, 9, 7, 3], size: 2, stride: 2, pad: 'valid' },
    // channels a multiple of 4: pool.wat's SIMD kernel
    { name: '2x2 stride 2 valid, 8 channels (SIMD)', shape: [2, 8, 8, 8], size: 2, stride: 2, pad: 'valid' },
    { name: '2x2 stride 2 valid, odd size, 4 channels (SIMD)', shape: [2, 9, 7, 4], size: 2, stride: 2, pad: 'valid' },
    { name: '2x2 stride 2 same, odd size', shape: [2, 9, 7, 3], size: 2, stride: 2, pad: 'same' },
    { name: '3x3 stride 1 same (overlapping windows)', shape: [1, 6, 6, 4], size: 3, stride: 1, pad: 'same' },
    { name: '3x3 stride 2 valid', shape: [2, 9, 9, 2], size: 3, stride: 2, pad: 'valid' },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      await expectWasmMatchesCpu(() => {
        const x = t(c.shape, 5);
        const [dx] = tf.grads((a: tf.Tensor) => {
          const y = tf.maxPool(a as tf.Tensor4D, c.size, c.stride, c.pad);
          return tf.sum(tf.mul(y, t(y.shape, 6)));
        })([x]);
        return [dx];
      });
    });
  }
  it('ties after relu go to the first maximum, like cpu', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tf.relu(t([2, 6, 6, 3], 7)); // about half the values are exactly 0
      const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), t([2, 3, 3, 3], 8))))([x]);
      return [dx];
    });
  });
  it('ties after relu go to the first maximum, like cpu (SIMD, 8 channels)', async () => {
    await expectWasmMatchesCpu(() => {
      const x = tf.relu(t([2, 6, 6, 8], 9));
      const [dx] = tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), t([2, 3, 3, 8], 10))))([x]);
      return [dx];
    });
  });
});

describe('Sum on wasm matches cpu', () => {
  const cases: [string, number[], number | number[], boolean][] = [
    ['leading axes (conv bias gradient)', [4, 5, 6, 7], [0, 1, 2], false],
    ['leading axes, keepDims', [4, 5, 6, 7], [0, 1, 2], true],
    ['axis 0 of a matrix (dense bias gradient)', [50, 9], 0, false],
    ['leading axes given unsorted', [3, 4, 5], [1, 0], false],
    ['inner axis (shipped path)', [4, 5, 6], 2, false],
    ['all axes (shipped path)', [4, 5, 6], [0, 1, 2], false],
    ['middle axis (shipped path)', [4, 5, 6], 1, true],
  ];
  for (const [name, shape, axis, keepDims] of cases) {
    it(name, async () => {
      await expectWasmMatchesCpu(() => {
        const s = tf.sum(t(shape, 9), axis, keepDims);
        return [s, tf.tensor1d(s.shape)];
      });
    });
  }
});

describe('Conv2D on wasm (gemm.wat im2col) matches cpu', () => {
  for (const [name, stride, pad, dilation] of [
    ['valid', 1, 'valid', 1], ['same, stride 2', 2, 'same', 1], ['same, dilation 2', 1, 'same', 2],
  ] as const) {
    it(`3x3, 8 -> 12 channels, ${name}`, async () => {
      await expectWasmMatchesCpu(() => [
        tf.conv2d(t([3, 11, 9, 8], 7) as tf.Tensor4D, t([3, 3, 8, 12], 8) as tf.Tensor4D, stride, pad, 'NHWC', dilation),
      ]);
    });
  }
});
