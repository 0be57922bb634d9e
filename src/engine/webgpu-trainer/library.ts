// The kernel library the engine compiles with: the kernels folder's builders (./kernels/) adapted to
// KernelLibrary's calls. An operation whose builder has not landed throws UnsupportedModelError when a
// model needs it, so such models train with TF.js's webgpu backend instead (with one console note).
import type { KernelLibrary } from './kernel-library.ts';
import { UnsupportedModelError } from './model-spec.ts';

const missing = (op: string) => (): never => {
  throw new UnsupportedModelError(`the ${op} kernel is not written yet`);
};

/** The library in use: builders from ./kernels/ where they exist. */
export function defaultKernelLibrary(): KernelLibrary {
  return {
    denseForward: missing('dense forward'),
    denseBackward: missing('dense backward'),
    softmaxCrossEntropy: missing('softmax cross-entropy'),
    dropoutForward: missing('dropout'),
    dropoutBackward: missing('dropout backward'),
    optimizer: missing('optimizer'),
  };
}
