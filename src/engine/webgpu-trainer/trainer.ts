// The WebGPU training engine's API: a model compiled once into dispatch lists over buffers made once;
// each training step is one writeBuffer (its uniforms), one command buffer and one submit; the epoch's
// loss and accuracy accumulate on the GPU and are read back every `progressEvery` steps and at the end.
// Free of Node-only APIs (a browser tab can run it given a GPUDevice).
import type * as tf from '@tensorflow/tfjs';
import type { AugmentParams } from '../../data/augment-params.ts';
import type { Slice } from './arena.ts';
import { compile, type Plan } from './compiler.ts';
import { TrainerContext } from './context.ts';
import { countersSince, type GpuCounters } from './counters.ts';
import { buildBatch } from './data/batch.ts';
import { uploadDataset, writeOrder, type GpuDataset, type GpuImageSource } from './data/dataset.ts';
import type { KernelLibrary, OptimizerKind } from './kernel-library.ts';
import type { Dispatch } from './kernels/kernel.ts';
import { readModel, type ModelSpec } from './model-spec.ts';
import { Reader } from './readback.ts';
import { recordStep } from './recorder.ts';

export interface EngineOptimizerConfig {
  kind: OptimizerKind;
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  rho?: number;
  weightDecay?: number;
}

export interface EpochOptions {
  /** Learning rate of batch b (0-based) of this epoch; omitted: the current rate. */
  lrAt?: (batch: number) => number;
  /** RNG seed (u32) of each step's dropout masks and augmentation. */
  seedOf: (batch: number) => number;
  /** Read the accumulators back every this many steps (and after the last). */
  progressEvery: number;
  /** After each read: batches done, mean loss, mean accuracy, images. Return true to stop the epoch. */
  onProgress?: (done: number, loss: number, acc: number, images: number) => boolean | void;
}

export type EpochResult =
  | { kind: 'done'; lossSum: number; accSum: number; seen: number; seconds: number }
  | { kind: 'diverged'; batch: number; loss: number }
  | { kind: 'stopped' };

/** A named optimizer slot or scalar, as TF.js's optimizer.getWeights names them. */
export interface NamedValues {
  name: string;
  values: Float32Array;
  /** The TF.js tensor's shape ([] for scalars). */
  shape: number[];
}

export class WebGpuTrainer {
  private data: GpuDataset | undefined;
  private batchDispatches: Dispatch[] = [];
  private readonly reader: Reader;
  private lr: number;
  /** Optimizer updates made (TF.js's optimizer.iterations). */
  iterations = 0;
  /** beta^t as TF.js's Adam keeps them: float32 products, starting at beta (the power of the next step). */
  private accBeta1: number;
  private accBeta2: number;
  private stepCounters: GpuCounters | undefined;

  private constructor(
    readonly ctx: TrainerContext,
    readonly plan: Plan,
    private readonly optimizer: EngineOptimizerConfig,
  ) {
    this.lr = optimizer.learningRate;
    this.accBeta1 = Math.fround(optimizer.beta1 ?? 0.9);
    this.accBeta2 = Math.fround(optimizer.beta2 ?? 0.999);
    this.reader = new Reader(ctx, 'trainer', Math.max(plan.params.buffer.size, plan.frozen.buffer.size, 256));
  }

  /**
   * Compiles `model` (its layers must be ones model-spec.ts reads and `lib` has kernels for: else
   * UnsupportedModelError) for batches of `batchSize`, with the model's current weights.
   */
  static async compile(device: GPUDevice, model: tf.LayersModel, optimizer: EngineOptimizerConfig, loss: { labelSmoothing: number }, batchSize: number, lib: KernelLibrary): Promise<WebGpuTrainer> {
    const spec: ModelSpec = readModel(model);
    const ctx = new TrainerContext(device);
    try {
      const plan = compile(ctx, model, spec, lib, {
        batchSize,
        labelSmoothing: loss.labelSmoothing,
        optimizer: {
          kind: optimizer.kind,
          beta1: optimizer.beta1 ?? 0.9,
          beta2: optimizer.beta2 ?? 0.999,
          epsilon: optimizer.epsilon ?? 1e-7,
          rho: optimizer.rho ?? 0.95,
          weightDecay: optimizer.weightDecay ?? 0,
        },
      });
      const trainer = new WebGpuTrainer(ctx, plan, optimizer);
      await trainer.setWeights(await Promise.all(model.getWeights().map(async (t) => new Float32Array(await t.data()))));
      return trainer;
    } catch (e) {
      ctx.destroy();
      throw e;
    }
  }

