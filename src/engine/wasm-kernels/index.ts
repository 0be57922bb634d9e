// The training kernels the shipped wasm backend lacks (or runs as naive loops), registered in one place.
import { conv2dBackpropFilter } from './conv2d-backprop-filter.ts';
import { registerWasm } from './kernel-call.ts';

let registered = false;

/** Registers every added wasm training kernel; safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registerWasm('Conv2DBackpropFilter', conv2dBackpropFilter);
  registered = true;
}
