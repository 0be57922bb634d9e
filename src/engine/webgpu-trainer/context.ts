// The engine's hold on a device: the counting device kernels build with, the arena, the shared pipeline
// cache and the per-step uniform. One per compiled model.
import { Arena, USAGE } from './arena.ts';
import { countingDevice, zeroCounters, type GpuCounters } from './counters.ts';
import { STEP_PARAMS_BYTES, type KernelContext } from './kernels/kernel.ts';

/**
 * The uniform buffer's layout: StepParams at 0 (kernel.ts), the data kernels' DataParams at
 * DATA_PARAMS_OFFSET (a uniform binding offset must be a multiple of 256), written together in one
 * writeBuffer per step.
 */
export const DATA_PARAMS_OFFSET = 256;
export const DATA_PARAMS_BYTES = 16;
export const UNIFORM_BYTES = DATA_PARAMS_OFFSET + DATA_PARAMS_BYTES;

/** One step's values for StepParams (kernel.ts) and DataParams (data/batch.ts). */
export interface StepValues {
  lr: number;
  /** 1-based optimizer step. */
  step: number;
  /** Rows in this batch. */
  count: number;
  /** u32 RNG seed. */
  seed: number;
  beta1Power: number;
  beta2Power: number;
  training: boolean;
  /** Index into the epoch's order buffer of this batch's first row. */
  orderOffset: number;
}

export class TrainerContext implements KernelContext {
  readonly counters: GpuCounters = zeroCounters();
  /** The counting device: everything the engine and its kernels create goes through it. */
  readonly device: GPUDevice;
  readonly arena: Arena;
  readonly pipelines = new Map<string, GPUComputePipeline>();
  /** Holds StepParams and DataParams (see DATA_PARAMS_OFFSET). */
  readonly stepParams: GPUBuffer;
  private readonly staging = new ArrayBuffer(UNIFORM_BYTES);
  /** Kernels' scratch buffers (KernelContext.storage), owned by the arena. */
  readonly storage = (label: string, bytes: number): GPUBuffer => this.arena.storage(label, bytes);

  constructor(readonly rawDevice: GPUDevice) {
    this.device = countingDevice(rawDevice, this.counters);
    this.arena = new Arena(this.device);
    this.stepParams = this.arena.buffer('step params', UNIFORM_BYTES, USAGE.UNIFORM | USAGE.COPY_DST);
  }

  /** Writes the step's uniforms: one writeBuffer. */
  writeStep(v: StepValues): void {
    const f = new Float32Array(this.staging);
    const u = new Uint32Array(this.staging);
    f[0] = v.lr;
    u[1] = v.step >>> 0;
    u[2] = v.count >>> 0;
    u[3] = v.seed >>> 0;
    f[4] = v.beta1Power;
    f[5] = v.beta2Power;
    u[6] = v.training ? 1 : 0;
    u[7] = 0;
    u[DATA_PARAMS_OFFSET / 4] = v.orderOffset >>> 0;
    u[DATA_PARAMS_OFFSET / 4 + 1] = v.count >>> 0;
    this.device.queue.writeBuffer(this.stepParams, 0, this.staging);
  }

  /** A compute pipeline for `code` (entry point main), shared by all kernels with the same source. */
  pipeline(code: string, label: string): GPUComputePipeline {
    let p = this.pipelines.get(code);
    if (!p) {
      p = this.device.createComputePipeline({ label, layout: 'auto', compute: { module: this.device.createShaderModule({ label, code }), entryPoint: 'main' } });
      this.pipelines.set(code, p);
    }
    return p;
  }

  destroy(): void {
    this.arena.destroy();
  }
}

/** Compile-time checks of the layout above. */
if (STEP_PARAMS_BYTES > DATA_PARAMS_OFFSET) throw new Error('StepParams overlaps DataParams');
