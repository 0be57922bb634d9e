// The model compiler: from the model's layers (model-spec.ts) to a plan of dispatch lists (batch, forward,
// loss, backward, update) over buffers allocated once. Parameters live in one packed buffer (the fused
// optimizer updates them all in one pass), their gradients in another of the same layout, each
// optimizer slot in a third; every weight is a 256-byte-aligned slice, so a kernel can bind it alone.
import type * as tf from '@tensorflow/tfjs';
import { whole, type Slice } from './arena.ts';
import type { TrainerContext } from './context.ts';
import type { BatchBuffers } from './data/batch.ts';
import type { Dispatch } from './kernels/kernel.ts';
import { OPTIMIZER_SLOTS, type KernelLibrary, type OptimizerShape } from './kernel-library.ts';
import { UnsupportedModelError, type LayerSpec, type ModelSpec } from './model-spec.ts';

/** RNG stream of dropout layer i (the data kernels use others). */
export const dropoutStream = (layerIndex: number): number => (0x44520000 + layerIndex) >>> 0;

export interface PackedSet {
  buffer: GPUBuffer;
  slices: Slice[];
  /** Floats the buffer holds (padding included). */
  length: number;
}

/** One of the model's weights and where it lives on the GPU. */
export interface WeightSlot {
  variable: tf.LayerVariable;
  trainable: boolean;
  /** Index into params/grads (trainable) or into frozen (not trainable). */
  index: number;
  size: number;
}

export interface Plan {
  spec: ModelSpec;
  batchSize: number;
  /** The model's weights in model.weights order. */
  weights: WeightSlot[];
  params: PackedSet;
  grads: PackedSet;
  /** Weights the optimizer does not update (batch norm's moving statistics). */
  frozen: PackedSet;
  /** Optimizer slots by TF.js suffix ('m', 'v', ...), each in the params layout. */
  slots: { suffix: string; set: PackedSet }[];
  batch: BatchBuffers;
  /** [loss sum, correct count] over the epoch (f32 each), cleared at epoch start. */
  accum: Slice;
  forward: Dispatch[];
  loss: Dispatch[];
  backward: Dispatch[];
  update: Dispatch[];
}

export interface CompileSettings {
  batchSize: number;
  labelSmoothing: number;
  optimizer: Omit<OptimizerShape, 'length'>;
}

function packed(ctx: TrainerContext, label: string, sizes: number[]): PackedSet {
  const p = ctx.arena.packed(label, sizes.map((n) => n * 4));
  return { buffer: p.buffer, slices: p.slices, length: p.buffer.size / 4 };
}

/** A region of `s` (bytes from its start), for sub-binding e.g. one row range. */
const sized = (s: Slice, bytes: number): Slice => ({ buffer: s.buffer, offset: s.offset, size: bytes });

interface LayerWeights {
  kernel?: Slice;
  bias?: Slice;
  dKernel?: Slice;
  dBias?: Slice;
}

/**
 * Compiles `spec` (read from `model`) for batches of `s.batchSize` rows. Throws UnsupportedModelError
 * when `lib` lacks a kernel a layer needs.
 */
