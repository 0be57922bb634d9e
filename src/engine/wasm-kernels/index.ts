// The training kernels the shipped wasm backend lacks (or runs as naive loops), registered in one place.
import * as tf from '@tensorflow/tfjs';
// Registers the shipped wasm kernels (which the replacements wrap) and the 'wasm' backend factory.
import '@tensorflow/tfjs-backend-wasm';
import { makeBatchMatMul } from './batch-mat-mul.ts';
import { makeConv2d, makeFusedConv2d } from './conv2d.ts';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.ts';
import { makeConv2dBackpropInput } from './conv2d-backprop-input.ts';
import { registerWasm, type TensorInfo, type WasmKernelArgs } from './kernel-call.ts';
import { makeCast, makeIdentity } from './identity.ts';
import { maxPoolGrad } from './max-pool-grad.ts';
import { makeSum } from './sum.ts';

/** 'required': only what training needs to run (Conv2DBackpropFilter); 'all': also the fast replacements. */
export type WasmKernelSet = 'required' | 'all';

let registered: WasmKernelSet | undefined;

type KernelFn = (args: WasmKernelArgs) => TensorInfo;
const shippedKernels = new Map<string, tf.KernelConfig>();

/** The kernel the wasm package registered under `name`, kept so replacements can fall back to it. */
function shipped(name: string): KernelFn {
  let config = shippedKernels.get(name);
  if (config === undefined) {
    config = tf.getKernel(name, 'wasm');
    if (config === undefined) throw new Error(`wasm backend has no ${name} kernel to wrap`);
    shippedKernels.set(name, config);
  }
  return config.kernelFunc as unknown as KernelFn;
}

/** Registers the added wasm training kernels; safe to call more than once (the first set wins). */
export function registerWasmTrainingKernels(set: WasmKernelSet = 'all'): void {
  if (registered !== undefined) return;
  registerWasm('Conv2DBackpropFilter', conv2dBackpropFilter);
  if (set === 'all') {
    registerWasm('Conv2D', makeConv2d(shipped('Conv2D')), shippedKernels.get('Conv2D'));
    registerWasm('FusedConv2D', makeFusedConv2d(shipped('FusedConv2D')), shippedKernels.get('FusedConv2D'));
    registerWasm('Conv2DBackpropInput', makeConv2dBackpropInput(shipped('Conv2DBackpropInput')), shippedKernels.get('Conv2DBackpropInput'));
    registerWasm('BatchMatMul', makeBatchMatMul(shipped('BatchMatMul')), shippedKernels.get('BatchMatMul'));
    registerWasm('Sum', makeSum(shipped('Sum')), shippedKernels.get('Sum'));
    registerWasm('MaxPoolGrad', maxPoolGrad);
    registerWasm('Identity', makeIdentity(shipped('Identity')), shippedKernels.get('Identity'));
    registerWasm('Cast', makeCast(shipped('Cast')), shippedKernels.get('Cast'));
  }
  registered = set;
}
