// A GEMM worker thread (gemm.ts's thread pool): runs gemm.wat's `run` on jobs in the shared wasm heap.
// Protocol on its Int32Array control block: the main thread writes the job's heap offset to [1], then
// bumps the sequence number [0] and notifies; the worker runs the job and writes that number to [2]
// ([3] = 1 if the job trapped).
// A negative sequence number ends the worker.
'use strict';
/* global require, performance */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS worker, loaded without tsx */
const { workerData, parentPort } = require('node:worker_threads');

const { wasmModule, memory, control, spinMs } = workerData;
const { run } = new WebAssembly.Instance(wasmModule, { env: { memory } }).exports;
const ctl = new Int32Array(control);
parentPort.postMessage('ready');
// After a job the worker spins `spinMs` before sleeping: a training step issues its products ~1 ms
// apart, and waking a sleeping thread (a futex, an IPI on a VM) costs far more than the spin.
let seen = 0;
for (;;) {
  const until = performance.now() + spinMs;
  while (Atomics.load(ctl, 0) === seen && performance.now() < until) {
    for (let i = 0; i < 256 && Atomics.load(ctl, 0) === seen; i++);
  }
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (seen < 0) break;
  try {
    run(Atomics.load(ctl, 1));
  } catch {
    Atomics.store(ctl, 3, 1); // a trap: the main thread throws instead of using a partial product
  }
  Atomics.store(ctl, 2, seen);
  Atomics.notify(ctl, 2);
}
