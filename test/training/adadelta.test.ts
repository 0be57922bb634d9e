import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { KerasAdadelta } from '../../src/training/adadelta.ts';

/** Keras's Adadelta update, in doubles, for f(w) = sum(w^2) / 2 (gradient = w). */
function kerasReference(w0: number[], steps: number, lr: number, rho = 0.95, eps = 1e-7): number[] {
  const w = [...w0];
  const accG = w.map(() => 0);
  const accU = w.map(() => 0);
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < w.length; i++) {
      const g = w[i];
      accG[i] = rho * accG[i] + (1 - rho) * g * g;
      const u = (Math.sqrt(accU[i] + eps) / Math.sqrt(accG[i] + eps)) * g;
      accU[i] = rho * accU[i] + (1 - rho) * u * u;
      w[i] -= lr * u;
    }
  }
  return w;
}

function step(opt: tf.Optimizer, w: tf.Variable): void {
  opt.minimize(() => w.square().sum().div(2) as tf.Scalar, false, [w]);
}

describe('KerasAdadelta', () => {
  it("follows Keras's update (the first step is ~sqrt(eps / (1 - rho)), not the raw gradient)", async () => {
    await tf.setBackend('cpu');
    const w0 = [3, -0.5, 0.01];
    const w = tf.variable(tf.tensor1d(w0));
    const opt = new KerasAdadelta(1.0);
    step(opt, w);
    const first = Array.from(w.dataSync());
    expect(Math.abs(first[0] - w0[0])).toBeLessThan(0.002); // tfjs's own Adadelta would move w[0] by 3
    for (let s = 1; s < 20; s++) step(opt, w);
    const ref = kerasReference(w0, 20, 1.0);
    Array.from(w.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    opt.dispose();
    w.dispose();
  });

  it('continues identically after getWeights / setWeights into a fresh optimizer', async () => {
    await tf.setBackend('cpu');
    const a = tf.variable(tf.tensor1d([1, 2, -3]), true, 'adadelta_a');
    const optA = new KerasAdadelta(0.5);
    for (let s = 0; s < 5; s++) step(optA, a);
    const b = tf.variable(a.clone(), true, 'adadelta_b');
    const optB = new KerasAdadelta(0.5);
    await optB.setWeights(await optA.getWeights());
    for (let s = 0; s < 5; s++) {
      step(optA, a);
      step(optB, b);
    }
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    expect(optB.getConfig()).toEqual({ learningRate: 0.5, rho: 0.95, epsilon: 1e-7 });
  });
});
