// Records dispatch lists into one compute pass of one command buffer; the caller submits it once.
import type { GpuCounters } from './counters.ts';
import type { Dispatch } from './kernels/kernel.ts';

/** A buffer-to-buffer copy recorded after the pass (e.g. the epoch accumulator into a readback buffer). */
export interface Copy {
  readonly from: GPUBuffer;
  readonly to: GPUBuffer;
  readonly bytes: number;
  readonly fromOffset?: number;
  readonly toOffset?: number;
}

/**
 * One command buffer with `lists` (in order) in a single compute pass, then `copies`. WebGPU orders
 * dispatches within a pass as written, and storage writes of one are visible to the next.
 */
export function recordStep(device: GPUDevice, counters: GpuCounters, lists: readonly (readonly Dispatch[])[], copies: readonly Copy[] = []): GPUCommandBuffer {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  let last: GPUComputePipeline | undefined;
  for (const list of lists) {
    for (const d of list) {
      if (d.pipeline !== last) pass.setPipeline(d.pipeline);
      last = d.pipeline;
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
      counters.dispatches++;
    }
  }
  pass.end();
  for (const c of copies) encoder.copyBufferToBuffer(c.from, c.fromOffset ?? 0, c.to, c.toOffset ?? 0, c.bytes);
  return encoder.finish();
}
