// The --backend vocabulary, without TF.js: commands parse and check their flags before loading the engine.
import { UserError } from '../errors.ts';

export type BackendChoice = 'auto' | 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'];

/** The flag that lets webgpu take a software adapter, as train, run, predict, evaluate and bench spell it. */
export const ALLOW_SOFTWARE_GPU_OPTION = '--allow-software-gpu';
export const ALLOW_SOFTWARE_GPU_HELP = 'webgpu: accept a software adapter (llvmpipe, lavapipe, SwiftShader), far slower than wasm: for tests';

/** The --backend choices that may use a GPU, where --allow-software-gpu has an effect. */
const GPU_BACKENDS: readonly string[] = ['auto', 'webgpu'];

/** --allow-software-gpu given with a backend that never uses a GPU is refused, like any flag without effect. */
export function checkAllowSoftwareGpuApplies(backend: string, given: boolean): void {
  if (given && !GPU_BACKENDS.includes(backend)) {
    throw new UserError(`${ALLOW_SOFTWARE_GPU_OPTION}: no effect with --backend ${backend} (it lets webgpu take a software adapter); drop it`);
  }
}
