// Winograd F(2x2,3x3) (src/engine/wasm-kernels/winograd.ts) against the cpu backend's direct
// convolution: forward, input gradient, filter gradient and the fused bias + ReLU of FusedConv2D, on
// shapes that exercise the tile edges (odd sizes, 'same' padding), several chunks and gradient groups.
// Tolerance: 1e-4 of the largest value (compare.ts), as for every kernel here; F(2x2,3x3) in float32
// measures ~1e-6 at these sizes.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { winogradApplies } from '../../src/engine/wasm-kernels/winograd.ts';
import { expectWasmMatchesCpu, seededValues, sizeOf } from './compare.ts';

type Shape4 = [number, number, number, number];
const cases: { name: string; x: Shape4; co: number; pad: 'valid' | 'same' }[] = [
  { name: 'odd size, valid (a partial last tile row and column)', x: [2, 9, 7, 4], co: 8, pad: 'valid' },
  { name: 'odd size, same (padding on every side)', x: [3, 7, 9, 8], co: 4, pad: 'same' },
  { name: 'channels not a multiple of 8 (ldc padding)', x: [2, 6, 6, 12], co: 12, pad: 'same' },
  // 4 x 15 x 15 = 900 tiles: 3 chunks of at most 384, so 3 filter-gradient groups
  { name: 'several chunks and gradient groups', x: [4, 30, 30, 4], co: 8, pad: 'same' },
];

describe('Winograd 3x3 convolutions on wasm match cpu', () => {
  for (const c of cases) {
    it(`${c.name}: y, dx, dW`, async () => {
      const fShape: Shape4 = [3, 3, c.x[3], c.co];
      expect(winogradApplies(3, 3, [1, 1], [1, 1], c.x[3], c.co)).toBe(true);
      const xv = seededValues(sizeOf(c.x), 11);
      const fv = seededValues(sizeOf(fShape), 12);
      await expectWasmMatchesCpu(() => {
        const x = tf.tensor4d(xv, c.x);
        const f = tf.tensor4d(fv, fShape);
        const y = tf.conv2d(x, f, 1, c.pad);
        const w = tf.tensor(seededValues(y.size, 13), y.shape);
        const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad), w)))([x, f]);
        return [y, dx, df];
      });
    });
  }

  for (const activation of ['relu', 'linear'] as const) {
    it(`FusedConv2D with bias and ${activation} (inference)`, async () => {
      const xShape: Shape4 = [3, 11, 10, 8];
      const xv = seededValues(sizeOf(xShape), 21);
      const fv = seededValues(3 * 3 * 8 * 16, 22);
      const bv = seededValues(16, 23);
      await expectWasmMatchesCpu(() => [
        tf.fused.conv2d({ x: tf.tensor4d(xv, xShape), filter: tf.tensor4d(fv, [3, 3, 8, 16]), strides: 1, pad: 'same', bias: tf.tensor1d(bv), activation }),
        tf.fused.conv2d({ x: tf.tensor4d(xv, xShape), filter: tf.tensor4d(fv, [3, 3, 8, 16]), strides: 1, pad: 'valid', activation }),
      ]);
    });
  }

  it('applies to 3x3 stride-1 convolutions with channels in fours only', () => {
    expect(winogradApplies(3, 3, [1, 1], [1, 1], 32, 64)).toBe(true);
    expect(winogradApplies(3, 3, [2, 2], [1, 1], 32, 64)).toBe(false);
    expect(winogradApplies(3, 3, [1, 1], [2, 2], 32, 64)).toBe(false);
    expect(winogradApplies(5, 5, [1, 1], [1, 1], 32, 64)).toBe(false);
    expect(winogradApplies(3, 3, [1, 1], [1, 1], 1, 32)).toBe(false);
    expect(winogradApplies(3, 3, [1, 1], [1, 1], 32, 10)).toBe(false);
  });
});
