// Identity (and same-dtype Cast) for wasm: the shipped kernels copy the buffer; TF.js tensors are
// immutable, so sharing it with a reference count is enough (as the cpu backend and wasm Reshape do).
// Training calls Identity for every weight and optimizer slot each step.
import type * as tf from '@tensorflow/tfjs';
import type { TensorInfo, WasmKernelArgs } from './kernel-call.ts';

type KernelFn = (args: WasmKernelArgs) => TensorInfo;

function share(args: WasmKernelArgs): TensorInfo {
  const { x } = args.inputs;
  args.backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function makeIdentity(shipped: KernelFn): (args: WasmKernelArgs) => TensorInfo {
  return (args) => (args.inputs.x.dtype === 'string' ? shipped(args) : share(args));
}

export function makeCast(shipped: KernelFn): (args: WasmKernelArgs<tf.CastAttrs>) => TensorInfo {
  return (args) => {
    const generic = args as unknown as WasmKernelArgs;
    return args.inputs.x.dtype === args.attrs.dtype && args.attrs.dtype !== 'string' ? share(generic) : shipped(generic);
  };
}
