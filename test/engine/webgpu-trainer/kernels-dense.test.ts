// The GEMM, Dense, ReLU, dropout, softmax cross-entropy and optimizer kernels against TF.js's cpu backend
// and the project's own optimizers, at odd shapes (not multiples of the 64 x 64 x 16 tiles) and a partial
// batch (count < the compiled rows).
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDenseBackward, buildDenseForward, buildGemm } from '../../../src/engine/webgpu-trainer/kernels/gemm.ts';
import { buildDropoutBackward, buildDropoutForward, buildReluBackward, buildReluForward } from '../../../src/engine/webgpu-trainer/kernels/elementwise.ts';
import { buildSoftmaxCrossEntropy } from '../../../src/engine/webgpu-trainer/kernels/softmax-xent.ts';
import { buildOptimizer, type OptimizerUpdateShape } from '../../../src/engine/webgpu-trainer/kernels/optimizer.ts';
import { makeOptimizer, OPTIMIZER_PARAMS } from '../../../src/training/optimizers.ts';
import { Harness, kernelDevice, randoms, worst } from './kernels-harness.ts';

const device = await kernelDevice();
if (typeof device === 'string') console.warn(`skipped: the webgpu-trainer kernel tests need a WebGPU adapter (${device})`);

describe.skipIf(typeof device === 'string')('webgpu-trainer kernels: dense block', { timeout: 300_000 }, () => {
  const h = new Harness(device as GPUDevice);
  afterAll(() => h.destroy());

  it.each([
    [false, false, false],
    [true, false, true],
    [false, true, false],
    [true, true, true],
  ])('GEMM transA=%s transB=%s accumulate=%s, 70x67x37, with split-K too', async (transA, transB, accumulate) => {
    const [M, N, K] = [70, 67, 37];
    const a = randoms(M * K, 1);
    const b = randoms(K * N, 2);
    const c0 = randoms(M * N, 3);
    const bias = randoms(N, 4);
    const A = tf.tensor2d(a, transA ? [K, M] : [M, K]);
    const B = tf.tensor2d(b, transB ? [N, K] : [K, N]);
    let want = tf.matMul(A, B, transA, transB).add(bias);
    if (accumulate) want = want.add(tf.tensor2d(c0, [M, N]));
    want = tf.relu(want);
    const wantData = await want.data();
    for (const splits of [1, 3]) {
      const [sa, sb, sc, sbias] = [h.upload(a), h.upload(b), h.upload(c0), h.upload(bias)];
      const d = buildGemm(h.ctx, { a: sa, b: sb, c: sc, bias: sbias }, { M, N, K, transA, transB, accumulate, bias: true, relu: true, splits });
      expect(d.length).toBe(splits === 1 ? 1 : 2);
      h.run({}, d);
      const r = worst(await h.read(sc), wantData);
      expect(r.ratio, `splits ${splits} at ${r.at}`).toBeLessThanOrEqual(1);
    }
  });

  it.each([true, false])('Dense forward and backward (relu=%s) match tf.grad, 9 rows (count 7) x 33 -> 70', async (relu) => {
    const [rows, count, I, U] = [9, 7, 33, 70];
    const x = randoms(rows * I, 5);
    const w = randoms(I * U, 6, -0.3, 0.3);
    const bias = randoms(U, 7, -0.2, 0.2);
    const g = randoms(rows * U, 8);
    for (let i = count * U; i < rows * U; i++) g[i] = 0; // the loss kernel zeroes rows past count
    const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor): tf.Tensor => {
      const z = tf.matMul(xx as tf.Tensor2D, ww as tf.Tensor2D).add(bb);
      return relu ? tf.relu(z) : z;
    };
    const X = tf.tensor2d(x, [rows, I]);
    const Wt = tf.tensor2d(w, [I, U]);
    const Bt = tf.tensor1d(bias);
    const Y = f(X, Wt, Bt);
    const [dX, dW, dB] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => f(a, b, c))([X, Wt, Bt], tf.tensor2d(g, [rows, U]));
    const s = { rows, inputs: I, units: U, relu };
    const [sx, sw, sb, sy, sdy, sdw, sdb, sdx] = [h.upload(x), h.upload(w), h.upload(bias), h.upload(rows * U), h.upload(g), h.upload(I * U), h.upload(U), h.upload(rows * I)];
    const fwd = buildDenseForward(h.ctx, { x: sx, w: sw, bias: sb, y: sy }, s);
    const bwd = buildDenseBackward(h.ctx, { x: sx, w: sw, y: sy, dy: sdy, dw: sdw, db: sdb, dx: sdx }, s);
    expect(fwd.length).toBe(1);
    expect(bwd.length).toBe(2);
    h.run({ count }, fwd, bwd);
    for (const [name, slice, want] of [['y', sy, Y], ['dw', sdw, dW], ['db', sdb, dB], ['dx', sdx, dX]] as const) {
      const r = worst(await h.read(slice), await want.data());
      expect(r.ratio, `${name} at ${r.at}`).toBeLessThanOrEqual(1);
    }
  });

  it('Dense backward of a first layer (no dx, no bias): dW alone, 1 dispatch; same shapes share one pipeline', async () => {
    const [rows, I, U] = [5, 19, 3];
    const x = randoms(rows * I, 14);
    const g = randoms(rows * U, 15);
    const want = await tf.matMul(tf.tensor2d(x, [rows, I]), tf.tensor2d(g, [rows, U]), true, false).data();
    const s = { rows, inputs: I, units: U, relu: false };
    const [sx, sw, sy, sdy, sdw] = [h.upload(x), h.upload(I * U), h.upload(rows * U), h.upload(g), h.upload(I * U)];
    const d = buildDenseBackward(h.ctx, { x: sx, w: sw, y: sy, dy: sdy, dw: sdw, db: null, dx: null }, s);
    const again = buildDenseBackward(h.ctx, { x: sx, w: sw, y: sy, dy: sdy, dw: sdw, db: null, dx: null }, s);
    expect(d.length).toBe(1);
    expect(again[0].pipeline).toBe(d[0].pipeline);
    expect(again[0].bindGroup).not.toBe(d[0].bindGroup);
    h.run({ count: rows }, d);
    const r = worst(await h.read(sdw), want);
    expect(r.ratio, `dw at ${r.at}`).toBeLessThanOrEqual(1);
  });

  it('ReLU forward and backward', async () => {
    const n = 1000;
    const x = randoms(n, 9);
    const dy = randoms(n, 10);
    const [sx, sy, sdy, sdx] = [h.upload(x), h.upload(n), h.upload(dy), h.upload(n)];
    h.run({}, buildReluForward(h.ctx, { x: sx, y: sy }, { size: n }), buildReluBackward(h.ctx, { y: sy, dy: sdy, dx: sdx }, { size: n }));
    const y = await h.read(sy);
    const dx = await h.read(sdx);
    for (let i = 0; i < n; i++) {
      expect(y[i]).toBe(Math.max(x[i], 0));
      expect(dx[i]).toBe(x[i] > 0 ? dy[i] : 0);
    }
  });

  it('softmax cross-entropy with label smoothing: dLogits = tf.grad of the mean loss, loss and correct sums over count rows', async () => {
    const [rows, count, C, eps] = [13, 11, 10, 0.1];
    const logits = randoms(rows * C, 11, -3, 3);
    const labels = Array.from({ length: rows }, (_, r) => (r * 7) % C);
    const y = new Float32Array(rows * C);
    labels.forEach((l, r) => (y[r * C + l] = 1));
    const L = tf.tensor2d(logits, [rows, C]).slice([0, 0], [count, C]);
    const Yt = tf.tensor2d(y, [rows, C]).slice([0, 0], [count, C]).mul(1 - eps).add(eps / C);
    const perRow = (l: tf.Tensor): tf.Tensor => tf.neg(tf.sum(tf.mul(Yt, tf.logSoftmax(l)), 1));
    const lossSum = (await perRow(L).sum().data())[0];
    const dL = await tf.grad((l: tf.Tensor) => perRow(l).mean())(L).data();
    const argmax = await L.argMax(1).data();
    const correct = labels.slice(0, count).filter((l, r) => argmax[r] === l).length;
    const [sl, sy, sd] = [h.upload(logits), h.upload(y), h.upload(randoms(rows * C, 12))];
    const accum = h.upload(new Float32Array([1.5, 2]));
    const d = buildSoftmaxCrossEntropy(h.ctx, { logits: sl, y: sy, dLogits: sd, accum }, { rows, classes: C, smoothing: eps });
    h.run({ count }, d, d); // twice: the accumulator adds
    const got = await h.read(sd);
    const r = worst(got, dL);
    expect(r.ratio, `dLogits at ${r.at}`).toBeLessThanOrEqual(1);
    for (let i = count * C; i < rows * C; i++) expect(got[i]).toBe(0);
    const acc = await h.read(accum);
    expect(Math.abs(acc[0] - (1.5 + 2 * lossSum)) / (2 * lossSum)).toBeLessThan(1e-5);
    expect(acc[1]).toBe(2 + 2 * correct);
    expect(correct).toBeGreaterThan(0);
  });

  it('dropout: the rate dropped, scale 1/(1 - rate), same seed same mask, backward with the same mask, identity in inference', async () => {
    const [n, rate] = [20000, 0.3];
    const x = randoms(n, 13, 0.5, 1.5); // nonzero, so a zero output is a dropped element
    const s = { size: n, rate, stream: 0x44520003 };
    const [sx, sy, sdx] = [h.upload(x), h.upload(n), h.upload(n)];
    const fwd = buildDropoutForward(h.ctx, { x: sx, y: sy }, s);
    const bwd = buildDropoutBackward(h.ctx, { dy: sx, dx: sdx }, s);
    h.run({ seed: 77 }, fwd, bwd);
    const y = await h.read(sy);
    const dx = await h.read(sdx);
    let dropped = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] === 0) dropped++;
      else expect(Math.abs(y[i] - x[i] / (1 - rate))).toBeLessThan(1e-6 * Math.abs(y[i]) + 1e-7);
      expect(dx[i]).toBe(y[i]); // dy = x here, so the backward's output is the forward's
    }
    expect(Math.abs(dropped / n - rate)).toBeLessThan(0.015);
    h.run({ seed: 77 }, fwd);
    expect(Array.from(await h.read(sy))).toEqual(Array.from(y));
    h.run({ seed: 78 }, fwd);
    const other = await h.read(sy);
    expect(other.some((v, i) => (v === 0) !== (y[i] === 0))).toBe(true);
    h.run({ seed: 77, training: false }, fwd);
    expect(Array.from((await h.read(sy)).subarray(0, n))).toEqual(Array.from(x));
  });

  const optimizers: OptimizerUpdateShape['kind'][] = ['adam', 'adamw', 'adadelta', 'sgd'];
  it.each(optimizers)('%s: three fused steps match the project optimizer', async (kind) => {
    const sizes = [37, 5];
    const lr = 0.01;
    const weightDecay = kind === 'adamw' ? 0.05 : 0;
    const init = sizes.map((n, k) => randoms(n, 20 + k));
    const grads = [0, 1, 2].map((t) => sizes.map((n, k) => randoms(n, 30 + 10 * t + k)));
    // The project's optimizer on TF.js cpu.
    const vars = init.map((v, k) => tf.variable(tf.tensor1d(v), true, `opt_${kind}_${k}`));
    const opt = makeOptimizer(kind, lr, weightDecay);
    for (const g of grads) opt.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, tf.tensor1d(g[k])])));
    // Packed as the compiler packs them: each weight at a 64-float (256-byte) boundary, zero padding.
    const at = [0, 64];
    const length = 128;
    const pack = (arrays: Float32Array[]): Float32Array => {
      const out = new Float32Array(length);
      arrays.forEach((a, k) => out.set(a, at[k]));
      return out;
    };
    const num = (name: string): number => {
      const table: Record<string, Record<string, number>> = OPTIMIZER_PARAMS;
      return table[kind][name] ?? 0;
    };
    const shape: OptimizerUpdateShape = { kind, length, weightDecay, beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon'), rho: num('rho') };
    const params = h.upload(pack(init));
    const gbuf = h.upload(length);
    const slots = [h.upload(new Float32Array(length)), h.upload(new Float32Array(length))];
    const d = buildOptimizer(h.ctx, { params, grads: gbuf, slots }, shape);
    expect(d.length).toBe(1);
    for (let t = 1; t <= 3; t++) {
      h.write(gbuf, pack(grads[t - 1]));
      h.run({ lr, step: t, beta1Power: Math.pow(shape.beta1, t), beta2Power: Math.pow(shape.beta2, t) }, d);
    }
    const got = await h.read(params);
    for (let k = 0; k < sizes.length; k++) {
      const r = worst(got.subarray(at[k], at[k] + sizes[k]), await vars[k].data(), 1e-4, 1e-6);
      expect(r.ratio, `weight ${k} at ${r.at}`).toBeLessThanOrEqual(1);
    }
    vars.forEach((v) => v.dispose());
  });
});
