// Conv2DBackpropFilter for wasm (not shipped): dW = correlation of x with dy, computed as wasm
// (XNNPACK) Conv2D calls on transposed operands: batch <- inChannels, channels <- N, filter <- dy,
// the original stride becomes the filter dilation.
// One conv over the whole batch makes dy a "filter" of oh*ow*N*outC floats (19 MB for the cnn's conv2)
// that XNNPACK re-streams for every tile of output rows; chunking the batch keeps it cache-sized.
// Chunks are zero-copy views (NHWC batch ranges are contiguous); partial sums accumulate in JS.
// With gemm.wat ready and channels a multiple of 4, dW = im2col(x)^T . dy is one GEMM that packs the
// im2col panels straight from x (never materialised); the XNNPACK routes are the fallback.
// Few input channels (the first layer): the transposed im2col [kh*kw*inC, N*oh*ow] is small, and one
// XNNPACK matmul with dy as-is gives dW directly, without transposing dy.
// 3x3 stride-1 filters take Winograd F(2x2,3x3) (winograd.ts).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasmKernel, disposeAll, transpose, type TensorInfo, type WasmKernelArgs } from './kernel-call.ts';
import { gemmFor } from './gemm.ts';
import { batchView, offsetOf, releaseView } from './views.ts';
import { winogradApplies, winogradFilterGrad } from './winograd.ts';

type Shape4 = [number, number, number, number];

/** Floats of dy per chunk: about 2 MB, the L2 size of common x86 cores. */
const CHUNK_FLOATS = Number(process.env.KMNIST_BPF_CHUNK_FLOATS ?? 512 * 1024);
/** im2col path when a patch has at most this many values (the cnn's first layer: 9)... */
const IM2COL_MAX_PATCH = 36;
/** ...and the transposed im2col stays under 64 MB. */
const IM2COL_MAX_FLOATS = 16 * 1024 * 1024;

export function conv2dBackpropFilter({ inputs, backend, attrs }: WasmKernelArgs<tf.Conv2DBackpropFilterAttrs>): TensorInfo {
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, filterShape as Shape4, strides, 1, pad, dimRoundingMode, false,
    tf.backend_util.convertConv2DDataFormat(dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') throw new Error('wasm Conv2DBackpropFilter supports channelsLast only');
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const [n, h, w, ci] = x.shape;
  const co = dy.shape[3];

  const gemm = gemmFor(backend);
  if (gemm !== undefined && ci % 4 === 0 && x.dtype === 'float32' && dy.dtype === 'float32') {
    const dw = backend.makeOutput([kh, kw, ci, co], 'float32');
    const { dilationHeight: dh, dilationWidth: dwid } = info;
    if (winogradApplies(kh, kw, [sh, sw], [dh, dwid], ci, co)) {
      winogradFilterGrad(gemm, { x: offsetOf(backend, x), batch: n, h, w, ci, top, left, oh, ow, co }, offsetOf(backend, dy), offsetOf(backend, dw));
      return dw;
    }
    gemm.im2colTMatMul(
      { ptr: offsetOf(backend, x), batch: n, h, w, c: ci, kh, kw, sh, sw, dh, dw: dwid, top, left, oh, ow },
      co, { ptr: offsetOf(backend, dy), rs: co, cs: 1 }, offsetOf(backend, dw));
    return dw;
  }

  if (kh * kw * ci <= IM2COL_MAX_PATCH && kh * kw * ci * n * oh * ow <= IM2COL_MAX_FLOATS) {
    return viaIm2col(backend, x, dy, info);
  }

  // Rows/cols the correlation reads: (k-1) + (o-1)*s + 1 from -pad; crop the rest, pad the gap.
  const needH = kh + (oh - 1) * sh - top;
  const needW = kw + (ow - 1) * sw - left;
  let xs = x;
  if (needH < h || needW < w) {
    xs = callWasmKernel('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [n, Math.min(h, needH), Math.min(w, needW), ci] });
  }
  const padding = [[0, 0], [top, Math.max(0, needH - h)], [left, Math.max(0, needW - w)], [0, 0]];
  const convAttrs = { strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: null };

  const chunk = Math.max(1, Math.min(n, Math.floor(CHUNK_FLOATS / (oh * ow * co))));
  const acc = new Float32Array(ci * kh * kw * co); // [ci, kh, kw, co]
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const xv = batchView(backend, xs, start, count);
    const dyv = batchView(backend, dy, start, count);
    const xT = transpose(backend, xv, [3, 1, 2, 0]); // [ci, h, w, count]
    const dyT = transpose(backend, dyv, [1, 2, 0, 3]); // [oh, ow, count, co]
    releaseView(backend, xv);
    releaseView(backend, dyv);
    const part = callWasmKernel('Conv2D', backend, { x: xT, filter: dyT }, convAttrs as unknown as tf.NamedAttrMap);
    const p = backend.typedArrayFromHeap(part) as Float32Array;
    for (let i = 0; i < acc.length; i++) acc[i] += p[i];
    disposeAll(backend, xT, dyT, part);
  }
  if (xs !== x) disposeAll(backend, xs);

  const dw = backend.makeOutput([kh, kw, ci, co], 'float32');
  const out = backend.typedArrayFromHeap(dw) as Float32Array;
  for (let c = 0; c < ci; c++) {
    for (let k = 0; k < kh * kw; k++) {
      const src = (c * kh * kw + k) * co;
      const dst = (k * ci + c) * co;
      for (let o = 0; o < co; o++) out[dst + o] = acc[src + o];
    }
  }
  return dw;
}

/** dW [kh*kw*ci, co] = im2col(x)^T [kh*kw*ci, N*oh*ow] . dy [N*oh*ow, co] (zero where padding). */
function viaIm2col(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const [n, h, w, ci] = x.shape;
  const co = dy.shape[3];
  const cols = n * oh * ow;
  const patches = backend.makeOutput([kh * kw * ci, cols], 'float32');
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(patches) as Float32Array;
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      for (let c = 0; c < ci; c++) {
        let d = ((ky * kw + kx) * ci + c) * cols;
        for (let b = 0; b < n; b++) {
          for (let oy = 0; oy < oh; oy++) {
            const iy = oy * sh + ky * dh - top;
            const rowOk = iy >= 0 && iy < h;
            const rowBase = (b * h + iy) * w;
            for (let ox = 0; ox < ow; ox++) {
              const ix = ox * sw + kx * dw - left;
              dst[d++] = rowOk && ix >= 0 && ix < w ? src[(rowBase + ix) * ci + c] : 0;
            }
          }
        }
      }
    }
  }
  const dy2d = { dataId: dy.dataId, shape: [cols, co], dtype: dy.dtype }; // same buffer, 2-D shape
  const out = callWasmKernel('BatchMatMul', backend, { a: patches, b: dy2d }, { transposeA: false, transposeB: false });
  disposeAll(backend, patches);
  return { dataId: out.dataId, shape: [kh, kw, ci, co], dtype: out.dtype };
}
