// Zero-copy views of a batch range of an NHWC tensor in the wasm heap (batch slices are contiguous).
// A view is registered with the backend at an offset inside its parent's buffer, so it must be
// released with releaseView (which never frees memory), not disposeData (which would free the offset).
import type { TensorInfo } from './kernel-call.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A view of rows [start, start + count) along axis 0 of a float32 tensor. */
export function batchView(backend: BackendWasm, t: TensorInfo, start: number, count: number): TensorInfo {
  const rowFloats = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const base = backend.dataIdMap.get(t.dataId);
  if (base === undefined) throw new Error('batchView: tensor is not in the wasm backend');
  return backend.makeOutput([count, ...t.shape.slice(1)], 'float32', base.memoryOffset + 4 * rowFloats * start);
}

export function releaseView(backend: BackendWasm, view: TensorInfo): void {
  const data = backend.dataIdMap.get(view.dataId);
  if (data === undefined) return;
  backend.wasm.tfjs.disposeData(data.id); // C++ bookkeeping (and cached XNNPACK operators) only
  backend.dataIdMap.delete(view.dataId);
}

/** The byte offset of a tensor's data in the wasm heap. */
export function offsetOf(backend: BackendWasm, t: TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (data === undefined) throw new Error('tensor is not in the wasm backend');
  return data.memoryOffset;
}
