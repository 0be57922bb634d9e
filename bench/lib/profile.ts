// Per-kernel profile of one training step (tf.profile): where a step's time goes, kernel by kernel.
import * as tf from '@tensorflow/tfjs';
import type { Batch } from '../../src/training/batches.ts';

export interface KernelRow {
  kernel: string;
  ms: number;
  calls: number;
  /** ms / the step's wall time. */
  share: number;
}

export interface StepProfile {
  model: string;
  batchSize: number;
  /** Wall time of the profiled step (profiling adds a little overhead). */
  stepMs: number;
  /** Sum over all kernels; the rest of the step is JS (autograd bookkeeping, optimizer glue). */
  kernelMs: number;
  kernels: KernelRow[];
}

export async function profileStep(name: string, model: tf.LayersModel, batch: Batch, top: number): Promise<StepProfile> {
  await model.trainOnBatch(batch.x, batch.y); // never profile a cold step
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await model.trainOnBatch(batch.x, batch.y);
  });
  const stepMs = performance.now() - t0;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0; // an object only when a GPU timer failed
    e.calls += 1;
    byKernel.set(k.name, e);
  }
  const rows = [...byKernel.entries()].map(([kernel, e]) => ({ kernel, ms: e.ms, calls: e.calls, share: e.ms / stepMs }));
  rows.sort((a, b) => b.ms - a.ms);
  const kernelMs = rows.reduce((a, r) => a + r.ms, 0);
  return { model: name, batchSize: batch.x.shape[0], stepMs, kernelMs, kernels: rows.slice(0, top) };
}
