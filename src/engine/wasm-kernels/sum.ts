// Sum for wasm over leading axes (bias gradients: dy summed over batch, rows, cols). The shipped kernel
// first transposes the whole tensor to put those axes last; summing rows in place needs no copy.
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmKernelArgs } from './kernel-call.ts';

type KernelFn = (args: WasmKernelArgs) => TensorInfo;

/** Number of leading axes reduced when `axes` is exactly 0..k-1 (k < rank); else 0. */
function leadingAxes(axes: number[], rank: number): number {
  const sorted = [...axes].sort((a, b) => a - b);
  const k = sorted.length;
  return k > 0 && k < rank && sorted.every((a, i) => a === i) ? k : 0;
}

export function makeSum(shipped: KernelFn): (args: WasmKernelArgs<tf.SumAttrs>) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const axes = tf.util.parseAxisParam(attrs.axis, x.shape);
    const k = leadingAxes(axes, x.shape.length);
    if (x.dtype !== 'float32' || k === 0) return shipped(args as unknown as WasmKernelArgs);

    const rowShape = x.shape.slice(k);
    const cols = rowShape.reduce((a, b) => a * b, 1);
    const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const outShape = attrs.keepDims ? tf.backend_util.expandShapeToKeepDim(rowShape, axes) : rowShape;
    const out = backend.makeOutput(outShape, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    const acc = new Float64Array(cols); // float64 like the cpu backend's accumulation
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) acc[c] += src[base + c];
    }
    dst.set(acc);
    return out;
  };
}
