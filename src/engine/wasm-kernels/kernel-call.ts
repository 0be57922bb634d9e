// Composing wasm kernels: call a kernel registered for 'wasm' directly on TensorInfos, so a
// training kernel can be built from the backend's fast ones (Conv2D, Transpose, BatchMatMul).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export type TensorInfo = tf.TensorInfo;

/** The kernel args every wasm kernelFunc receives (the backend is the wasm one). */
export interface WasmKernelArgs<A = tf.NamedAttrMap> {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: A;
}

export function callWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: Record<string, TensorInfo>,
  attrs: tf.NamedAttrMap = {},
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel ${name} is not registered`);
  const out = kernel.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel ${name} returned several outputs`);
  return out;
}

export function transpose(backend: BackendWasm, x: TensorInfo, perm: number[]): TensorInfo {
  return callWasmKernel('Transpose', backend, { x }, { perm });
}

/** Frees intermediates made inside a kernel (they never reach the engine's bookkeeping). */
export function disposeAll(backend: BackendWasm, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * Registers (or replaces) a kernel on 'wasm'. A replacement that calls the shipped kernel passes the
 * shipped config so its setupFunc (which binds the wasm export) still runs when the backend starts.
 */
export function registerWasm<A>(
  name: string,
  kernelFunc: (args: WasmKernelArgs<A>) => TensorInfo,
  wraps?: tf.KernelConfig,
): void {
  if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as tf.KernelFunc,
    setupFunc: wraps?.setupFunc,
    disposeFunc: wraps?.disposeFunc,
  });
}
