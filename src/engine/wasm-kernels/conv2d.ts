// Conv2D for wasm on gemm.wat: y = im2col(x) . W, the im2col panels packed straight from x. XNNPACK's
// convolution (the shipped kernel) re-packs the filter on every call, which in training is every call,
// and runs on XNNPACK's thread pool rather than gemm.ts's. Channel counts that are not a multiple of 4
// (the first layer of an image model: 1 channel, a few MFLOP) and NCHW keep the shipped kernel.
import * as tf from '@tensorflow/tfjs';
import { gemmFor } from './gemm.ts';
import type { TensorInfo, WasmKernelArgs } from './kernel-call.ts';
import { offsetOf } from './views.ts';

type KernelFn = (args: WasmKernelArgs) => TensorInfo;
type Shape4 = [number, number, number, number];

export function makeConv2d(shipped: KernelFn): (args: WasmKernelArgs<tf.Conv2DAttrs>) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, filter } = inputs;
    const gemm = gemmFor(backend);
    const ci = x.shape[3];
    if (gemm === undefined || attrs.dataFormat !== 'NHWC' || ci % 4 !== 0 || x.dtype !== 'float32' || filter.dtype !== 'float32') {
      return shipped(args as unknown as WasmKernelArgs);
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode,
    );
    const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
    const y = backend.makeOutput([batchSize, outHeight, outWidth, outChannels], 'float32');
    gemm.im2colMatMul(
      {
        ptr: offsetOf(backend, x), batch: batchSize, h: inHeight, w: inWidth, c: ci, kh: filterHeight, kw: filterWidth,
        sh: info.strideHeight, sw: info.strideWidth, dh: info.dilationHeight, dw: info.dilationWidth,
        top: info.padInfo.top, left: info.padInfo.left, oh: outHeight, ow: outWidth,
      },
      outChannels, { ptr: offsetOf(backend, filter), rs: outChannels, cs: 1 }, offsetOf(backend, y));
    return y;
  };
}
