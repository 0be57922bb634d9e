// Conv2D (implicit GEMM) and MaxPool2D kernels against TF.js's cpu backend: forward and every gradient,
// 'same' and 'valid' padding, strides 1 and 2, a partial batch (count < the compiled batch).
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConv2dBackward, buildConv2dForward, convAxis, type Conv2dShape } from '../../../src/engine/webgpu-trainer/kernels/conv2d.ts';
import { buildMaxPoolBackward, buildMaxPoolForward, type PoolShape } from '../../../src/engine/webgpu-trainer/kernels/pool.ts';
import { Harness, kernelDevice, randoms, worst } from './kernels-harness.ts';

const device = await kernelDevice();
if (typeof device === 'string') console.warn(`skipped: the webgpu-trainer kernel tests need a WebGPU adapter (${device})`);

describe.skipIf(typeof device === 'string')('webgpu-trainer kernels: conv block', { timeout: 300_000 }, () => {
  const h = new Harness(device as GPUDevice);
  afterAll(() => h.destroy());

  it.each([
    // [batch, count, inH, inW, inC, outC, kh, kw, stride, padding, relu, big]
    [3, 2, 7, 6, 3, 5, 3, 3, 1, 'same', true, false],
    [3, 3, 9, 8, 2, 4, 2, 3, 2, 'valid', false, false],
    [2, 1, 6, 7, 1, 3, 3, 3, 2, 'same', true, false],
    // A long reduction (3·16·16 = 768 rows, 70 channels): the filter gradient is split-K.
    [3, 2, 16, 16, 3, 70, 3, 3, 1, 'same', true, true],
  ] as const)('conv2d batch %i (count %i) %ix%ix%i -> %i, kernel %ix%i stride %i %s relu=%s', async (batch, count, inH, inW, inC, outC, kh, kw, stride, padding, relu, big) => {
    const ah = convAxis(inH, kh, stride, padding);
    const aw = convAxis(inW, kw, stride, padding);
    const s: Conv2dShape = { batch, inH, inW, inC, outH: ah.out, outW: aw.out, outC, kernel: [kh, kw], strides: [stride, stride], pad: [ah.padBefore, aw.padBefore], relu };
    const x = randoms(batch * inH * inW * inC, 1);
    const w = randoms(kh * kw * inC * outC, 2, -0.5, 0.5);
    const bias = randoms(outC, 3, -0.3, 0.3);
    const ySize = batch * ah.out * aw.out * outC;
    const g = randoms(ySize, 4);
    g.fill(0, count * ah.out * aw.out * outC);
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Tensor => {
      const z = tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, stride, padding).add(bb);
      return relu ? tf.relu(z) : z;
    };
    const X = tf.tensor4d(x, [batch, inH, inW, inC]);
    const Wt = tf.tensor4d(w, [kh, kw, inC, outC]);
    const Bt = tf.tensor1d(bias);
    const Y = f(X, Wt, Bt);
    const [dX, dW, dB] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c))([X, Wt, Bt], tf.tensor(g, Y.shape));
    const [sx, sw, sb, sy, sdy, sdw, sdb, sdx] = [h.upload(x), h.upload(w), h.upload(bias), h.upload(ySize), h.upload(g), h.upload(w.length), h.upload(outC), h.upload(x.length)];
    const fwd = buildConv2dForward(h.ctx, { x: sx, w: sw, bias: sb, y: sy }, s);
    const bwd = buildConv2dBackward(h.ctx, { x: sx, w: sw, y: sy, dy: sdy, dw: sdw, db: sdb, dx: sdx }, s);
    expect(fwd.length).toBe(1);
    expect(bwd.length).toBe(big ? 3 : 2);
    h.run({ count }, fwd, bwd);
    for (const [name, slice, want] of [['y', sy, Y], ['dw', sdw, dW], ['db', sdb, dB], ['dx', sdx, dX]] as const) {
      const r = worst(await h.read(slice), await want.data());
      expect(r.ratio, `${name} at ${r.at}`).toBeLessThanOrEqual(1);
    }
  });

  it.each([
    [3, 7, 6, 3, 2, 2, 'valid'],
    [2, 5, 5, 2, 3, 2, 'same'],
    [2, 6, 7, 3, 3, 1, 'valid'], // overlapping windows
  ] as const)('maxpool batch %i %ix%ix%i pool %i stride %i %s: forward and backward', async (batch, inH, inW, c, pool, stride, padding) => {
    const ah = convAxis(inH, pool, stride, padding);
    const aw = convAxis(inW, pool, stride, padding);
    const s: PoolShape = { batch, inH, inW, c, outH: ah.out, outW: aw.out, pool: [pool, pool], strides: [stride, stride], pad: [ah.padBefore, aw.padBefore] };
    const x = randoms(batch * inH * inW * c, 5);
    const ySize = batch * ah.out * aw.out * c;
    const g = randoms(ySize, 6);
    const X = tf.tensor4d(x, [batch, inH, inW, c]);
    const f = (xx: tf.Tensor): tf.Tensor => tf.maxPool(xx as tf.Tensor4D, pool, stride, padding);
    const Y = f(X);
    const dX = tf.grad(f)(X, tf.tensor(g, Y.shape));
    const [sx, sy, sdy, sdx] = [h.upload(x), h.upload(ySize), h.upload(g), h.upload(x.length)];
    h.run({}, buildMaxPoolForward(h.ctx, { x: sx, y: sy }, s), buildMaxPoolBackward(h.ctx, { x: sx, dy: sdy, dx: sdx }, s));
    for (const [name, slice, want] of [['y', sy, Y], ['dx', sdx, dX]] as const) {
      const r = worst(await h.read(slice), await want.data());
      expect(r.ratio, `${name} at ${r.at}`).toBeLessThanOrEqual(1);
    }
  });
});
