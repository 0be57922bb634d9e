// MaxPoolGrad for wasm: the shipped kernel is a naive per-channel loop. This one walks NHWC with the
// channel innermost (contiguous) and routes each dy to the first maximum of its window, like cpu.
// The models' 2x2 pooling runs in pool.wat (SIMD) when the channels are a multiple of 4.
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmKernelArgs } from './kernel-call.ts';
import { offsetOf } from './views.ts';
import { WatModule } from './wat-module.ts';

/** The 2x2 case four channels at a time (pool.wat); the JS loops below are its fallback and the general case. */
export const POOL_WAT = new WatModule(new URL('./pool.wat', import.meta.url));

type Shape4 = [number, number, number, number];

export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs<tf.MaxPoolGradAttrs>): TensorInfo {
  const { dy, input } = inputs;
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;

  const dxInfo = backend.makeOutput(input.shape, 'float32');
  // Views after the last allocation: heap growth would detach earlier ones.
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  const dx = backend.typedArrayFromHeap(dxInfo) as Float32Array;
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0 && 2 * OH <= H && 2 * OW <= W) {
    // (all windows inside the input: 'same' padding's partial windows take the general path)
    const simd = C % 4 === 0 && batchSize * OH * OW > 0 ? POOL_WAT.instanceFor(backend) : undefined;
    if (simd === undefined) {
      dx.fill(0);
      maxPoolGrad2x2(x, g, dx, batchSize, H, W, C, OH, OW);
      return dxInfo;
    }
    if (2 * OH < H || 2 * OW < W) dx.fill(0); // a last row/column no window covers
    const fn = simd.exports.maxPoolGrad2x2 as (...args: number[]) => void;
    fn(offsetOf(backend, input), offsetOf(backend, dy), offsetOf(backend, dxInfo), batchSize, H, W, C, OH, OW);
    return dxInfo;
  }
  dx.fill(0);
  const best = new Float32Array(C);
  const bestAt = new Int32Array(C);
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = oy * sh - top;
      const yMin = Math.max(0, y0);
      const yMax = Math.min(H, y0 + fh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = ox * sw - left;
        const xMin = Math.max(0, x0);
        const xMax = Math.min(W, x0 + fw);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let yy = yMin; yy < yMax; yy++) {
          for (let xx = xMin; xx < xMax; xx++) {
            const base = ((n * H + yy) * W + xx) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                bestAt[c] = base + c;
              }
            }
          }
        }
        const gBase = ((n * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          if (bestAt[c] >= 0) dx[bestAt[c]] += g[gBase + c];
        }
      }
    }
  }
  return dxInfo;
}

/**
 * The models' pooling (2x2, stride 2, valid): windows do not overlap, so after one zero fill (a native
 * memset) each window's first maximum gets its gradient with a single store. First maximum wins, like cpu
 * (starting from -Infinity, so a NaN never wins).
 */
function maxPoolGrad2x2(
  x: Float32Array, g: Float32Array, dx: Float32Array,
  batch: number, H: number, W: number, C: number, OH: number, OW: number,
): void {
  const rowStride = W * C;
  for (let n = 0; n < batch; n++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const p00 = ((n * H + 2 * oy) * W + 2 * ox) * C;
        const p01 = p00 + C;
        const p10 = p00 + rowStride;
        const p11 = p10 + C;
        const q = ((n * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          let k = -1;
          const a = x[p00 + c];
          if (a > m) { m = a; k = p00; }
          const b = x[p01 + c];
          if (b > m) { m = b; k = p01; }
          const d = x[p10 + c];
          if (d > m) { m = d; k = p10; }
          if (x[p11 + c] > m) k = p11;
          if (k >= 0) dx[k + c] = g[q + c];
        }
      }
    }
  }
}