  /** Uploads the training set once; `orderCapacity`: the longest epoch order (count x augment factor). */
  uploadDataset(train: GpuImageSource, orderCapacity: number, augment: AugmentParams | null): void {
    if (this.data) throw new Error('uploadDataset: a dataset is already uploaded');
    const s = this.plan.spec.input;
    if (train.height !== s.h || train.width !== s.w || s.c !== 1) throw new Error(`uploadDataset: ${train.height}x${train.width} images for a ${s.h}x${s.w}x${s.c} model`);
    this.data = uploadDataset(this.ctx, train, orderCapacity);
    this.batchDispatches = buildBatch(this.ctx, this.data, this.plan.batch, { batch: this.plan.batchSize, classes: this.plan.spec.classes, augment });
  }

  getLearningRate(): number {
    return this.lr;
  }

  setLearningRate(lr: number): void {
    this.lr = lr;
  }

  /** WebGPU calls of the last training step (buffers, bind groups, submits, dispatches, writes). */
  lastStepCounters(): GpuCounters | undefined {
    return this.stepCounters;
  }

  /** The dispatches of one step, in order. */
  stepDispatches(): readonly Dispatch[] {
    const p = this.plan;
    return [...this.batchDispatches, ...p.forward, ...p.loss, ...p.backward, ...p.update];
  }

