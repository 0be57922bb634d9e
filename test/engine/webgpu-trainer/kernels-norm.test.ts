// BatchNormalization and GlobalAveragePooling2D kernels against TF.js's cpu backend: batch statistics
// over the count images only, the moving statistics' update, inference with the moving ones, gradients.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { batchNormSavedFloats, buildBatchNormBackward, buildBatchNormForward, buildGlobalAvgPoolBackward, buildGlobalAvgPoolForward, type BatchNormShape } from '../../../src/engine/webgpu-trainer/kernels/batchnorm.ts';
import { Harness, kernelDevice, randoms, worst } from './kernels-harness.ts';

const device = await kernelDevice();
if (typeof device === 'string') console.warn(`skipped: the webgpu-trainer kernel tests need a WebGPU adapter (${device})`);

async function expectClose(h: Harness, name: string, got: Parameters<Harness['read']>[0], want: tf.Tensor | Float32Array, rtol = 1e-4): Promise<void> {
  const r = worst(await h.read(got), want instanceof Float32Array ? want : await want.data(), rtol, 1e-5);
  expect(r.ratio, `${name} at ${r.at}`).toBeLessThanOrEqual(1);
}

describe.skipIf(typeof device === 'string')('webgpu-trainer kernels: normalization block', { timeout: 300_000 }, () => {
  const h = new Harness(device as GPUDevice);
  afterAll(() => h.destroy());

  it.each([
    [5, 3, 4, 3, 7], // conv feature map 4x3, 7 channels
    [9, 9, 1, 1, 300], // after a Dense layer, rows 9·1 < 256 threads, 300 channels
    [4, 3, 20, 20, 2], // 1,200 rows a channel: the threads loop
  ])('batch norm batch %i (count %i) %ix%i x %i channels: training forward, moving stats, backward, inference', async (batch, count, hh, ww, C) => {
    const spatial = hh * ww;
    const s: BatchNormShape = { batch, spatial, channels: C, momentum: 0.99, epsilon: 1e-3 };
    const n = batch * spatial * C;
    const x = randoms(n, 1, -2, 3);
    const gamma = randoms(C, 2, 0.5, 1.5);
    const beta = randoms(C, 3);
    const mm = randoms(C, 4);
    const mv = randoms(C, 5, 0.5, 2);
    const g = randoms(n, 6);
    const used = count * spatial;
    const X = tf.tensor2d(x, [batch * spatial, C]).slice([0, 0], [used, C]);
    const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor): tf.Tensor => {
      const { mean, variance } = tf.moments(xx, 0);
      return tf.batchNorm(xx, mean, variance, bb, gg, 1e-3);
    };
    const G = tf.tensor1d(gamma);
    const B = tf.tensor1d(beta);
    const Y = f(X, G, B);
    const dyT = tf.tensor2d(g, [batch * spatial, C]).slice([0, 0], [used, C]);
    const [dX, dG, dB] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c))([X, G, B], dyT);
    const { mean, variance } = tf.moments(X, 0);
    const wantMm = tf.tensor1d(mm).mul(0.99).add(mean.mul(0.01));
    const wantMv = tf.tensor1d(mv).mul(0.99).add(variance.mul(0.01));
    const pad = (t: tf.Tensor): Float32Array => {
      const out = new Float32Array(n);
      out.set(t.dataSync());
      return out;
    };
    const [sx, sy, sg, sb, smm, smv, saved, sdy, sdg, sdb, sdx] = [
      h.upload(x), h.upload(n), h.upload(gamma), h.upload(beta), h.upload(mm), h.upload(mv), h.upload(batchNormSavedFloats(s)),
      h.upload(g), h.upload(C), h.upload(C), h.upload(n),
    ];
    const fwd = buildBatchNormForward(h.ctx, { x: sx, y: sy, gamma: sg, beta: sb, movingMean: smm, movingVar: smv, saved }, s);
    const bwd = buildBatchNormBackward(h.ctx, { x: sx, dy: sdy, gamma: sg, saved, dgamma: sdg, dbeta: sdb, dx: sdx }, s);
    h.run({ count, training: true }, fwd, bwd);
    await expectClose(h, 'y', sy, pad(Y));
    await expectClose(h, 'moving mean', smm, wantMm);
    await expectClose(h, 'moving var', smv, wantMv);
    await expectClose(h, 'dgamma', sdg, dG, 2e-4);
    await expectClose(h, 'dbeta', sdb, dB);
    await expectClose(h, 'dx', sdx, pad(dX), 2e-4);
    // Inference: the (updated) moving statistics, which stay as they are.
    h.run({ count, training: false }, fwd);
    const inf = tf.batchNorm(X, wantMm, wantMv, B, G, 1e-3);
    await expectClose(h, 'inference y', sy, pad(inf));
    await expectClose(h, 'moving mean after inference', smm, wantMm);
  });

  it('global average pooling forward and backward', async () => {
    const [batch, hh, ww, C] = [3, 5, 4, 6];
    const x = randoms(batch * hh * ww * C, 7);
    const g = randoms(batch * C, 8);
    const X = tf.tensor4d(x, [batch, hh, ww, C]);
    const f = (t: tf.Tensor): tf.Tensor => tf.mean(t, [1, 2]);
    const dX = tf.grad(f)(X, tf.tensor2d(g, [batch, C]));
    const s = { batch, spatial: hh * ww, channels: C };
    const [sx, sy, sdy, sdx] = [h.upload(x), h.upload(batch * C), h.upload(g), h.upload(x.length)];
    h.run({}, buildGlobalAvgPoolForward(h.ctx, { x: sx, y: sy }, s), buildGlobalAvgPoolBackward(h.ctx, { dy: sdy, dx: sdx }, s));
    await expectClose(h, 'y', sy, f(X));
    await expectClose(h, 'dx', sdx, dX);
  });
});
