// The webgpu backend on whatever adapter this machine has (CI: Mesa's llvmpipe through Dawn's OpenGL
// backend, a software adapter, hence --allow-software-gpu and tiny inputs: ~2 img/s for the cnn there).
// Losses, gradients and Adam steps of the zoo's cnn and fcnn agree with the cpu backend; a run trains,
// checkpoints, resumes and predicts on it; `train` through the CLI records the adapter and exits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { closeBackend, initBackend } from '../../src/engine/backend.ts';
import { UserError } from '../../src/errors.ts';
import { buildModel } from '../../src/models/zoo.ts';
import { convImages } from '../../src/report/kernels.ts';
import type { RunConfig } from '../../src/run-folder/layout.ts';
import { makeOptimizer } from '../../src/training/optimizers.ts';
import { Rng, withSeededMathRandom, withSeededMathRandomSync } from '../../src/training/rng.ts';
import { trainRun } from '../../src/training/train-run.ts';
import { runCli } from '../helpers/cli.ts';
import { syntheticDataset, writeIdxDataset } from '../training/synthetic.ts';
import { seededValues } from './compare.ts';

/** Why webgpu cannot start here, or undefined when it can (then it stays started for the tests). */
async function webgpuUnavailable(): Promise<string | undefined> {
  try {
    await initBackend('webgpu', { allowSoftwareGpu: true });
    return undefined;
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
}

const unavailable = await webgpuUnavailable();
if (unavailable !== undefined) console.warn(`skipped: the webgpu tests need a WebGPU adapter (${unavailable})`);

const SIZE = 8;
const CLASSES = 4;
const BATCH = 8;
const input = { height: SIZE, width: SIZE, numClasses: CLASSES };

interface StepResults {
  loss: number;
  gradients: Float32Array[];
  /** trainOnBatch losses of two Adam steps (the fused Adam falls back to TF.js's ops off wasm). */
  stepLosses: number[];
  weightsAfter: Float32Array[];
}

/** Loss and gradients of a seeded zoo model on one seeded batch, then two Adam steps, on `backend`. */
async function stepOn(backend: 'webgpu' | 'cpu', experiment: string): Promise<StepResults> {
  await initBackend(backend, { allowSoftwareGpu: true });
  const model = withSeededMathRandomSync(new Rng(1), () => buildModel(experiment, input));
  const labels = Int32Array.from({ length: BATCH }, (_, i) => i % CLASSES);
  const x = tf.tensor4d(seededValues(BATCH * SIZE * SIZE, 7).map((v) => Math.abs(v)), [BATCH, SIZE, SIZE, 1]);
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES);
  try {
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    // Dropout included: its mask comes from Math.random, seeded alike on both backends.
    const { value, grads } = withSeededMathRandomSync(new Rng(2), () =>
      tf.variableGrads(() => tf.metrics.categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor).mean() as tf.Scalar, variables),
    );
    const loss = (await value.data())[0];
    const gradients = await Promise.all(variables.map(async (v) => new Float32Array(await grads[v.name].data())));
    tf.dispose([value, ...Object.values(grads)]);
    model.compile({ optimizer: makeOptimizer('adam', 1e-3), loss: 'categoricalCrossentropy' });
    const stepLosses = await withSeededMathRandom(new Rng(3), async () => [(await model.trainOnBatch(x, y)) as number, (await model.trainOnBatch(x, y)) as number]);
    const weightsAfter = await Promise.all(model.getWeights().map(async (w) => new Float32Array(await w.data())));
    model.optimizer.dispose();
    return { loss, gradients, stepLosses, weightsAfter };
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
}

/** Largest |got - ref| relative to the largest |ref| of the array (float32 sums in another order differ in the last bits). */
function relativeError(got: Float32Array, ref: Float32Array): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i]));
    worst = Math.max(worst, Math.abs(got[i] - ref[i]));
  }
  return worst / Math.max(scale, 1e-12);
}

