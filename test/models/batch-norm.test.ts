// The zoo's BatchNormalization: its wasm training pass and gradient against tfjs-layers' own layer on
// the cpu backend (forward, dx, dgamma, dbeta, moving averages), and that it saves as the plain layer.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { batchNormTrainingWasm, columnMoments, normalizeColumns, normalizeColumnsGrad } from '../../src/engine/wasm-kernels/batch-norm.ts';
import { batchNormalization } from '../../src/models/batch-norm.ts';
import { seededValues } from '../engine/compare.ts';

const SHAPE = [6, 5, 7, 12]; // NHWC, 12 channels
const C = SHAPE[3];

interface Run {
  y: number[];
  dx: number[];
  dgamma: number[];
  dbeta: number[];
  movingMean: number[];
  movingVariance: number[];
  inference: number[];
}

/** One training step's values of a BN layer (the zoo's or tfjs-layers') with seeded input, gamma and beta. */
async function trainingPass(backend: 'wasm' | 'cpu', make: () => tf.layers.Layer): Promise<Run> {
  await initBackend(backend);
  const layer = make();
  // mean ≈ 3, so a one-pass variance would lose digits
  const x = tf.add(tf.tensor(seededValues(SHAPE.reduce((a, b) => a * b, 1), 1), SHAPE), 3);
  layer.apply(x); // builds the weights
  layer.setWeights([tf.tensor1d(seededValues(C, 2)).add(1), tf.tensor1d(seededValues(C, 3)), tf.zeros([C]), tf.ones([C])]);
  const upstream = tf.tensor(seededValues(x.size, 4), SHAPE); // dL/dy
  let y: tf.Tensor | undefined;
  const { grads } = tf.tidy(() => {
    const vs = tf.variableGrads(() => {
      y = tf.keep(layer.call(x, { training: true }) as tf.Tensor);
      return tf.sum(tf.mul(y, upstream)) as tf.Scalar;
    });
    return { grads: vs.grads };
  });
  const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(layer.call(xi, { training: true }) as tf.Tensor, upstream)))(x);
  const [gName, bName] = layer.trainableWeights.map((w) => w.originalName);
  const out: Run = {
    y: Array.from(await y!.data()),
    dx: Array.from(await dx.data()),
    dgamma: Array.from(await grads[gName].data()),
    dbeta: Array.from(await grads[bName].data()),
    movingMean: [],
    movingVariance: [],
    inference: Array.from(await (layer.apply(x) as tf.Tensor).data()),
  };
  const [, , mm, mv] = layer.getWeights();
  out.movingMean = Array.from(await mm.data());
  out.movingVariance = Array.from(await mv.data());
  return out;
}

function expectClose(got: number[], want: number[], tol: number, what: string): void {
  expect(got.length, what).toBe(want.length);
  const scale = Math.max(...want.map(Math.abs), 1e-6);
  got.forEach((g, i) => expect(Math.abs(g - want[i]) / scale, `${what}[${i}]`).toBeLessThan(tol));
}

describe('zoo BatchNormalization', () => {
  it('on wasm: the training pass, its gradients and the moving averages match tfjs-layers on cpu', async () => {
    const ref = await trainingPass('cpu', () => tf.layers.batchNormalization({}));
    const got = await trainingPass('wasm', () => batchNormalization());
    for (const key of Object.keys(ref) as (keyof Run)[]) expectClose(got[key], ref[key], 1e-5, key);
    // (two calls in training mode: the moving statistics moved twice, by 1 % of the distance each)
    expect(Math.abs(got.movingMean[0])).toBeGreaterThan(0.05);
  });

  for (const [channels, simd] of [[12, true], [12, false], [6, true]] as const) {
    it(`the wasm pass with ${channels} channels (${simd && channels % 4 === 0 ? 'batch-norm.wat' : 'JS loops'}) matches tf.moments / tf.batchNorm on cpu`, async () => {
      const shape = [4, 9, 5, channels];
      const size = shape.reduce((a, b) => a * b, 1);
      const compute = (fast: boolean): tf.Tensor[] => {
        const x = tf.add(tf.tensor(seededValues(size, 5), shape), 2);
        const gamma = tf.tensor1d(seededValues(channels, 6));
        const beta = tf.tensor1d(seededValues(channels, 7));
        const upstream = tf.tensor(seededValues(size, 8), shape);
        const f = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
          if (fast) return batchNormTrainingWasm(xi, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3, { simd })!.y;
          const { mean, variance } = tf.moments(xi, [0, 1, 2]);
          return tf.batchNorm(xi, mean, variance, b, g, 1e-3);
        };
        const y = f(x, gamma, beta);
        const grads = tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(xi, g, b), upstream)))([x, gamma, beta]);
        return [y, ...grads];
      };
      await initBackend('cpu');
      const ref = await Promise.all(tf.tidy(() => compute(false)).map(async (t) => Array.from(await t.data())));
      await initBackend('wasm');
      const got = await Promise.all(tf.tidy(() => compute(true)).map(async (t) => Array.from(await t.data())));
      ['y', 'dx', 'dgamma', 'dbeta'].forEach((what, i) => expectClose(got[i], ref[i], 1e-5, what));
    });
  }

  it('on cpu: the parent layer runs (identical values)', async () => {
    const ref = await trainingPass('cpu', () => tf.layers.batchNormalization({}));
    const got = await trainingPass('cpu', () => batchNormalization());
    expect(got).toEqual(ref);
  });

  it('saves as a plain BatchNormalization layer', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] }), batchNormalization()] });
    const layers = (model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } }).config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['Dense', 'BatchNormalization']);
  });

  it('the column kernels follow the formulas in doubles (a 3 x 2 case by hand)', () => {
    const x = Float32Array.of(1, 10, 2, 20, 6, 60);
    const s = columnMoments(x, 3, 2, 0);
    expect(Array.from(s.mean)).toEqual([3, 30]);
    expect(s.variance[0]).toBeCloseTo(14 / 3, 5);
    expect(s.variance[1]).toBeCloseTo(1400 / 3, 3);
    const y = new Float32Array(6);
    normalizeColumns(x, 3, 2, s, Float32Array.of(2, 1), Float32Array.of(0.5, 0), y);
    expect(y[0]).toBeCloseTo(2 * (1 - 3) / Math.sqrt(14 / 3) + 0.5, 5);
    // dy = 1 everywhere: dβ = m, dγ = Σx̂ = 0, dx = 0 (a constant shift of y does not depend on x)
    const dx = new Float32Array(6);
    const g = normalizeColumnsGrad(new Float32Array(6).fill(1), x, 3, 2, s, Float32Array.of(2, 1), dx);
    expect(Array.from(g.dbeta)).toEqual([3, 3]);
    g.dgamma.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-6));
    dx.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-6));
  });
});
