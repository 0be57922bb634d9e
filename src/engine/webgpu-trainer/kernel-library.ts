// What the model compiler (compiler.ts) asks of the kernels: one builder per operation, each returning
// dispatches with its buffers bound and its shapes baked in (kernels/kernel.ts). This is the one place
// that knows the kernels' own builder names and argument shapes (kernels/index.ts implements it), so the
// compiler reads as the model's forward/backward/update and nothing else.
import type { Slice } from './arena.ts';
import type { Dispatch, KernelContext } from './kernels/kernel.ts';

/** Weight layouts are TF.js's: dense kernel [inputs, units], conv kernel [kh, kw, inC, outC], row-major. */
export interface DenseShape {
  rows: number;
  inputs: number;
  units: number;
  relu: boolean;
}

export interface Conv2dShape {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kernel: [number, number];
  strides: [number, number];
  pad: [number, number];
  relu: boolean;
}

export interface PoolShape {
  batch: number;
  inH: number;
  inW: number;
  c: number;
  outH: number;
  outW: number;
  pool: [number, number];
  strides: [number, number];
  pad: [number, number];
}

/** Batch normalization over the last axis: `spatial` positions per image (H·W; 1 after a Dense layer). */
export interface BatchNormShape {
  batch: number;
  spatial: number;
  channels: number;
  momentum: number;
  epsilon: number;
}

export type OptimizerKind = 'adam' | 'adamw' | 'sgd' | 'adadelta';

export interface OptimizerShape {
  kind: OptimizerKind;
  /** Floats in the packed parameter buffer (padding between weights included: updated harmlessly, grads there are 0). */
  length: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  rho: number;
  weightDecay: number;
}

export interface KernelLibrary {
  /** y = relu?(x · W + b); x [rows, inputs], y [rows, units]. */
  denseForward(ctx: KernelContext, b: { x: Slice; w: Slice; bias: Slice | null; y: Slice }, s: DenseShape): Dispatch[];
  /**
   * From dy (gradient of the layer's output, after relu when s.relu: y is the post-relu output and the
   * kernel masks dy by y > 0): dW = xᵀ·dz, db = Σ dz, dx = dz·Wᵀ (dx null: not needed, the first layer).
   */
  denseBackward(ctx: KernelContext, b: { x: Slice; w: Slice; y: Slice; dy: Slice; dw: Slice; db: Slice | null; dx: Slice | null }, s: DenseShape): Dispatch[];
  /**
   * Softmax cross-entropy with label smoothing on logits [rows, classes] against one-hot y: writes
   * dLogits (the mean loss's gradient over StepParams.count rows) and adds the batch's loss sum and correct
   * count to `accum` (epoch accumulator: accum[0] loss sum f32, accum[1] correct count).
   */
  softmaxCrossEntropy(ctx: KernelContext, b: { logits: Slice; y: Slice; dLogits: Slice; accum: Slice }, s: { rows: number; classes: number; smoothing: number }): Dispatch[];
  /** y = x · mask / (1 - rate), mask from the RNG (StepParams.seed, stream); identity when StepParams.training is 0. */
  dropoutForward(ctx: KernelContext, b: { x: Slice; y: Slice }, s: { size: number; rate: number; stream: number }): Dispatch[];
  dropoutBackward(ctx: KernelContext, b: { dy: Slice; dx: Slice }, s: { size: number; rate: number; stream: number }): Dispatch[];
  reluForward?(ctx: KernelContext, b: { x: Slice; y: Slice }, s: { size: number }): Dispatch[];
  reluBackward?(ctx: KernelContext, b: { y: Slice; dy: Slice; dx: Slice }, s: { size: number }): Dispatch[];
  conv2dForward?(ctx: KernelContext, b: { x: Slice; w: Slice; bias: Slice | null; y: Slice }, s: Conv2dShape): Dispatch[];
  conv2dBackward?(ctx: KernelContext, b: { x: Slice; w: Slice; y: Slice; dy: Slice; dw: Slice; db: Slice | null; dx: Slice | null }, s: Conv2dShape): Dispatch[];
  maxPoolForward?(ctx: KernelContext, b: { x: Slice; y: Slice }, s: PoolShape): Dispatch[];
  maxPoolBackward?(ctx: KernelContext, b: { x: Slice; y: Slice; dy: Slice; dx: Slice }, s: PoolShape): Dispatch[];
  batchNormForward?(
    ctx: KernelContext,
    b: { x: Slice; y: Slice; gamma: Slice; beta: Slice; movingMean: Slice; movingVar: Slice; saved: Slice },
    s: BatchNormShape,
  ): Dispatch[];
  batchNormBackward?(ctx: KernelContext, b: { x: Slice; dy: Slice; gamma: Slice; saved: Slice; dgamma: Slice; dbeta: Slice; dx: Slice }, s: BatchNormShape): Dispatch[];
  globalAvgPoolForward?(ctx: KernelContext, b: { x: Slice; y: Slice }, s: { batch: number; spatial: number; channels: number }): Dispatch[];
  globalAvgPoolBackward?(ctx: KernelContext, b: { dy: Slice; dx: Slice }, s: { batch: number; spatial: number; channels: number }): Dispatch[];
  /** Updates params in place from grads; `slots` as the optimizer needs (Adam: m, v; Adadelta: accum grad, accum update; SGD: none). */
  optimizer(ctx: KernelContext, b: { params: Slice; grads: Slice; slots: Slice[] }, s: OptimizerShape): Dispatch[];
}

/** Slot buffers each optimizer keeps, by the suffix TF.js gives them (`${weight}/m` etc.). */
export const OPTIMIZER_SLOTS: Record<OptimizerKind, readonly string[]> = {
  adam: ['m', 'v'],
  adamw: ['m', 'v'],
  sgd: [],
  adadelta: ['accum_grad', 'accum_var'],
};
