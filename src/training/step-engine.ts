// What trains the model's weights between two validations: the fit loop (fit.ts) asks a StepEngine to run
// an epoch and to hand its weights to the TF.js model for validation, checkpoints and model/. TF.js's
// trainOnBatch is one engine (TfjsStepEngine, below); our WebGPU training engine is another
// (webgpu-step-engine.ts, over src/engine/webgpu-trainer/). Everything else in a run is the same for both.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.ts';
import type { AugmentParams } from '../data/augment-params.ts';
import { makeBatch } from './batches.ts';
import { getLearningRate, getOptimizerState, setLearningRate, setOptimizerState } from './optimizers.ts';
import type { Rng } from './rng.ts';

/** An optimizer's state in the checkpoint's format (TF.js's optimizer.getWeights names, plus '__accBeta1/2'). */
export type OptimizerState = { name: string; tensor: tf.Tensor }[];

export interface EpochRequest {
  /** Indices into the training set, in this epoch's order (length = images this epoch). */
  order: Int32Array;
  batchSize: number;
  /** The learning rate of batch b (0-based) of this epoch, or null to keep the current one. */
  lrAt: ((batch: number) => number) | null;
  /**
   * Progress: batches done, running mean loss and accuracy, images seen. An engine may call it less often
   * than every batch (the WebGPU engine reads its accumulators back every few steps only).
   */
  onProgress: (done: number, loss: number, acc: number, images: number) => void;
  /** True when the user asked to stop: checked when progress is reported. */
  interrupted: () => boolean;
}

export type EpochOutcome =
  | { kind: 'done'; lossSum: number; accSum: number; seen: number; stepSeconds: number }
  /** `batch`: 1-based, the batch (or, for an engine that reads back rarely, the last batch read) whose loss is not finite. */
  | { kind: 'diverged'; batch: number; loss: number }
  | { kind: 'interrupted' };

export interface StepEngine {
  /** For the console, e.g. 'tfjs' or 'webgpu-trainer'. */
  readonly name: string;
  /** Trains one epoch (sums are over images: lossSum / seen is the epoch's mean loss). */
  trainEpoch(request: EpochRequest): Promise<EpochOutcome>;
  /** Copies the engine's weights into the TF.js model (before validation, saving, checkpoints). */
  syncToModel(): Promise<void>;
  /** Takes the TF.js model's weights (after a resume or restore set them there). */
  syncFromModel(): Promise<void>;
  getOptimizerState(): Promise<OptimizerState>;
  setOptimizerState(state: OptimizerState): Promise<void>;
  /** Disposes the tensors of a getOptimizerState() result that the engine made for it (not its own state). */
  releaseOptimizerState(state: OptimizerState): void;
  getLearningRate(): number;
  setLearningRate(lr: number): void;
  /** Frees what the engine holds (not the model). */
  dispose(): void;
}

export interface TfjsStepEngineOptions {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  train: ImageSet;
  numClasses: number;
  augment: AugmentParams | null;
  /** Drives augmentation (dropout draws from Math.random, which fit.ts seeds from the same Rng). */
  rng: Rng;
}

/** Today's behaviour: batches built in JS, one model.trainOnBatch each. */
export class TfjsStepEngine implements StepEngine {
  readonly name = 'tfjs';

  constructor(private readonly o: TfjsStepEngineOptions) {}

  async trainEpoch(r: EpochRequest): Promise<EpochOutcome> {
    const o = this.o;
    const batches = Math.ceil(r.order.length / r.batchSize);
    let lossSum = 0;
    let accSum = 0;
    let seen = 0;
    let stepSeconds = 0;
    for (let b = 0; b < batches; b++) {
      const idx = r.order.subarray(b * r.batchSize, Math.min((b + 1) * r.batchSize, r.order.length));
      if (r.lrAt) setLearningRate(o.optimizer, r.lrAt(b));
      const { x, y } = makeBatch(o.train, idx, o.numClasses, o.augment ? { rng: o.rng, params: o.augment } : undefined);
      const t0 = performance.now();
      const [loss, acc] = (await o.model.trainOnBatch(x, y)) as number[];
      stepSeconds += (performance.now() - t0) / 1000;
      x.dispose();
      y.dispose();
      if (!Number.isFinite(loss)) return { kind: 'diverged', batch: b + 1, loss };
      lossSum += loss * idx.length;
      accSum += acc * idx.length;
      seen += idx.length;
      r.onProgress(b + 1, lossSum / seen, accSum / seen, seen);
      // trainOnBatch settles through microtasks only; yield a macrotask so a SIGINT handler can run mid-epoch.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (r.interrupted()) return { kind: 'interrupted' };
    }
    return { kind: 'done', lossSum, accSum, seen, stepSeconds };
  }

  async syncToModel(): Promise<void> {
    // the model's variables are the weights
  }

  async syncFromModel(): Promise<void> {
    // idem
  }

  getOptimizerState(): Promise<OptimizerState> {
    return getOptimizerState(this.o.optimizer);
  }

  setOptimizerState(state: OptimizerState): Promise<void> {
    return setOptimizerState(this.o.optimizer, state);
  }

  releaseOptimizerState(state: OptimizerState): void {
    state.find((t) => t.name === 'iter')?.tensor.dispose(); // getWeights makes a new scalar for it
  }

  getLearningRate(): number {
    return getLearningRate(this.o.optimizer);
  }

  setLearningRate(lr: number): void {
    setLearningRate(this.o.optimizer, lr);
  }

  dispose(): void {
    // the optimizer belongs to the caller
  }
}
