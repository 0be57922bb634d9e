// Which StepEngine a run trains with: our WebGPU training engine when the active backend is webgpu and the
// engine supports the model and its optimizer, else TF.js (fit.ts's default), with one note saying why.
// $KMNIST_LAB_GPU_ENGINE=tfjs keeps TF.js's webgpu backend (for comparisons).
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.ts';
import { activeWebGpuDevice } from '../engine/backends/webgpu/device.ts';
import { defaultKernelLibrary } from '../engine/webgpu-trainer/library.ts';
import { UnsupportedModelError } from '../engine/webgpu-trainer/model-spec.ts';
import { createWebGpuStepEngine } from './webgpu-step-engine.ts';
import type { EngineOptimizerConfig } from '../engine/webgpu-trainer/trainer.ts';
import type { AugmentParams } from '../data/augment-params.ts';
import { OPTIMIZER_PARAMS, type OptimizerName } from './optimizers.ts';
import type { Rng } from './rng.ts';
import type { StepEngine } from './step-engine.ts';

export interface GpuEngineRequest {
  model: tf.LayersModel;
  optimizer: OptimizerName;
  learningRate: number;
  weightDecay: number | null;
  labelSmoothing: number;
  batchSize: number;
  train: ImageSet;
  augment: AugmentParams | null;
  augmentFactor: number;
  rng: Rng;
}

export interface GpuEngineChoice {
  /** undefined: train with TF.js. */
  engine: StepEngine | undefined;
  /** One line for the console, or undefined when webgpu is not the backend (nothing to say). */
  note: string | undefined;
}

function engineOptimizer(name: OptimizerName, learningRate: number, weightDecay: number | null): EngineOptimizerConfig | string {
  switch (name) {
    case 'adam':
      return { kind: 'adam', learningRate, ...OPTIMIZER_PARAMS.adam };
    case 'adamw':
      return { kind: 'adamw', learningRate, ...OPTIMIZER_PARAMS.adamw, weightDecay: weightDecay ?? 0 };
    case 'adadelta':
      return { kind: 'adadelta', learningRate, ...OPTIMIZER_PARAMS.adadelta };
    case 'sgd':
      return { kind: 'sgd', learningRate };
    default:
      return `optimizer ${name}`;
  }
}

/** Our engine for this run when it can take it (see the module comment); never throws for an unsupported model. */
export async function chooseGpuStepEngine(r: GpuEngineRequest): Promise<GpuEngineChoice> {
  const device = activeWebGpuDevice();
  if (!device) return { engine: undefined, note: undefined };
  const fallback = (why: string): GpuEngineChoice => ({ engine: undefined, note: `webgpu: training with TF.js's webgpu backend (our WebGPU engine does not support ${why})` });
  if (process.env.KMNIST_LAB_GPU_ENGINE === 'tfjs') return { engine: undefined, note: "webgpu: training with TF.js's webgpu backend ($KMNIST_LAB_GPU_ENGINE=tfjs)" };
  const optimizer = engineOptimizer(r.optimizer, r.learningRate, r.weightDecay);
  if (typeof optimizer === 'string') return fallback(optimizer);
  try {
    const engine = await createWebGpuStepEngine({
      device,
      model: r.model,
      optimizer,
      labelSmoothing: r.labelSmoothing,
      batchSize: r.batchSize,
      train: r.train,
      epochImages: r.train.count * r.augmentFactor,
      augment: r.augment,
      rng: r.rng,
      lib: defaultKernelLibrary(),
    });
    return { engine, note: 'webgpu: training with our WebGPU engine (one submit per step)' };
  } catch (e) {
    if (e instanceof UnsupportedModelError) return fallback(e.message);
    throw e;
  }
}
