// Conv2D for wasm on gemm.wat: y = im2col(x) . W, the im2col panels packed straight from x. XNNPACK's
// convolution (the shipped kernel) re-packs the filter on every call, which in training is every call,
// and runs on XNNPACK's thread pool rather than gemm.ts's. Channel counts that are not a multiple of 4
// (the first layer of an image model: 1 channel, a few MFLOP) and NCHW keep the shipped kernel.
// 3x3 stride-1 convolutions (the cnn's conv2, and its input gradient) take Winograd F(2x2,3x3)
// (winograd.ts). FusedConv2D (what layers use outside training: predict, evaluate) takes it too, with
// the bias and ReLU applied as the outputs are written instead of in two more passes.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { gemmFor } from './gemm.ts';
import type { TensorInfo, WasmKernelArgs } from './kernel-call.ts';
import { offsetOf } from './views.ts';
import { winogradApplies, winogradConv2d } from './winograd.ts';

type KernelFn = (args: WasmKernelArgs) => TensorInfo;
type Shape4 = [number, number, number, number];

/** y = conv(x, filter) (+ bias, ReLU: Winograd only) on gemm.wat, or undefined where the shipped kernel must do it. */
function convOnGemm(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, attrs: tf.Conv2DAttrs, epilogue?: { bias?: TensorInfo; relu: boolean }): TensorInfo | undefined {
  const gemm = gemmFor(backend);
  const ci = x.shape[3];
  if (gemm === undefined || attrs.dataFormat !== 'NHWC' || ci % 4 !== 0 || x.dtype !== 'float32' || filter.dtype !== 'float32') return undefined;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as Shape4, filter.shape as Shape4, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const winograd = winogradApplies(filterHeight, filterWidth, [info.strideHeight, info.strideWidth], [info.dilationHeight, info.dilationWidth], ci, outChannels);
  if (epilogue !== undefined && !winograd) return undefined;
  const y = backend.makeOutput([batchSize, outHeight, outWidth, outChannels], 'float32');
  if (winograd) {
    const bias = epilogue?.bias === undefined ? 0 : offsetOf(backend, epilogue.bias);
    winogradConv2d(gemm, {
      x: offsetOf(backend, x), batch: batchSize, h: inHeight, w: inWidth, ci, top: info.padInfo.top, left: info.padInfo.left,
      oh: outHeight, ow: outWidth, co: outChannels,
    }, offsetOf(backend, filter), offsetOf(backend, y), bias, epilogue?.relu ?? false);
    return y;
  }
  gemm.im2colMatMul(
    {
      ptr: offsetOf(backend, x), batch: batchSize, h: inHeight, w: inWidth, c: ci, kh: filterHeight, kw: filterWidth,
      sh: info.strideHeight, sw: info.strideWidth, dh: info.dilationHeight, dw: info.dilationWidth,
      top: info.padInfo.top, left: info.padInfo.left, oh: outHeight, ow: outWidth,
    },
    outChannels, { ptr: offsetOf(backend, filter), rs: outChannels, cs: 1 }, offsetOf(backend, y));
  return y;
}

export function makeConv2d(shipped: KernelFn): (args: WasmKernelArgs<tf.Conv2DAttrs>) => TensorInfo {
  return (args) => convOnGemm(args.backend, args.inputs.x, args.inputs.filter, args.attrs) ?? shipped(args as unknown as WasmKernelArgs);
}

type FusedConv2DAttrs = tf.Conv2DAttrs & { activation: string };

/** FusedConv2D: Winograd with the bias [co] and a linear or ReLU activation fused; anything else is the shipped kernel's. */
export function makeFusedConv2d(shipped: KernelFn): (args: WasmKernelArgs<FusedConv2DAttrs>) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { x, filter, bias, preluActivationWeights } = inputs;
    const fusable = (attrs.activation === 'relu' || attrs.activation === 'linear') && preluActivationWeights === undefined &&
      (bias === undefined || (bias.shape.length === 1 && bias.shape[0] === filter.shape[3] && bias.dtype === 'float32'));
    const y = fusable ? convOnGemm(backend, x, filter, attrs, { bias, relu: attrs.activation === 'relu' }) : undefined;
    return y ?? shipped(args as unknown as WasmKernelArgs);
  };
}
