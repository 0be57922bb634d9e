// The WebGPU training engine behind the fit loop's StepEngine interface (src/training/step-engine.ts):
// the TF.js model stays the home of the weights between epochs (validation, checkpoints, model/), the
// trainer holds them on the GPU while an epoch runs.
import * as tf from '@tensorflow/tfjs';
import type { AugmentParams } from '../data/augment-params.ts';
import type { Rng } from './rng.ts';
import type { EpochOutcome, EpochRequest, OptimizerState, StepEngine } from './step-engine.ts';
import type { GpuImageSource } from '../engine/webgpu-trainer/data/dataset.ts';
import type { KernelLibrary } from '../engine/webgpu-trainer/kernel-library.ts';
import { WebGpuTrainer, type EngineOptimizerConfig } from '../engine/webgpu-trainer/trainer.ts';

export interface WebGpuStepEngineOptions {
  device: GPUDevice;
  model: tf.LayersModel;
  optimizer: EngineOptimizerConfig;
  labelSmoothing: number;
  batchSize: number;
  train: GpuImageSource;
  /** Images an epoch at most (train count x augment factor). */
  epochImages: number;
  augment: AugmentParams | null;
  /** Each step's RNG seed is drawn from it (dropout masks and augmentation are computed on the GPU). */
  rng: Rng;
  lib: KernelLibrary;
  /** Steps between progress readbacks (default 50). */
  progressEvery?: number;
}

/** Compiles the model (UnsupportedModelError when the engine cannot train it) and uploads the set. */
export async function createWebGpuStepEngine(o: WebGpuStepEngineOptions): Promise<WebGpuStepEngine> {
  const trainer = await WebGpuTrainer.compile(o.device, o.model, o.optimizer, { labelSmoothing: o.labelSmoothing }, o.batchSize, o.lib);
  try {
    trainer.uploadDataset(o.train, o.epochImages, o.augment);
  } catch (e) {
    trainer.destroy();
    throw e;
  }
  return new WebGpuStepEngine(trainer, o.model, o.rng, o.progressEvery ?? 50);
}

export class WebGpuStepEngine implements StepEngine {
  readonly name = 'webgpu-trainer';

  constructor(
    readonly trainer: WebGpuTrainer,
    private readonly model: tf.LayersModel,
    private readonly rng: Rng,
    private readonly progressEvery: number,
  ) {}

  async trainEpoch(r: EpochRequest): Promise<EpochOutcome> {
    if (r.batchSize !== this.trainer.plan.batchSize) throw new Error(`trainEpoch: batch size ${r.batchSize}, compiled for ${this.trainer.plan.batchSize}`);
    const batches = Math.ceil(r.order.length / r.batchSize);
    // Drawn up front, in batch order, so the run's RNG stream does not depend on when progress is read.
    const seeds = Uint32Array.from({ length: batches }, () => this.rng.nextUint32());
    let interrupted = false;
    const lrAt = r.lrAt;
    const res = await this.trainer.trainEpoch(r.order, {
      lrAt: lrAt ?? undefined,
      seedOf: (b) => seeds[b],
      progressEvery: this.progressEvery,
      onProgress: (done, loss, acc, images) => {
        r.onProgress(done, loss, acc, images);
        interrupted = r.interrupted();
        return interrupted;
      },
    });
    if (res.kind === 'stopped') return { kind: 'interrupted' };
    if (res.kind === 'diverged') return res;
    if (interrupted) return { kind: 'interrupted' };
    return { kind: 'done', lossSum: res.lossSum, accSum: res.accSum, seen: res.seen, stepSeconds: res.seconds };
  }

  async syncToModel(): Promise<void> {
    const values = await this.trainer.getWeights();
    const tensors = this.model.weights.map((w, i) => tf.tensor(values[i], w.shape as number[]));
    this.model.setWeights(tensors);
    tf.dispose(tensors);
  }

  async syncFromModel(): Promise<void> {
    await this.trainer.setWeights(await Promise.all(this.model.getWeights().map(async (t) => new Float32Array(await t.data()))));
  }

  async getOptimizerState(): Promise<OptimizerState> {
    const state = await this.trainer.getOptimizerState();
    return state.map((s) => ({ name: s.name, tensor: s.name === 'iter' ? tf.scalar(s.values[0], 'int32') : tf.tensor(s.values, s.shape) }));
  }

  async setOptimizerState(state: OptimizerState): Promise<void> {
    this.trainer.setOptimizerState(await Promise.all(state.map(async (s) => ({ name: s.name, values: Float32Array.from(await s.tensor.data()), shape: s.tensor.shape }))));
  }

  releaseOptimizerState(state: OptimizerState): void {
    tf.dispose(state.map((s) => s.tensor));
  }

  getLearningRate(): number {
    return this.trainer.getLearningRate();
  }

  setLearningRate(lr: number): void {
    this.trainer.setLearningRate(lr);
  }

  dispose(): void {
    this.trainer.destroy();
  }
}
