// The wasm backend: TF.js's wasm build with our training kernels (../../wasm-kernels/) and, with more
// than one thread, the threaded build whose shared heap gemm.ts's workers compute on (../../wasm-threads.ts).
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { BackendDetails, EngineBackend, StartOptions } from '../engine-backend.ts';
import { BATCH_NORM_WAT } from '../../wasm-kernels/batch-norm.ts';
import { GEMM_WAT, gemmFor } from '../../wasm-kernels/gemm.ts';
import { RANDOM_WAT } from '../../wasm-kernels/dropout-mask.ts';
import { POOL_WAT } from '../../wasm-kernels/max-pool-grad.ts';
import { registerWasmTrainingKernels } from '../../wasm-kernels/index.ts';
import { setWasmBackend } from '../../wasm-threads.ts';

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const warn = (message: string): void => void process.stderr.write(`warning: ${message}\n`);

export class WasmEngine implements EngineBackend {
  readonly name = 'wasm';
  private threads = 1;

  /**
   * Threads are an optimisation: when the threaded build or the GEMM workers cannot start, it says so
   * and goes on with one thread rather than failing.
   */
  async start(o: StartOptions): Promise<string | undefined> {
    let threads = o.threads;
    registerWasmTrainingKernels();
    // TF.js compiles its wasm binary off the main thread while wabt compiles our kernels on it: start both.
    const threaded = threads > 1 || o.growable;
    const started = setWasmBackend(threaded);
    started.catch(() => {}); // awaited below; this only keeps an early rejection from counting as unhandled
    try {
      await Promise.all([GEMM_WAT.prepare(), POOL_WAT.prepare(), RANDOM_WAT.prepare(), BATCH_NORM_WAT.prepare()]);
    } catch (e) {
      warn(`kmnist-lab's wasm kernels failed to compile (${messageOf(e)}); TF.js's own kernels run instead, slower`);
    }
    try {
      await started;
    } catch (e) {
      if (!threaded) return `the TF.js wasm backend failed to start (${messageOf(e)})`;
      warn(`the threaded wasm build failed to start (${messageOf(e)}); training on one thread`);
      try {
        await setWasmBackend(false);
      } catch (again) {
        return `the TF.js wasm backend failed to start (${messageOf(again)})`;
      }
      threads = 1;
    }
    const gemm = gemmFor(tf.backend() as BackendWasm);
    try {
      await gemm?.useThreads(threads);
    } catch (e) {
      warn(`the matrix-product worker threads failed to start (${messageOf(e)}); they run on one thread`);
    }
    this.threads = gemm?.threads ?? 1;
    return undefined;
  }

  /** Adds matrix-product threads up to `threads` (the threaded build only); returns the count in use. */
  async growThreads(threads: number): Promise<number> {
    const gemm = gemmFor(tf.backend() as BackendWasm);
    await gemm?.useThreads(threads);
    return gemm?.threads ?? 1;
  }

  async details(): Promise<BackendDetails> {
    return { wasmSimd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), wasmThreads: this.threads, wasmFma: GEMM_WAT.rewritten };
  }

  async close(): Promise<void> {
    // Nothing keeps Node alive: the thread pool's workers are unref'd.
  }
}
