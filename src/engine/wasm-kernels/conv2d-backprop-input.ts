// Conv2DBackpropInput for wasm: the shipped kernel is a naive loop. For stride 1 (what the models
// use), dx is a full correlation of dy with the 180°-rotated, in/out-swapped filter: one XNNPACK Conv2D.
// Other strides fall back to the shipped kernel (dy would need zero-dilation first).
import * as tf from '@tensorflow/tfjs';
import { callWasmKernel, disposeAll, transpose, type TensorInfo, type WasmKernelArgs } from './kernel-call.ts';

type KernelFn = (args: WasmKernelArgs) => TensorInfo;
type Shape4 = [number, number, number, number];

export function makeConv2dBackpropInput(shipped: KernelFn): (args: WasmKernelArgs<tf.Conv2DBackpropInputAttrs>) => TensorInfo {
  return (args) => {
    const { inputs, backend, attrs } = args;
    const { dy, filter } = inputs;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape as Shape4, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false,
      tf.backend_util.convertConv2DDataFormat(dataFormat),
    );
    const { filterHeight: kh, filterWidth: kw, strideHeight, strideWidth } = info;
    const { top, bottom, left, right } = info.padInfo;
    const padding = [[0, 0], [kh - 1 - top, kh - 1 - bottom], [kw - 1 - left, kw - 1 - right], [0, 0]];
    const simple = strideHeight === 1 && strideWidth === 1 && info.dataFormat === 'channelsLast' &&
      padding.every(([p, q]) => p >= 0 && q >= 0);
    if (!simple) return shipped(args as unknown as WasmKernelArgs);

    const flipped = callWasmKernel('Reverse', backend, { x: filter }, { dims: [0, 1] });
    const swapped = transpose(backend, flipped, [0, 1, 3, 2]); // [kh, kw, outC, inC]
    const dx = callWasmKernel('Conv2D', backend, { x: dy, filter: swapped }, {
      strides: [1, 1], pad: padding, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: null,
    } as unknown as tf.NamedAttrMap);
    disposeAll(backend, flipped, swapped);
    return dx;
  };
}
