// Conv2DBackpropFilter for wasm (not shipped): dW = correlation of x with dy, computed as one wasm
// (XNNPACK) Conv2D on transposed operands: batch <- inChannels, channels <- N, filter <- dy,
// the original stride becomes the filter dilation.
import * as tf from '@tensorflow/tfjs';
import { callWasmKernel, disposeAll, transpose, type TensorInfo, type WasmKernelArgs } from './kernel-call.ts';

type Shape4 = [number, number, number, number];

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

  // Rows/cols the correlation reads: (k-1) + (o-1)*s + 1 from -pad; crop the rest, pad the gap.
  const needH = kh + (oh - 1) * sh - top;
  const needW = kw + (ow - 1) * sw - left;
  let xs = x;
  if (needH < h || needW < w) {
    xs = callWasmKernel('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [n, Math.min(h, needH), Math.min(w, needW), ci] });
  }
  const xT = transpose(backend, xs, [3, 1, 2, 0]); // [ci, h, w, n]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [oh, ow, n, co]
  const padding = [[0, 0], [top, Math.max(0, needH - h)], [left, Math.max(0, needW - w)], [0, 0]];
  const dwT = callWasmKernel('Conv2D', backend, { x: xT, filter: dyT }, {
    strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: null,
  } as unknown as tf.NamedAttrMap); // [ci, kh, kw, co]
  const dw = transpose(backend, dwT, [1, 2, 0, 3]);
  disposeAll(backend, xT, dyT, dwT);
  if (xs !== x) disposeAll(backend, xs);
  return dw;
}
