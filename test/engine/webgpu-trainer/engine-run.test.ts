// Runs trained by our WebGPU engine through the project's own paths, on this machine's adapter (CI:
// llvmpipe): the engine is chosen for the fcnn on webgpu; a run checkpointed after epoch 1 and resumed
// ends exactly as the uninterrupted one (augmentation and dropout drawn in shaders, Adam state restored);
// a 2-epoch kmnist-10k fcnn via the real CLI scores within 1 point of wasm's test accuracy (the cnn waits
// for the convolution kernels).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeBackend, initBackend } from '../../../src/engine/backend.ts';
import { UserError } from '../../../src/errors.ts';
import { buildModel } from '../../../src/models/zoo.ts';
import type { RunMetrics } from '../../../src/run-folder/layout.ts';
import { chooseGpuStepEngine } from '../../../src/training/gpu-step-engine.ts';
import { Rng, withSeededMathRandomSync } from '../../../src/training/rng.ts';
import { trainRun } from '../../../src/training/train-run.ts';
import { runCli } from '../../helpers/cli.ts';
import { syntheticDataset } from '../../training/synthetic.ts';

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
if (unavailable !== undefined) console.warn(`skipped: the webgpu-trainer run tests need a WebGPU adapter (${unavailable})`);

const SIZE = 8;
const CLASSES = 4;
const KMNIST_10K = join(import.meta.dirname, '../../../../shared/data/kmnist-10k');

describe.skipIf(unavailable !== undefined)('webgpu-trainer runs', { timeout: 900_000 }, () => {
  afterAll(() => closeBackend());

  it('is chosen for the fcnn on webgpu, and not for rmsprop (TF.js keeps that)', async () => {
    await initBackend('webgpu', { allowSoftwareGpu: true });
    const model = withSeededMathRandomSync(new Rng(1), () => buildModel('fcnn', { height: SIZE, width: SIZE, numClasses: CLASSES }));
    const train = syntheticDataset({ train: 16, test: 4, size: SIZE, numClasses: CLASSES, seed: 1 }).train;
    const request = { model, learningRate: 1e-3, weightDecay: null, labelSmoothing: 0, batchSize: 8, train, augment: null, augmentFactor: 1, rng: new Rng(2) };
    const ours = await chooseGpuStepEngine({ ...request, optimizer: 'adam' });
    expect(ours.engine?.name).toBe('webgpu-trainer');
    ours.engine?.dispose();
    const theirs = await chooseGpuStepEngine({ ...request, optimizer: 'rmsprop' });
    expect(theirs.engine).toBeUndefined();
    expect(theirs.note).toMatch(/TF.js's webgpu backend .*rmsprop/);
    model.dispose();
  });

  it('fcnn-aug: checkpoint after epoch 1 and resume end exactly as the uninterrupted run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kmnist-gpu-engine-'));
    try {
      const data = syntheticDataset({ train: 96, test: 24, size: SIZE, numClasses: CLASSES, seed: 2 });
      const run = (out: string, extra: { stopAfterEpoch?: number; resume?: boolean } = {}): Promise<RunMetrics> =>
        trainRun({ experiment: 'fcnn-aug', data, epochs: 3, batchSize: 32, seed: 1, backend: 'webgpu', allowSoftwareGpu: true, out: join(root, out), progress: 'none' as const, ...extra });
      const whole = await run('whole');
      await expect(run('resumed', { stopAfterEpoch: 1 })).rejects.toThrow(/continue with --resume/);
      const resumed = await run('resumed', { resume: true });
      expect(resumed.epochsRun).toBe(3);
      expect(resumed.testLoss).toBe(whole.testLoss);
      expect(resumed.testAccuracy).toBe(whole.testAccuracy);
      const log = (out: string): string[] => readFileSync(join(root, out, 'kmnist', 'fcnn-aug', 'seed-1', 'log.csv'), 'utf8').trim().split('\n').map((l) => l.replace(/,[^,]*$/, ''));
      expect(readFileSync(join(root, 'whole', 'kmnist', 'fcnn-aug', 'seed-1', 'log.csv'), 'utf8').split('\n')[0]).toMatch(/seconds$/);
      expect(log('resumed')).toEqual(log('whole')); // every column but the last (seconds)
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it.skipIf(!existsSync(KMNIST_10K))('fcnn, 2 epochs of kmnist-10k via the CLI: test accuracy within 1 point of wasm', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kmnist-gpu-engine-cli-'));
    try {
      const train = async (backend: string[]): Promise<RunMetrics> => {
        const out = join(root, backend[1]);
        const r = await runCli(['train', 'fcnn', '--data-dir', KMNIST_10K, '--epochs', '2', '--out', out, ...backend], { timeoutMs: 900_000 });
        expect(r.code, r.stderr).toBe(0);
        if (backend[1] === 'webgpu') expect(r.stdout + r.stderr).toMatch(/training with our WebGPU engine/);
        return JSON.parse(readFileSync(join(out, 'kmnist', 'fcnn', 'seed-0', 'metrics.json'), 'utf8')) as RunMetrics;
      };
      const gpu = await train(['--backend', 'webgpu', '--allow-software-gpu']);
      const wasm = await train(['--backend', 'wasm']);
      expect(Math.abs(gpu.testAccuracy - wasm.testAccuracy)).toBeLessThanOrEqual(0.01);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
