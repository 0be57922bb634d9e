// BatchMatMul for wasm: the shipped kernel runs XNNPACK only for untransposed, unbatched operands and a
// naive loop otherwise; dense-layer gradients (x^T·dy, dy·W^T) hit the slow path. Transposing the
// operand explicitly (a cheap copy) routes them to XNNPACK.
// a·b^T with b much larger than a (dy·W^T of a wide layer) is computed as (b·a^T)^T: b is used as-is,
// only the small a and the result are transposed, and the GEMM gets the long dimension as its rows.
import { transpose, disposeAll, type TensorInfo, type WasmKernelArgs } from './kernel-call.ts';
import type * as tf from '@tensorflow/tfjs';

type KernelFn = (args: WasmKernelArgs) => TensorInfo;

function batchOf(shape: number[]): number {
  return shape.slice(0, -2).reduce((a, b) => a * b, 1);
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export function makeBatchMatMul(shipped: KernelFn): (args: WasmKernelArgs<tf.BatchMatMulAttrs>) => TensorInfo {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs;
    const fastPossible = a.dtype === 'float32' && batchOf(a.shape) === 1 && batchOf(b.shape) === 1;
    if (!fastPossible || (!transposeA && !transposeB)) {
      return shipped({ inputs, backend, attrs: attrs as unknown as tf.NamedAttrMap });
    }
    if (!transposeA && transposeB && a.shape.length === 2 && b.shape.length === 2 && b.shape[0] > a.shape[0]) {
      const aT = transpose(backend, a, [1, 0]);
      const outT = shipped({ inputs: { a: b, b: aT }, backend, attrs: { transposeA: false, transposeB: false } });
      const out = transpose(backend, outT, [1, 0]);
      disposeAll(backend, aT, outT);
      return out;
    }
    const aT = transposeA ? transpose(backend, a, swapLastTwo(a.shape.length)) : a;
    const bT = transposeB ? transpose(backend, b, swapLastTwo(b.shape.length)) : b;
    const out = shipped({ inputs: { a: aT, b: bT }, backend, attrs: { transposeA: false, transposeB: false } });
    if (aT !== a) disposeAll(backend, aT);
    if (bT !== b) disposeAll(backend, bT);
    return out;
  };
}
