// Backend choice: tfjs-node ('tensorflow') when installed, else wasm (with our training kernels), else cpu.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { GEMM_WAT, gemmFor } from './wasm-kernels/gemm.ts';
import { RANDOM_WAT } from './wasm-kernels/dropout-mask.ts';
import { POOL_WAT } from './wasm-kernels/max-pool-grad.ts';
import { registerWasmTrainingKernels } from './wasm-kernels/index.ts';
import { setWasmBackend } from './wasm-threads.ts';
import { threadsFromEnv, type BackendChoice } from './threads.ts';

// The light half (choices, thread counts) lives in threads.ts so the CLI can parse flags without loading TF.js.
export { BACKEND_CHOICES, checkThreads, MAX_THREADS, THREADS_ENV, threadsPerJob, type BackendChoice } from './threads.ts';

export interface BackendInfo {
  name: string;
  tfjsVersion: string;
  /** wasm only: whether the SIMD binary is in use. */
  wasmSimd?: boolean;
  /** wasm only: threads the matrix products (gemm.ts) run on (1 unless the threaded binary loaded). */
  wasmThreads?: number;
}

const TFJS_NODE = '@tensorflow/tfjs-node';
let wasmThreads: number | undefined;

/** Imports tfjs-node if it is installed; a variable specifier keeps it optional for tsc and bundlers. */
async function tryTfjsNode(): Promise<boolean> {
  try {
    const spec: string = TFJS_NODE;
    await import(spec);
    return tf.findBackend('tensorflow') !== null;
  } catch {
    return false;
  }
}

export interface InitBackendOptions {
  /**
   * Threads for wasm's matrix products. Default: $KMNIST_LAB_WASM_THREADS, else 1 (the study runs one process
   * per core with --jobs; more threads only pay off on otherwise idle cores).
   */
  threads?: number;
}

function defaultThreads(): number {
  return threadsFromEnv() ?? 1;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const warn = (message: string): void => void process.stderr.write(`warning: ${message}\n`);

/**
 * Starts wasm; returns why it failed, or undefined. Threads are an optimisation: when the threaded build
 * or the GEMM workers cannot start, it says so and goes on with one thread rather than failing.
 */
async function tryWasm(threads: number): Promise<string | undefined> {
  registerWasmTrainingKernels();
  // TF.js compiles its wasm binary off the main thread while wabt compiles our kernels on it: start both.
  const started = setWasmBackend(threads > 1);
  started.catch(() => {}); // awaited below; this only keeps an early rejection from counting as unhandled
  try {
    await Promise.all([GEMM_WAT.prepare(), POOL_WAT.prepare(), RANDOM_WAT.prepare()]);
  } catch (e) {
    warn(`kmnist-lab's wasm kernels failed to compile (${messageOf(e)}); TF.js's own kernels run instead, slower`);
  }
  try {
    await started;
  } catch (e) {
    if (threads === 1) return messageOf(e);
    warn(`the threaded wasm build failed to start (${messageOf(e)}); training on one thread`);
    try {
      await setWasmBackend(false);
    } catch (again) {
      return messageOf(again);
    }
    threads = 1;
  }
  const gemm = gemmFor(tf.backend() as BackendWasm);
  try {
    await gemm?.useThreads(threads);
  } catch (e) {
    warn(`the matrix-product worker threads failed to start (${messageOf(e)}); they run on one thread`);
  }
  wasmThreads = gemm?.threads ?? 1;
  return undefined;
}

/** Activates a backend and returns the name of the one in use. */
export async function initBackend(choice: BackendChoice, options: InitBackendOptions = {}): Promise<string> {
  // Silences TF.js's console hints (e.g. "install tfjs-node" on the cpu backend): we log the backend ourselves.
  tf.enableProdMode();
  if (choice === 'tensorflow' || choice === 'auto') {
    if (await tryTfjsNode()) {
      await tf.setBackend('tensorflow');
      await tf.ready();
      return tf.getBackend();
    }
    if (choice === 'tensorflow') {
      throw new UserError(
        `--backend tensorflow needs ${TFJS_NODE}, which is not installed: run "npm install ${TFJS_NODE}" ` +
          '(it downloads libtensorflow, so it needs internet), or use --backend wasm',
      );
    }
  }
  if (choice === 'wasm' || choice === 'auto') {
    const threads = options.threads ?? defaultThreads();
    const failure = await tryWasm(threads);
    if (failure === undefined) {
      await tf.ready();
      return tf.getBackend();
    }
    if (choice === 'wasm') {
      throw new UserError(`--backend wasm: the TF.js wasm backend failed to start (${failure}); use --backend cpu`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return tf.getBackend();
}

/** What a run records in config.json about the engine. */
export async function backendInfo(): Promise<BackendInfo> {
  const name = tf.getBackend();
  const info: BackendInfo = { name, tfjsVersion: tf.version.tfjs };
  if (name === 'wasm') {
    info.wasmSimd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    info.wasmThreads = wasmThreads ?? 1;
  }
  return info;
}
