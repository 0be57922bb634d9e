// Starting TF.js's threaded (pthreads + SIMD) wasm build in Node, for its shared memory: gemm.ts's worker
// threads run the heavy products on that heap. XNNPACK's own pool stays at one thread: it would wake
// its threads for every small elementwise op (tens of microseconds each, more on a VM), and its
// spinning threads would compete with gemm.ts's for the same cores (measured: fcnn 9.5k -> 4k img/s).
// TF.js 4.22 refuses the threaded build in Node, for three reasons, each worked around here for the
// duration of tf.setBackend('wasm') only:
// 1. WASM_HAS_MULTITHREAD_SUPPORT is hard-coded false when IS_NODE (tfjs issue #3830): we set the flag.
// 2. emscripten's pthread workers are created from a blob: URL, which worker_threads rejects
//    (ERR_WORKER_PATH): URL.createObjectURL returns our bootstrap file for that Blob instead.
// 3. The C++ side caps threads at emscripten_num_logical_cores()/2 (it assumes 2 hyperthreads per core),
//    which in Node is os.cpus().length/2: os.cpus reports enough cores meanwhile.
// Afterwards the pool's workers are unref'd: emscripten keeps running pthreads ref'd, so Node would never exit.
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
const WORKER_BOOTSTRAP = require.resolve('./wasm-thread-worker.cjs');

/** XNNPACK's pool on the threaded build (see above). */
const XNNPACK_THREADS = 1;

/** Starts the wasm backend: the plain SIMD build, or the threaded build (for its shared memory). */
export async function setWasmBackend(threaded: boolean): Promise<void> {
  if (!threaded) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // (also after a failed threaded start)
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to start');
    return;
  }
  const env = tf.env();
  const cpus = os.cpus;
  const createObjectURL = URL.createObjectURL;
  env.set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(XNNPACK_THREADS);
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: Math.max(real.length, 2 * XNNPACK_THREADS) }, (_, i) => real[i % real.length]);
  };
  URL.createObjectURL = (obj: Blob | MediaSource) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? WORKER_BOOTSTRAP : createObjectURL(obj);
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend failed to start');
  } finally {
    os.cpus = cpus;
    URL.createObjectURL = createObjectURL;
  }
  unrefPoolWorkers();
}

interface EmscriptenPThread {
  runningWorkers: { unref(): void }[];
  unusedWorkers: { unref(): void }[];
}

function unrefPoolWorkers(): void {
  const module = (tf.backend() as unknown as { wasm: { PThread?: EmscriptenPThread } }).wasm;
  for (const worker of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) {
    worker.unref();
  }
}
