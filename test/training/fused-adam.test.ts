// FusedAdam (one SIMD pass per variable on wasm) against tf.train.adam: bit-identical on wasm, close to
// the cpu backend, and resumable through the checkpoint's getOptimizerState/setOptimizerState.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { adamStepJs } from '../../src/engine/wasm-kernels/adam-update.ts';
import { FusedAdam } from '../../src/training/fused-adam.ts';
import { getOptimizerState, setOptimizerState } from '../../src/training/optimizers.ts';
import { seededValues } from '../engine/compare.ts';

// Sizes with and without a remainder after the 4-wide SIMD loop.
const SHAPES = [[37, 16], [16], [16, 3], [3], [5, 7]];

let made = 0;

/** Fresh variables with the same seeded values each time (unique names: the engine registers them). */
function makeVars(): tf.Variable[] {
  made++;
  return SHAPES.map((shape, i) => tf.variable(tf.tensor(seededValues(shape.reduce((a, b) => a * b, 1), 10 + i), shape), true, `fa${made}_${i}`));
}

/** A loss whose gradients differ per element and per step (so every moment entry is exercised). */
function loss(vars: tf.Variable[], step: number): tf.Scalar {
  return tf.tidy(() => {
    const terms = vars.map((v, i) => {
      const target = tf.tensor(seededValues(v.size, 100 * step + i), v.shape);
      return tf.sum(tf.mul(tf.square(tf.sub(v, target)), tf.add(tf.abs(target), 0.1)));
    });
    return tf.addN(terms) as tf.Scalar;
  });
}

function run(opt: tf.Optimizer, vars: tf.Variable[], steps: number[]): void {
  for (const step of steps) tf.dispose(opt.minimize(() => loss(vars, step), false, vars) ?? []);
}

async function train(backend: 'wasm' | 'cpu', make: () => tf.Optimizer, steps = 6): Promise<Float32Array[]> {
  await initBackend(backend);
  const vars = makeVars();
  const opt = make();
  run(opt, vars, Array.from({ length: steps }, (_, s) => s));
  const out = vars.map((v) => v.dataSync() as Float32Array);
  tf.dispose(vars);
  opt.dispose();
  return out;
}

const adamArgs = [3e-3, 0.9, 0.999, 1e-7] as const;

describe('FusedAdam', () => {
  it('is bit-identical to tf.train.adam on wasm', async () => {
    const ref = await train('wasm', () => tf.train.adam(...adamArgs));
    const got = await train('wasm', () => new FusedAdam(...adamArgs));
    got.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(ref[i])));
  });

  it('matches tf.train.adam on the cpu backend', async () => {
    const ref = await train('cpu', () => tf.train.adam(...adamArgs));
    const got = await train('wasm', () => new FusedAdam(...adamArgs));
    got.forEach((g, i) => g.forEach((x, j) => expect(Math.abs(x - ref[i][j])).toBeLessThan(1e-5)));
  });

  it('resumes from getOptimizerState/setOptimizerState exactly', async () => {
    await initBackend('wasm');
    const whole = makeVars();
    const a = new FusedAdam(...adamArgs);
    run(a, whole, [0, 1, 2, 3, 4]);

    const first = makeVars();
    const b = new FusedAdam(...adamArgs);
    run(b, first, [0, 1, 2]);
    const state = (await getOptimizerState(b)).map((s) => ({ name: s.name, tensor: tf.clone(s.tensor) }));
    const weights = first.map((v) => tf.clone(v));
    b.dispose();
    tf.dispose(first);

    const resumed = weights.map((w, i) => tf.variable(w, true, `fr${i}`));
    const c = new FusedAdam(...adamArgs);
    // Variables get new names on resume; the moments are bound by position, as in a rebuilt model.
    await setOptimizerState(c, state);
    run(c, resumed, [3, 4]);
    resumed.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(whole[i].dataSync())));
    tf.dispose([...whole, ...resumed, ...weights, ...state.map((s) => s.tensor)]);
    a.dispose();
    c.dispose();
  });

  it('adamStepJs follows the float32 formula', () => {
    const f = Math.fround;
    const k = { b1: f(0.9), b2: f(0.999), c1: f(0.1), c2: f(0.001), ob1: f(0.19), ob2: f(0.002), eps: f(1e-7), nlr: f(-1e-3) };
    const one = (x: number): Float32Array => Float32Array.of(x);
    const out = { mOut: one(0), vOut: one(0), wOut: one(0) };
    adamStepJs(k, { g: one(0.5), m: one(0.25), v: one(0.125), w: one(2), ...out });
    const m = 0.9 * 0.25 + 0.1 * 0.5;
    const v = 0.999 * 0.125 + 0.001 * 0.25;
    expect(out.mOut[0]).toBeCloseTo(m, 6);
    expect(out.vOut[0]).toBeCloseTo(v, 6);
    expect(out.wOut[0]).toBeCloseTo(2 - 1e-3 * (m / 0.19) / (Math.sqrt(v / 0.002) + 1e-7), 6);
  });
});