export function compile(ctx: TrainerContext, model: tf.LayersModel, spec: ModelSpec, lib: KernelLibrary, s: CompileSettings): Plan {
  const rows = s.batchSize;
  const trainable = new Set<tf.LayerVariable>(model.trainableWeights);
  const weights: WeightSlot[] = [];
  const tSizes: number[] = [];
  const fSizes: number[] = [];
  for (const v of model.weights) {
    const size = v.shape.reduce((a: number, b) => a * (b as number), 1);
    const isT = trainable.has(v);
    weights.push({ variable: v, trainable: isT, index: isT ? tSizes.length : fSizes.length, size });
    (isT ? tSizes : fSizes).push(size);
  }
  const params = packed(ctx, 'params', tSizes);
  const grads = packed(ctx, 'grads', tSizes);
  const frozen = packed(ctx, 'frozen weights', fSizes);
  const slots = OPTIMIZER_SLOTS[s.optimizer.kind].map((suffix) => ({ suffix, set: packed(ctx, `optimizer ${suffix}`, tSizes) }));
  const bySlot = new Map(weights.map((w) => [w.variable, w]));
  const layerWeights = (name: string): LayerWeights => {
    const layer = model.getLayer(name);
    const [k, b] = layer.trainableWeights.map((v) => bySlot.get(v as tf.LayerVariable));
    return {
      kernel: k && params.slices[k.index],
      bias: b && params.slices[b.index],
      dKernel: k && grads.slices[k.index],
      dBias: b && grads.slices[b.index],
    };
  };

  const px = spec.input.h * spec.input.w * spec.input.c;
  // One buffer each, not slices of one: WebGPU forbids a buffer bound writable and read in one dispatch.
  const own = (label: string, bytes: number): Slice => whole(ctx.arena.storage(label, bytes));
  const batch: BatchBuffers = { x: own('batch x', rows * px * 4), y: own('batch y', rows * spec.classes * 4), labels: own('batch labels', rows * 4) };
  const accum = own('epoch accumulator', 16);

  // Activations: acts[0] is the batch; layer i reads acts[inOf[i]] and writes acts[outOf[i]].
  const acts: Slice[] = [batch.x];
  const dActs: (Slice | null)[] = [null];
  const inOf: number[] = [];
  const outOf: number[] = [];
  const sizeOf = (l: LayerSpec, inSize: number): number => {
    switch (l.kind) {
      case 'dense':
        return l.units;
      case 'conv2d':
      case 'maxPool':
        return l.output.h * l.output.w * l.output.c;
      case 'globalAvgPool':
        return l.input.c;
      default:
        return inSize;
    }
  };
  let cur = 0;
  let curSize = px;
  for (const l of spec.layers) {
    inOf.push(cur);
    if (l.kind === 'flatten') {
      outOf.push(cur); // NHWC flattening is the same memory
      continue;
    }
    curSize = sizeOf(l, curSize);
    acts.push(own(`${l.name} output`, rows * curSize * 4));
    dActs.push(own(`${l.name} output gradient`, rows * curSize * 4));
    cur = acts.length - 1;
    outOf.push(cur);
  }

  const forward: Dispatch[] = [];
  const backward: Dispatch[][] = [];
  const need = <T>(f: T | undefined, what: string): T => {
    if (f === undefined) throw new UnsupportedModelError(`no ${what} kernel yet`);
    return f;
  };
  spec.layers.forEach((l, i) => {
    const x = acts[inOf[i]];
    const y = acts[outOf[i]];
    const dy = dActs[outOf[i]];
    // No input gradient into the data (the batch, or a flattened view of it).
    const dx = inOf[i] === 0 ? null : dActs[inOf[i]];
    const last = i === spec.layers.length - 1;
    switch (l.kind) {
      case 'dense': {
        const w = layerWeights(l.name);
        if (!w.kernel || !w.dKernel) throw new UnsupportedModelError(`${l.name}: no kernel weight`);
        const shape = { rows, inputs: l.inputs, units: l.units, relu: l.activation === 'relu' };
        if (l.activation === 'softmax' && !last) throw new UnsupportedModelError(`${l.name}: softmax before the last layer`);
        forward.push(...lib.denseForward(ctx, { x, w: w.kernel, bias: w.bias ?? null, y }, shape));
        // The last layer's dy is the loss kernel's dLogits (softmax folded into the loss).
        backward.push(lib.denseBackward(ctx, { x, w: w.kernel, y, dy: dy as Slice, dw: w.dKernel, db: w.dBias ?? null, dx }, shape));
        break;
      }
      case 'conv2d': {
        const w = layerWeights(l.name);
        if (!w.kernel || !w.dKernel) throw new UnsupportedModelError(`${l.name}: no kernel weight`);
        if (l.activation === 'softmax') throw new UnsupportedModelError(`${l.name}: softmax convolution`);
        const shape = {
          batch: rows, inH: l.input.h, inW: l.input.w, inC: l.input.c, outH: l.output.h, outW: l.output.w, outC: l.output.c,
          kernel: l.kernel, strides: l.strides, pad: l.pad, relu: l.activation === 'relu',
        };
        forward.push(...need(lib.conv2dForward, 'conv2d')(ctx, { x, w: w.kernel, bias: w.bias ?? null, y }, shape));
        backward.push(need(lib.conv2dBackward, 'conv2d backward')(ctx, { x, w: w.kernel, y, dy: dy as Slice, dw: w.dKernel, db: w.dBias ?? null, dx }, shape));
        break;
      }
      case 'maxPool': {
        const shape = { batch: rows, inH: l.input.h, inW: l.input.w, c: l.input.c, outH: l.output.h, outW: l.output.w, pool: l.pool, strides: l.strides, pad: l.pad };
        forward.push(...need(lib.maxPoolForward, 'max pool')(ctx, { x, y }, shape));
        if (dx) backward.push(need(lib.maxPoolBackward, 'max pool backward')(ctx, { x, y, dy: dy as Slice, dx }, shape));
        break;
      }
      case 'dropout': {
        const shape = { size: rows * l.size, rate: l.rate, stream: dropoutStream(i) };
        forward.push(...lib.dropoutForward(ctx, { x, y }, shape));
        if (dx) backward.push(lib.dropoutBackward(ctx, { dy: dy as Slice, dx }, shape));
        break;
      }
      case 'activation': {
        if (l.activation !== 'relu') throw new UnsupportedModelError(`${l.name}: activation ${l.activation} alone`);
        const shape = { size: rows * l.size };
        forward.push(...need(lib.reluForward, 'relu')(ctx, { x, y }, shape));
        if (dx) backward.push(need(lib.reluBackward, 'relu backward')(ctx, { y, dy: dy as Slice, dx }, shape));
        break;
      }
      case 'flatten':
        break;
      case 'batchNorm': {
        if (!l.center || !l.scale) throw new UnsupportedModelError(`${l.name}: batch norm without center or scale`);
        const layer = model.getLayer(l.name);
        const [gamma, beta] = layer.trainableWeights.map((v) => bySlot.get(v as tf.LayerVariable) as WeightSlot);
        const [mean, variance] = layer.nonTrainableWeights.map((v) => bySlot.get(v as tf.LayerVariable) as WeightSlot);
        if (!gamma || !beta || !mean || !variance) throw new UnsupportedModelError(`${l.name}: unexpected batch norm weights`);
        const shape = { batch: rows, spatial: l.shape.h * l.shape.w, channels: l.shape.c, momentum: l.momentum, epsilon: l.epsilon };
        const saved = own(`${l.name} saved statistics`, 2 * l.shape.c * 4);
        const g = params.slices[gamma.index];
        forward.push(
          ...need(lib.batchNormForward, 'batch norm')(ctx, { x, y, gamma: g, beta: params.slices[beta.index], movingMean: frozen.slices[mean.index], movingVar: frozen.slices[variance.index], saved }, shape),
        );
        // Its input is never the data in the zoo; dx is needed for gamma/beta's gradients' sake anyway.
        const bnDx = dx ?? own(`${l.name} input gradient (unused)`, rows * l.shape.h * l.shape.w * l.shape.c * 4);
        backward.push(
          need(lib.batchNormBackward, 'batch norm backward')(ctx, { x, dy: dy as Slice, gamma: g, saved, dgamma: grads.slices[gamma.index], dbeta: grads.slices[beta.index], dx: bnDx }, shape),
        );
        break;
      }
      case 'globalAvgPool': {
        const shape = { batch: rows, spatial: l.input.h * l.input.w, channels: l.input.c };
        forward.push(...need(lib.globalAvgPoolForward, 'global average pooling')(ctx, { x, y }, shape));
        if (dx) backward.push(need(lib.globalAvgPoolBackward, 'global average pooling backward')(ctx, { dy: dy as Slice, dx }, shape));
        break;
      }
    }
  });

  // The last dense layer's output holds the logits; the loss kernel writes their gradient into its dActs.
  const logitsAt = outOf[outOf.length - 1];
  const loss = lib.softmaxCrossEntropy(
    ctx,
    { logits: sized(acts[logitsAt], rows * spec.classes * 4), y: batch.y, dLogits: dActs[logitsAt] as Slice, accum },
    { rows, classes: spec.classes, smoothing: s.labelSmoothing },
  );
  const update = lib.optimizer(
    ctx,
    { params: { buffer: params.buffer, offset: 0, size: params.buffer.size }, grads: { buffer: grads.buffer, offset: 0, size: grads.buffer.size }, slots: slots.map((x) => ({ buffer: x.set.buffer, offset: 0, size: x.set.buffer.size })) },
    { ...s.optimizer, length: params.length },
  );
  return { spec, batchSize: rows, weights, params, grads, frozen, slots, batch, accum, forward, loss, backward: backward.reverse().flat(), update };
}
