// The kernel library the engine compiles with: the kernels folder's builders (./kernels/) behind
// KernelLibrary's calls. An operation whose builder has not landed throws UnsupportedModelError when a
// model needs it, so such models train with TF.js's webgpu backend instead (with one console note).
import type { KernelLibrary } from './kernel-library.ts';
import { buildBatchNormBackward, buildBatchNormForward, buildGlobalAvgPoolBackward, buildGlobalAvgPoolForward } from './kernels/batchnorm.ts';
import { buildConv2dBackward, buildConv2dForward } from './kernels/conv2d.ts';
import { buildDropoutBackward, buildDropoutForward, buildReluBackward, buildReluForward } from './kernels/elementwise.ts';
import { buildDenseBackward, buildDenseForward } from './kernels/gemm.ts';
import { buildOptimizer } from './kernels/optimizer.ts';
import { buildMaxPoolBackward, buildMaxPoolForward } from './kernels/pool.ts';
import { buildSoftmaxCrossEntropy } from './kernels/softmax-xent.ts';

/** The library in use: builders from ./kernels/ where they exist (optional members absent: not written yet). */
export function defaultKernelLibrary(): KernelLibrary {
  return {
    denseForward: buildDenseForward,
    denseBackward: buildDenseBackward,
    softmaxCrossEntropy: buildSoftmaxCrossEntropy,
    dropoutForward: buildDropoutForward,
    dropoutBackward: buildDropoutBackward,
    reluForward: buildReluForward,
    reluBackward: buildReluBackward,
    conv2dForward: buildConv2dForward,
    conv2dBackward: buildConv2dBackward,
    maxPoolForward: buildMaxPoolForward,
    maxPoolBackward: buildMaxPoolBackward,
    batchNormForward: buildBatchNormForward,
    batchNormBackward: buildBatchNormBackward,
    globalAvgPoolForward: buildGlobalAvgPoolForward,
    globalAvgPoolBackward: buildGlobalAvgPoolBackward,
    optimizer: buildOptimizer,
  };
}
