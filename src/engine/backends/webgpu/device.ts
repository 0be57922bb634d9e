// The GPUDevice our training engine (src/engine/webgpu-trainer/) records on: the one TF.js's webgpu backend
// was started with (so validation through the TF.js model and training share one device), or a device on
// Dawn's null backend (no GPU work: it measures the CPU cost of issuing the work, see bench/bench.ts).
import * as tf from '@tensorflow/tfjs';
import { createGpu } from './dawn.ts';

/** The device of the active TF.js webgpu backend, or undefined when webgpu is not the active backend. */
export function activeWebGpuDevice(): GPUDevice | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  return device;
}

/** A device on Dawn's null backend (accepts everything, executes nothing; readbacks return zeros). */
export async function nullBackendDevice(): Promise<GPUDevice> {
  const gpu = await createGpu(['backend=null']);
  const adapter = (await gpu.requestAdapter({})) as unknown as GPUAdapter | null;
  if (!adapter) throw new Error("Dawn's null backend offered no adapter");
  return adapter.requestDevice();
}