  /** Records and submits one step over rows order[offset .. offset + count). Does not wait for the GPU. */
  step(offset: number, count: number, seed: number): void {
    const before = { ...this.ctx.counters };
    const p = this.plan;
    this.ctx.writeStep({
      lr: this.lr,
      step: this.iterations + 1,
      count,
      seed,
      beta1Power: this.accBeta1,
      beta2Power: this.accBeta2,
      training: true,
      orderOffset: offset,
    });
    const cb = recordStep(this.ctx.device, this.ctx.counters, [this.batchDispatches, p.forward, p.loss, p.backward, p.update]);
    this.ctx.device.queue.submit([cb]);
    this.iterations++;
    this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(this.optimizer.beta1 ?? 0.9));
    this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(this.optimizer.beta2 ?? 0.999));
    this.stepCounters = countersSince(before, this.ctx.counters);
  }

  /** [loss sum, correct count] accumulated since the last clear (waits for the GPU). */
  async readAccumulator(): Promise<[number, number]> {
    const a = new Float32Array(await this.reader.read([{ ...this.plan.accum, size: 8 }]));
    return [a[0], a[1]];
  }

  clearAccumulator(): void {
    this.ctx.device.queue.writeBuffer(this.plan.accum.buffer, this.plan.accum.offset, new Float32Array(4));
  }

  /** Trains over `order` (indices into the uploaded set) in batches of the compiled size. */
  async trainEpoch(order: Int32Array, o: EpochOptions): Promise<EpochResult> {
    if (!this.data) throw new Error('trainEpoch: no dataset uploaded');
    const t0 = performance.now();
    writeOrder(this.ctx, this.data, order);
    this.clearAccumulator();
    const bs = this.plan.batchSize;
    const batches = Math.ceil(order.length / bs);
    let sums: [number, number] = [0, 0];
    for (let b = 0; b < batches; b++) {
      if (o.lrAt) this.lr = o.lrAt(b);
      const count = Math.min(bs, order.length - b * bs);
      this.step(b * bs, count, o.seedOf(b));
      if ((b + 1) % o.progressEvery === 0 || b === batches - 1) {
        sums = await this.readAccumulator();
        const seen = Math.min((b + 1) * bs, order.length);
        if (!Number.isFinite(sums[0])) return { kind: 'diverged', batch: b + 1, loss: sums[0] / seen };
        if (o.onProgress?.(b + 1, sums[0] / seen, sums[1] / seen, seen) === true && b < batches - 1) return { kind: 'stopped' };
      }
    }
    return { kind: 'done', lossSum: sums[0], accSum: sums[1], seen: order.length, seconds: (performance.now() - t0) / 1000 };
  }

  private async readSet(buffer: GPUBuffer, slices: Slice[]): Promise<Float32Array[]> {
    if (slices.length === 0) return [];
    const all = new Float32Array(await this.reader.read([{ buffer, offset: 0, size: buffer.size }]));
    return slices.map((s) => all.slice(s.offset / 4, s.offset / 4 + s.size / 4));
  }

  /** The model's weights, in model.weights order (TF.js layouts). */
  async getWeights(): Promise<Float32Array[]> {
    const p = this.plan;
    const t = await this.readSet(p.params.buffer, p.params.slices);
    const f = await this.readSet(p.frozen.buffer, p.frozen.slices);
    return p.weights.map((w) => (w.trainable ? t[w.index] : f[w.index]).subarray(0, w.size));
  }

  /** Sets the weights (model.weights order). Throws on a count or size mismatch. */
  async setWeights(values: Float32Array[]): Promise<void> {
    const p = this.plan;
    if (values.length !== p.weights.length) throw new Error(`setWeights: ${values.length} arrays for ${p.weights.length} weights`);
    p.weights.forEach((w, i) => {
      if (values[i].length !== w.size) throw new Error(`setWeights: weight ${i} has ${values[i].length} values, want ${w.size}`);
      const s = (w.trainable ? p.params : p.frozen).slices[w.index];
      this.ctx.device.queue.writeBuffer(s.buffer, s.offset, Float32Array.from(values[i]));
    });
  }

  /** The optimizer's state with TF.js's names: iter, each slot per weight, Adam's __accBeta1/2. */
  async getOptimizerState(): Promise<NamedValues[]> {
    const p = this.plan;
    const out: NamedValues[] = [{ name: 'iter', values: Float32Array.of(this.iterations), shape: [] }];
    for (const slot of p.slots) {
      const vals = await this.readSet(slot.set.buffer, slot.set.slices);
      for (const w of p.weights) if (w.trainable) out.push({ name: `${w.variable.name}/${slot.suffix}`, values: vals[w.index].subarray(0, w.size), shape: [...(w.variable.shape as number[])] });
    }
    if (this.optimizer.kind === 'adam' || this.optimizer.kind === 'adamw') {
      out.push({ name: '__accBeta1', values: Float32Array.of(this.accBeta1), shape: [] }, { name: '__accBeta2', values: Float32Array.of(this.accBeta2), shape: [] });
    }
    return out;
  }

  /** Restores what getOptimizerState returned (TF.js's order: iter, then each slot's tensors in weight order). */
  setOptimizerState(state: NamedValues[]): void {
    const p = this.plan;
    const byName = new Map(state.map((s) => [s.name, s.values]));
    const iter = byName.get('iter');
    if (iter) this.iterations = iter[0];
    const b1 = byName.get('__accBeta1');
    const b2 = byName.get('__accBeta2');
    // Without the saved products (a checkpoint from elsewhere): beta^(t+1), as TF.js's setWeights computes them.
    this.accBeta1 = b1 ? b1[0] : Math.fround((this.optimizer.beta1 ?? 0.9) ** (this.iterations + 1));
    this.accBeta2 = b2 ? b2[0] : Math.fround((this.optimizer.beta2 ?? 0.999) ** (this.iterations + 1));
    // By position, as TF.js's optimizers restore them: variable names carry a per-process suffix
    // (dense_Dense3/kernel), so a resumed run's model names its weights differently.
    const slotValues = state.filter((x) => x.name !== 'iter' && !x.name.startsWith('__'));
    const trainable = p.weights.filter((w) => w.trainable);
    if (slotValues.length !== 0 && slotValues.length !== p.slots.length * trainable.length) {
      throw new Error(`setOptimizerState: ${slotValues.length} slot tensors for ${p.slots.length} slots x ${trainable.length} weights`);
    }
    if (slotValues.length === 0) return;
    p.slots.forEach((slot, k) => {
      trainable.forEach((w, j) => {
        const v = slotValues[k * trainable.length + j].values;
        if (v.length !== w.size) throw new Error(`setOptimizerState: ${slotValues[k * trainable.length + j].name} has ${v.length} values, want ${w.size}`);
        const sl = slot.set.slices[w.index];
        this.ctx.device.queue.writeBuffer(sl.buffer, sl.offset, Float32Array.from(v));
      });
    });
  }

  /** All GPU buffers this trainer made; the device itself stays (it is the caller's). */
  destroy(): void {
    this.ctx.destroy();
    this.data = undefined;
  }
}
