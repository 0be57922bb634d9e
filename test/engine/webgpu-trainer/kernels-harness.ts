// Shared by the kernel tests: a WebGPU device (the one TF.js's webgpu backend opened; CI: llvmpipe through
// Dawn's OpenGL backend) with TF.js switched back to its cpu backend for the references, and helpers to
// upload arrays, run dispatches in one submit and read buffers back.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/engine/backend.ts';
import { activeWebGpuDevice } from '../../../src/engine/backends/webgpu/device.ts';
import { UserError } from '../../../src/errors.ts';
import type { Slice } from '../../../src/engine/webgpu-trainer/arena.ts';
import { TrainerContext, type StepValues } from '../../../src/engine/webgpu-trainer/context.ts';
import type { Dispatch } from '../../../src/engine/webgpu-trainer/kernels/kernel.ts';
import { Reader } from '../../../src/engine/webgpu-trainer/readback.ts';
import { recordStep } from '../../../src/engine/webgpu-trainer/recorder.ts';
import { Rng } from '../../../src/training/rng.ts';

/** The device, or why there is none. */
export async function kernelDevice(): Promise<GPUDevice | string> {
  try {
    await initBackend('webgpu', { allowSoftwareGpu: true });
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
  const device = activeWebGpuDevice();
  await tf.setBackend('cpu');
  return device ?? 'webgpu started but its device is not reachable';
}

export const STEP: StepValues = { lr: 0.01, step: 1, count: 1, seed: 1, beta1Power: 0.9, beta2Power: 0.999, training: true, orderOffset: 0 };

/** A kernel context with the engine's arena as its scratch allocator. */
export class Harness {
  readonly ctx: TrainerContext;
  constructor(device: GPUDevice) {
    this.ctx = new TrainerContext(device);
    const arena = this.ctx.arena;
    Object.assign(this.ctx, { storage: (label: string, bytes: number) => arena.storage(label, bytes) });
  }

  /** A buffer holding `data` (f32 or u32 words). */
  upload(data: Float32Array | Uint32Array | number, label = 'test'): Slice {
    const bytes = typeof data === 'number' ? data * 4 : data.byteLength;
    const buffer = this.ctx.arena.storage(label, bytes);
    const slice = { buffer, offset: 0, size: buffer.size };
    if (typeof data !== 'number') this.write(slice, data);
    return slice;
  }

  write(s: Slice, data: Float32Array | Uint32Array): void {
    this.ctx.device.queue.writeBuffer(s.buffer, s.offset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  /** Writes StepParams and runs `lists` in one command buffer. */
  run(step: Partial<StepValues>, ...lists: Dispatch[][]): void {
    this.ctx.writeStep({ ...STEP, ...step });
    this.ctx.device.queue.submit([recordStep(this.ctx.device, this.ctx.counters, lists)]);
  }

  async read(s: Slice): Promise<Float32Array> {
    return new Reader(this.ctx, 'read', s.size).readF32(s);
  }

  destroy(): void {
    this.ctx.destroy();
  }
}

/** Uniform floats in [lo, hi) from a seeded Rng. */
export function randoms(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r.next());
}

/** Max |got - want| / (atol + |want|) element-wise; 0 when equal, >1 when out of tolerance rtol. */
export function worst(got: ArrayLike<number>, want: ArrayLike<number>, rtol = 1e-4, atol = 1e-5): { ratio: number; at: number } {
  if (got.length < want.length) return { ratio: Infinity, at: -1 };
  let ratio = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const r = Math.abs(got[i] - want[i]) / (atol + rtol * Math.abs(want[i]));
    if (!(r <= ratio)) {
      ratio = r;
      at = i;
    }
  }
  return { ratio, at };
}
