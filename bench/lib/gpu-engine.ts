// The CPU cost of our WebGPU training engine's step (src/engine/webgpu-trainer/): what one step asks of
// WebGPU (dispatches, submits, buffers and bind groups created, writes) and the CPU milliseconds to record
// and submit it. On Dawn's null backend (KMNIST_LAB_GPU_NULL=1 or --gpu-null) nothing executes, so the
// time is the CPU side alone and measurable on any machine; on a real adapter img/s includes the GPU.
import { activeWebGpuDevice, nullBackendDevice } from '../../src/engine/backends/webgpu/device.ts';
import { defaultKernelLibrary } from '../../src/engine/webgpu-trainer/library.ts';
import { UnsupportedModelError } from '../../src/engine/webgpu-trainer/model-spec.ts';
import { WebGpuTrainer } from '../../src/engine/webgpu-trainer/trainer.ts';
import { buildModel } from '../../src/models/zoo.ts';
import { OPTIMIZER_PARAMS } from '../../src/training/optimizers.ts';
import { Rng, withSeededMathRandomSync } from '../../src/training/rng.ts';

export interface GpuEngineStep {
  model: string;
  batchSize: number;
  device: 'null' | 'adapter';
  steps: number;
  /** Median CPU time of step() (uniform write, recording, submit), ms. */
  cpuMsPerStep: number;
  /** Per step, after the first. */
  dispatches: number;
  submits: number;
  buffersCreated: number;
  bindGroupsCreated: number;
  writeBuffers: number;
  /** Images a second including the GPU's work (adapter only; null: the null backend executes nothing). */
  imgPerSec: number | null;
}

export type GpuEngineResult = GpuEngineStep | { model: string; skipped: string };

/** Whether the bench should use Dawn's null backend for the engine's figures. */
export const gpuNullRequested = (flag: boolean): boolean => flag || process.env.KMNIST_LAB_GPU_NULL === '1';

/**
 * The device the engine's figures are taken on: Dawn's null backend, or the active webgpu backend's
 * (undefined when webgpu is not active). Make it once a process: Dawn aborts when a second null instance
 * follows a destroyed one.
 */
export async function gpuEngineDevice(useNull: boolean): Promise<GPUDevice | undefined> {
  return useNull ? nullBackendDevice() : activeWebGpuDevice();
}

/** Runs `steps` training steps of `name` (28x28, 10 classes, Adam) on synthetic data after `warmup`. */
export async function gpuEngineStep(
  name: string,
  device: GPUDevice | undefined,
  o: { useNull: boolean; steps: number; warmup: number; batchSize: number },
): Promise<GpuEngineResult> {
  if (!device) return { model: name, skipped: 'the webgpu backend is not active (use --backend webgpu, or --gpu-null)' };
  const input = { height: 28, width: 28, numClasses: 10 };
  const model = withSeededMathRandomSync(new Rng(1), () => buildModel(name, input));
  let trainer: WebGpuTrainer;
  try {
    trainer = await WebGpuTrainer.compile(device, model, { kind: 'adam', learningRate: 1e-3, ...OPTIMIZER_PARAMS.adam }, { labelSmoothing: 0 }, o.batchSize, defaultKernelLibrary());
  } catch (e) {
    model.dispose();
    if (e instanceof UnsupportedModelError) return { model: name, skipped: e.message };
    throw e;
  }
  try {
    const count = 4 * o.batchSize;
    const rng = new Rng(2);
    const images = Uint8Array.from({ length: count * 28 * 28 }, () => rng.nextUint32() & 255);
    const labels = Int32Array.from({ length: count }, (_, i) => i % 10);
    trainer.uploadDataset({ images, labels, count, height: 28, width: 28 }, count, null);
    await trainer.trainEpoch(rng.permutation(count), { seedOf: (b) => b, progressEvery: 1000 }); // writes the order; pipelines warm
    for (let i = 0; i < o.warmup; i++) trainer.step((i % 4) * o.batchSize, o.batchSize, i);
    await device.queue.onSubmittedWorkDone();
    const times: number[] = [];
    const t0 = performance.now();
    let totals = { dispatches: 0, submits: 0, buffers: 0, bindGroups: 0, writeBuffers: 0 };
    for (let i = 0; i < o.steps; i++) {
      const s = performance.now();
      trainer.step((i % 4) * o.batchSize, o.batchSize, 1000 + i);
      times.push(performance.now() - s);
      const c = trainer.lastStepCounters();
      if (c) totals = { dispatches: totals.dispatches + c.dispatches, submits: totals.submits + c.submits, buffers: totals.buffers + c.buffers, bindGroups: totals.bindGroups + c.bindGroups, writeBuffers: totals.writeBuffers + c.writeBuffers };
    }
    await device.queue.onSubmittedWorkDone();
    const wall = (performance.now() - t0) / 1000;
    times.sort((a, b) => a - b);
    const per = (n: number): number => n / o.steps;
    return {
      model: name,
      batchSize: o.batchSize,
      device: o.useNull ? 'null' : 'adapter',
      steps: o.steps,
      cpuMsPerStep: times[times.length >> 1],
      dispatches: per(totals.dispatches),
      submits: per(totals.submits),
      buffersCreated: per(totals.buffers),
      bindGroupsCreated: per(totals.bindGroups),
      writeBuffers: per(totals.writeBuffers),
      imgPerSec: o.useNull ? null : (o.steps * o.batchSize) / wall,
    };
  } finally {
    trainer.destroy();
    model.dispose();
  }
}
