// Per-kernel timings at the study cnn's shapes (batch 128): ms (best of N) and GFLOP/s.
//   npx tsx bench/kernels-micro.ts [--threads 1] [--kernels all|required] [--reps 5] [--clock wall|cpu]
// --clock cpu times this process's CPU time (user + system) instead of the wall clock: steadier on a
// loaded machine, and meaningful for one thread only (with more it sums their time).
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/engine/backend.ts';
import { registerWasmTrainingKernels, type WasmKernelSet } from '../src/engine/wasm-kernels/index.ts';

const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '1' },
    kernels: { type: 'string', default: 'all' },
    reps: { type: 'string', default: '5' },
    only: { type: 'string', default: '' },
    clock: { type: 'string', default: 'wall' },
  },
});
registerWasmTrainingKernels(args.kernels as WasmKernelSet);
await initBackend('wasm', { threads: Number(args.threads) });

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const now = args.clock === 'cpu' ? cpuMs : (): number => performance.now();

function bestMs(fn: () => tf.Tensor): number {
  let best = Infinity;
  for (let r = 0; r < Number(args.reps) + 1; r++) {
    const t0 = now();
    const out = fn(); // wasm kernels run synchronously: no read-back needed (it would add a copy)
    const ms = now() - t0;
    out.dispose();
    if (r > 0) best = Math.min(best, ms); // first run: XNNPACK operator creation
  }
  return best;
}

function report(name: string, flops: number, fn: () => tf.Tensor): void {
  if (args.only !== '' && !name.includes(args.only)) return;
  const ms = bestMs(fn);
  console.log(`${name.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms ${(flops / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
}

const N = 128;
for (const [name, h, ci, co] of [['conv1 28x28x1->32', 28, 1, 32], ['conv2 26x26x32->64', 26, 32, 64]] as const) {
  const x = tf.randomUniform([N, h, h, ci]) as tf.Tensor4D;
  const f = tf.randomUniform([3, 3, ci, co]) as tf.Tensor4D;
  const o = h - 2;
  const dy = tf.randomUniform([N, o, o, co]) as tf.Tensor4D;
  const flops = 2 * N * o * o * 9 * ci * co;
  report(`${name} Conv2D`, flops, () => tf.conv2d(x, f, 1, 'valid'));
  report(`${name} Conv2DBackpropFilter`, flops, () =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [3, 3, ci, co] } as unknown as tf.NamedAttrMap) as tf.Tensor);
  report(`${name} Conv2DBackpropInput`, flops, () =>
    tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [N, h, h, ci] } as unknown as tf.NamedAttrMap) as tf.Tensor);
}
const pooled = tf.randomUniform([N, 24, 24, 64]) as tf.Tensor4D;
const pdy = tf.randomUniform([N, 12, 12, 64]);
report('MaxPoolGrad 24x24x64', N * 24 * 24 * 64, () =>
  tf.engine().runKernel('MaxPoolGrad', { dy: pdy, input: pooled, output: tf.maxPool(pooled, 2, 2, 'valid') }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' } as unknown as tf.NamedAttrMap) as tf.Tensor);
const a = tf.randomUniform([N, 9216]);
const w = tf.randomUniform([9216, 128]);
const g = tf.randomUniform([N, 128]);
report('dense1 x.W [128x9216].[9216x128]', 2 * N * 9216 * 128, () => tf.matMul(a, w));
report('dense1 dW = x^T.dy', 2 * N * 9216 * 128, () => tf.matMul(a, g, true, false));
report('dense1 dx = dy.W^T', 2 * N * 9216 * 128, () => tf.matMul(g, w, false, true));
report('Sum bias grad [128,24,24,64] over 0,1,2', N * 24 * 24 * 64, () => tf.sum(pooled, [0, 1, 2]));
// The pieces of Conv2DBackpropFilter (conv2 shapes): two transposes and one XNNPACK conv.
{
  const x = tf.randomUniform([N, 26, 26, 32]) as tf.Tensor4D;
  const dy = tf.randomUniform([N, 24, 24, 64]) as tf.Tensor4D;
  const elems = N * 26 * 26 * 32;
  report('Transpose x [3,1,2,0] (GB/s as GFLOP/s*4)', elems, () => tf.transpose(x, [3, 1, 2, 0]));
  report('Transpose dy [1,2,0,3]', N * 24 * 24 * 64, () => tf.transpose(dy, [1, 2, 0, 3]));
  const xT = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D;
  const dyT = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
  report('bpf conv: [32,26,26,128] * [24,24,128,64]', 2 * N * 24 * 24 * 9 * 32 * 64, () => tf.conv2d(xT, dyT, 1, 'valid'));
  report('Slice x window [N,24,24,32]', N * 24 * 24 * 32, () => tf.slice(x, [0, 1, 1, 0], [N, 24, 24, 32]));
}
