// BatchMatMul for wasm. The shipped kernel runs XNNPACK only for untransposed, unbatched operands (a
// naive loop otherwise) and re-packs its "weights" operand on every call, which in training is every
// call: weights and gradients are new tensors each step. gemm.wat handles any layout and batch
// broadcasting with a cheap per-call packing; the XNNPACK route below is the fallback when the GEMM
// module is not ready (it is compiled when the backend starts).
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gemmFor } from './gemm.ts';
import { transpose, disposeAll, type TensorInfo, type WasmKernelArgs } from './kernel-call.ts';
import { offsetOf } from './views.ts';

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

/** a . b (each optionally transposed, batches equal or one of them 1) with gemm.wat; undefined if it cannot. */
function viaGemm(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | undefined {
  const gemm = gemmFor(backend);
  const batchA = batchOf(a.shape);
  const batchB = batchOf(b.shape);
  if (gemm === undefined || a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const [ar, ac] = a.shape.slice(-2);
  const [br, bc] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ac, ar] : [ar, ac];
  const n = transposeB ? br : bc;
  const batch = Math.max(batchA, batchB);
  const outer = (batchA >= batchB ? a : b).shape.slice(0, -2);
  const out = backend.makeOutput([...outer, m, n], 'float32');
  const [pa, pb, pc] = [offsetOf(backend, a), offsetOf(backend, b), offsetOf(backend, out)];
  for (let i = 0; i < batch; i++) {
    const aAt = pa + (batchA === 1 ? 0 : i * ar * ac * 4);
    const bAt = pb + (batchB === 1 ? 0 : i * br * bc * 4);
    gemm.matMul(m, n, k,
      transposeA ? { ptr: aAt, rs: 1, cs: m } : { ptr: aAt, rs: k, cs: 1 },
      transposeB ? { ptr: bAt, rs: 1, cs: k } : { ptr: bAt, rs: n, cs: 1 },
      pc + i * m * n * 4);
  }
  return out;
}

export function makeBatchMatMul(shipped: KernelFn): (args: WasmKernelArgs<tf.BatchMatMulAttrs>) => TensorInfo {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs;
    const { transposeA, transposeB } = attrs;
    const fast = viaGemm(backend, a, b, transposeA, transposeB);
    if (fast !== undefined) return fast;
    const fastPossible = a.dtype === 'float32' && batchOf(a.shape) === 1 && batchOf(b.shape) === 1;
    if (!fastPossible || (!transposeA && !transposeB)) {
      return shipped({ inputs, backend, attrs: attrs as unknown as tf.NamedAttrMap });
    }
    // XNNPACK fallback: transpose explicitly (a cheap copy) so the shipped kernel takes its fast path.
    // a.b^T with b much larger than a (dy.W^T of a wide layer) is computed as (b.a^T)^T.
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
