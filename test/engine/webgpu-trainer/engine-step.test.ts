// Our WebGPU training engine on this machine's adapter (CI: llvmpipe through Dawn's OpenGL backend)
// against TF.js's cpu backend: the same weights, the same batch, dropout at rate 0 (the two draw masks
// differently), three Adam steps with label smoothing: losses, updated weights and optimizer slots agree;
// a seeded training (dropout on) is bit-reproducible; the counters show one submit and no allocation a step.
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { activeWebGpuDevice } from '../../../src/engine/backends/webgpu/device.ts';
import { closeBackend, initBackend } from '../../../src/engine/backend.ts';
import { UserError } from '../../../src/errors.ts';
import { defaultKernelLibrary } from '../../../src/engine/webgpu-trainer/library.ts';
import { WebGpuTrainer, type EngineOptimizerConfig } from '../../../src/engine/webgpu-trainer/trainer.ts';
import { trainingLoss } from '../../../src/training/loss.ts';
import { getOptimizerState, makeOptimizer, OPTIMIZER_PARAMS } from '../../../src/training/optimizers.ts';
import { Rng, withSeededMathRandomSync } from '../../../src/training/rng.ts';
import { makeBatch } from '../../../src/training/batches.ts';

async function deviceOrWhy(): Promise<GPUDevice | string> {
  try {
    await initBackend('webgpu', { allowSoftwareGpu: true });
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
  return activeWebGpuDevice() ?? 'webgpu started but its device is not reachable';
}

const device = await deviceOrWhy();
if (typeof device === 'string') console.warn(`skipped: the webgpu-trainer engine tests need a WebGPU adapter (${device})`);

const H = 8;
const W = 8;
const CLASSES = 4;
const BATCH = 8;
const SMOOTHING = 0.1;

function trainSet(count: number): { images: Uint8Array; labels: Int32Array; count: number; height: number; width: number } {
  const rng = new Rng(11);
  return {
    images: Uint8Array.from({ length: count * H * W }, () => rng.nextUint32() & 255),
    labels: Int32Array.from({ length: count }, (_, i) => i % CLASSES),
    count,
    height: H,
    width: W,
  };
}

/** The zoo's fcnn shape, small: flatten → (dense relu → dropout) x2 → dense softmax. */
function fcnn(rate: number): tf.Sequential {
  return withSeededMathRandomSync(new Rng(1), () =>
    tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [H, W, 1] }),
        tf.layers.dense({ units: 16, activation: 'relu' }),
        tf.layers.dropout({ rate }),
        tf.layers.dense({ units: 12, activation: 'relu' }),
        tf.layers.dropout({ rate }),
        tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ],
    }),
  );
}

/** The zoo's cnn shape, small: conv relu → conv relu → maxpool → dropout → flatten → dense relu → dropout → dense softmax. */
function cnn(rate: number): tf.Sequential {
  return withSeededMathRandomSync(new Rng(1), () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [H, W, 1] }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.dropout({ rate }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 16, activation: 'relu' }),
        tf.layers.dropout({ rate }),
        tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ],
    }),
  );
}

/** The zoo's cnn-modern shape, small: (conv 'same' no bias → batch norm → relu) x2, maxpool, global average pooling, dense softmax. */
function modern(rate: number): tf.Sequential {
  return withSeededMathRandomSync(new Rng(1), () =>
    tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false, inputShape: [H, W, 1] }),
        tf.layers.batchNormalization({ momentum: 0.9 }),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.dropout({ rate }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false }),
        tf.layers.batchNormalization({ momentum: 0.9 }),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: CLASSES, activation: 'softmax' }),
      ],
    }),
  );
}

const ADAM: EngineOptimizerConfig = { kind: 'adam', learningRate: 0.01, ...OPTIMIZER_PARAMS.adam };

function relativeError(got: Float32Array, ref: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    worst = Math.max(worst, Math.abs(got[i] - ref[i]));
  }
  return worst / Math.max(scale, 1e-12);
}