// Software adapters are slow, and slower still on a loaded machine: generous timeouts.
describe.skipIf(unavailable !== undefined)('webgpu backend (software adapter allowed)', { timeout: 600_000 }, () => {
  afterAll(() => closeBackend());

  for (const experiment of ['fcnn', 'cnn']) {
    it(`${experiment}: loss, gradients and Adam steps agree with the cpu backend`, async () => {
      const gpu = await stepOn('webgpu', experiment);
      const cpu = await stepOn('cpu', experiment);
      expect(Math.abs(gpu.loss - cpu.loss) / cpu.loss).toBeLessThan(1e-5);
      expect(gpu.gradients.length).toBe(cpu.gradients.length);
      gpu.gradients.forEach((g, i) => expect(relativeError(g, cpu.gradients[i]), `gradient ${i}`).toBeLessThan(1e-4));
      gpu.stepLosses.forEach((l, i) => expect(l).toBeCloseTo(cpu.stepLosses[i], 4));
      gpu.weightsAfter.forEach((w, i) => expect(relativeError(w, cpu.weightsAfter[i]), `weight ${i}`).toBeLessThan(1e-4));
    });
  }

  it("draws the report's kernels and activations as on cpu (values read with await data())", async () => {
    const draw = async (backend: 'webgpu' | 'cpu'): Promise<Buffer[]> => {
      await initBackend(backend, { allowSoftwareGpu: true });
      const model = withSeededMathRandomSync(new Rng(4), () => buildModel('cnn', input));
      const images = await convImages(model, { data: seededValues(SIZE * SIZE, 9).map((v) => Math.abs(v)), height: SIZE, width: SIZE });
      model.dispose();
      return images.flatMap((c) => [c.kernelsPng, c.activationsPng ?? Buffer.alloc(0)]);
    };
    const gpu = await draw('webgpu');
    const cpu = await draw('cpu');
    expect(gpu.length).toBe(4);
    // PNGs of values normalised to 0..255: the same pixels unless a value sits on a rounding boundary.
    gpu.forEach((png, i) => expect(Math.abs(png.length - cpu[i].length)).toBeLessThan(16));
  });

  it('trains with augmentation, checkpoints, resumes and writes predictions', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kmnist-webgpu-'));
    try {
      const data = syntheticDataset({ train: 96, test: 24, size: SIZE, numClasses: CLASSES, seed: 2 });
      const run = (out: string, extra: { stopAfterEpoch?: number; resume?: boolean } = {}) =>
        trainRun({ experiment: 'fcnn-aug', data, epochs: 2, batchSize: 32, seed: 1, backend: 'webgpu', allowSoftwareGpu: true, out: join(root, out), progress: 'none' as const, ...extra });
      const whole = await run('whole');
      await expect(run('resumed', { stopAfterEpoch: 1 })).rejects.toThrow(/continue with --resume/);
      const resumed = await run('resumed', { resume: true });
      expect(resumed.epochsRun).toBe(2);
      expect(resumed.testLoss).toBeCloseTo(whole.testLoss, 5);
      expect(resumed.testAccuracy).toBe(whole.testAccuracy);
      const csv = readFileSync(join(root, 'resumed', 'kmnist', 'fcnn-aug', 'seed-1', 'predictions-test.csv'), 'utf8').trim().split('\n');
      expect(csv.length).toBe(1 + 24);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('`train`, `predict` and `evaluate` with --backend webgpu through the CLI: the adapter in config.json, and each exits', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kmnist-webgpu-cli-'));
    try {
      const dataDir = join(root, 'data');
      writeIdxDataset(dataDir, syntheticDataset({ train: 64, test: 16, size: SIZE, numClasses: CLASSES, seed: 3 }));
      const args = ['train', 'cnn', '--data-dir', dataDir, '--epochs', '1', '--batch-size', '32', '--out', join(root, 'runs'), '--progress', 'json'];
      const refused = await runCli([...args, '--backend', 'webgpu']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^kmnist-lab: --backend webgpu: .*(--allow-software-gpu|adapter)/m);
      const r = await runCli([...args, '--backend', 'webgpu', '--allow-software-gpu'], { timeoutMs: 600_000 });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/with webgpu on .+, seed 0/);
      const config = JSON.parse(readFileSync(join(root, 'runs', 'kmnist', 'cnn', 'seed-0', 'config.json'), 'utf8')) as RunConfig;
      expect(config.backend).toBe('webgpu');
      expect(config.gpuAdapter).toMatchObject({ software: true });
      expect(typeof config.gpuAdapter?.description).toBe('string');
      expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type).filter((t) => t !== 'batch')).toEqual(['epoch', 'done']);

      // predict and evaluate on the same adapter (each process exits: the CLI releases the device)
      const runDir = join(root, 'runs', 'kmnist', 'cnn', 'seed-0');
      const gpuFlags = ['--backend', 'webgpu', '--allow-software-gpu'];
      const predicted = await runCli(['predict', runDir, join(dataDir, 't10k-images-idx3-ubyte.gz'), '--json', ...gpuFlags], { timeoutMs: 600_000 });
      expect(predicted.code, predicted.stderr).toBe(0);
      expect(predicted.stdout).toMatch(/"input"/);
      const evaluated = await runCli(['evaluate', runDir, '--data-dir', dataDir, '--out', join(root, 'evaluation'), ...gpuFlags], { timeoutMs: 600_000 });
      expect(evaluated.code, evaluated.stderr).toBe(0);
      expect(evaluated.stdout).toMatch(/accuracy \d\.\d{4}, loss \d/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('`run --backend webgpu` runs the study on it, 2 runs per GPU by default', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kmnist-webgpu-run-'));
    try {
      const dataDir = join(root, 'data');
      writeIdxDataset(dataDir, syntheticDataset({ train: 64, test: 16, size: SIZE, numClasses: CLASSES, seed: 4 }));
      const out = join(root, 'runs');
      const r = await runCli(['run', '--data-dir', dataDir, '--experiments', 'fcnn', '--seeds', '1', '--epochs', '1', '--backend', 'webgpu', '--allow-software-gpu', '--out', out], {
        timeoutMs: 600_000,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/webgpu: 2 runs per GPU \(a default, not measured; --jobs overrides\)/);
      const config = JSON.parse(readFileSync(join(out, 'kmnist', 'fcnn', 'seed-1', 'config.json'), 'utf8')) as RunConfig;
      expect(config.backend).toBe('webgpu');
      expect(readFileSync(join(out, 'kmnist', 'summary.md'), 'utf8')).toMatch(/fcnn/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