describe.skipIf(typeof device === 'string')('webgpu-trainer engine', { timeout: 300_000 }, () => {
  const dev = device as GPUDevice;
  afterAll(() => closeBackend());

  for (const [name, build] of [['fcnn', fcnn], ['cnn', cnn], ['cnn-modern', modern]] as const) it(`${name}: three Adam steps with label smoothing agree with TF.js on the cpu backend`, async () => {
    await initBackend('cpu');
    const set = trainSet(BATCH);
    const order = Int32Array.from({ length: BATCH }, (_, i) => i);
    const model = build(0);
    const trainer = await WebGpuTrainer.compile(dev, model, ADAM, { labelSmoothing: SMOOTHING }, BATCH, defaultKernelLibrary());
    try {
      trainer.uploadDataset(set, 3 * BATCH, null);
      const r = await trainer.trainEpoch(Int32Array.from([...order, ...order, ...order]), { seedOf: () => 7, progressEvery: 100 });
      const gpuWeights = await trainer.getWeights();
      const gpuSlots = await trainer.getOptimizerState();

      const optimizer = makeOptimizer('adam', ADAM.learningRate);
      model.compile({ optimizer, loss: trainingLoss(SMOOTHING), metrics: ['accuracy'] });
      const { x, y } = makeBatch(set, order, CLASSES);
      let lossSum = 0;
      let accSum = 0;
      for (let i = 0; i < 3; i++) {
        const [l, a] = (await model.trainOnBatch(x, y)) as number[];
        lossSum += l * BATCH;
        accSum += a * BATCH;
      }
      expect(r.kind).toBe('done');
      if (r.kind !== 'done') return;
      expect(Math.abs(r.lossSum - lossSum) / lossSum).toBeLessThan(1e-4);
      expect(r.accSum).toBe(accSum);
      const cpuWeights = model.getWeights().map((t) => t.dataSync() as Float32Array);
      gpuWeights.forEach((w, i) => expect(relativeError(w, cpuWeights[i]), `weight ${i}`).toBeLessThan(1e-4));
      const cpuSlots = await getOptimizerState(optimizer);
      for (const s of cpuSlots) {
        const g = gpuSlots.find((n) => n.name === s.name);
        expect(g, s.name).toBeDefined();
        if (s.name !== 'iter') expect(relativeError(g!.values, s.tensor.dataSync() as Float32Array), s.name).toBeLessThan(1e-3);
        else expect(g!.values[0]).toBe(s.tensor.dataSync()[0]);
      }
      tf.dispose([x, y]);
      optimizer.dispose();
    } finally {
      trainer.destroy();
      model.dispose();
    }
  });

  it('fcnn with dropout: a seeded epoch is bit-reproducible, one submit and no allocation per step', async () => {
    await initBackend('cpu');
    const set = trainSet(40);
    const order = new Rng(3).permutation(40);
    const run = async () => {
      const model = fcnn(0.5);
      const trainer = await WebGpuTrainer.compile(dev, model, ADAM, { labelSmoothing: 0 }, BATCH, defaultKernelLibrary());
      try {
        trainer.uploadDataset(set, 40, null);
        const before = await trainer.getWeights();
        const r = await trainer.trainEpoch(order, { seedOf: (b) => 1000 + b, progressEvery: 2 });
        return { r, before, weights: await trainer.getWeights(), counters: trainer.lastStepCounters() };
      } finally {
        trainer.destroy();
        model.dispose();
      }
    };
    const a = await run();
    const b = await run();
    expect(a.r).toEqual({ ...b.r, seconds: (a.r as { seconds: number }).seconds });
    a.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(b.weights[i])));
    a.weights.forEach((w, i) => expect(relativeError(w, a.before[i]), `weight ${i} moved`).toBeGreaterThan(1e-4));
    expect(a.r.kind === 'done' && a.r.lossSum > 0).toBe(true);
    expect(a.counters).toMatchObject({ buffers: 0, bindGroups: 0, pipelines: 0, submits: 1, writeBuffers: 1 });
    expect(a.counters!.dispatches).toBeLessThanOrEqual(40);
  });
});
