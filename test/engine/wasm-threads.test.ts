// The threaded wasm build in Node (see src/engine/wasm-threads.ts): starts gemm.ts's pool with 2 threads
// and computes the same training kernels as cpu, products big enough to be split over both threads
// (by rows and by columns) included. Own file: a process starts its wasm backend only once.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend, THREADS_ENV } from '../../src/engine/backend.ts';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { GEMM_WAT, HeapGemm } from '../../src/engine/wasm-kernels/gemm.ts';
import { memoryOf } from '../../src/engine/wasm-kernels/wat-module.ts';
import { expectWasmMatchesCpu, seededValues } from './compare.ts';

describe('threaded wasm backend', () => {
  it(`starts with 2 threads (from ${THREADS_ENV})`, async () => {
    process.env[THREADS_ENV] = '2';
    try {
      expect(await initBackend('wasm')).toBe('wasm');
    } finally {
      delete process.env[THREADS_ENV];
    }
    expect((await backendInfo()).wasmThreads).toBe(2);
  });

  it('conv2d and dense gradients match cpu', async () => {
    await initBackend('wasm', { threads: 2 });
    await expectWasmMatchesCpu(() => {
      const x = tf.tensor4d(seededValues(2 * 14 * 14 * 8, 1), [2, 14, 14, 8]);
      const f = tf.tensor4d(seededValues(3 * 3 * 8 * 16, 2), [3, 3, 8, 16]);
      const w = tf.tensor2d(seededValues(16 * 5, 3), [16, 5]);
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.square(tf.matMul(tf.mean(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid')), [1, 2]), c as tf.Tensor2D)));
      return tf.grads(loss)([x, f, w]);
    });
  });

  it('products split over the threads (by rows and by columns) match cpu', async () => {
    await initBackend('wasm', { threads: 2 });
    await expectWasmMatchesCpu(() => {
      // over gemm.ts's 1M multiply-add threshold: 2 x 20 x 20 x 16 -> 3x3 conv -> 32 channels, and its gradients
      const x = tf.tensor4d(seededValues(4 * 20 * 20 * 16, 4), [4, 20, 20, 16]);
      const f = tf.tensor4d(seededValues(3 * 3 * 16 * 32, 5), [3, 3, 16, 32]);
      const a = tf.tensor2d(seededValues(64 * 300, 6), [64, 300]);
      const b = tf.tensor2d(seededValues(300 * 512, 7), [300, 512]);
      const [dx, df] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'))))([x, f]);
      return [tf.conv2d(x, f, 1, 'valid'), dx, df, tf.matMul(a, b), tf.matMul(b, a, true, true)];
    });
  });

  it('a GEMM worker that cannot start leaves the product on one thread, with an error', async () => {
    await initBackend('wasm', { threads: 2 });
    const backend = tf.backend() as BackendWasm;
    const memory = memoryOf(backend) as WebAssembly.Memory;
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    // the plain-memory module cannot link to the shared heap: the worker fails to start
    const plain = GEMM_WAT.moduleFor(new WebAssembly.Memory({ initial: 1 })) as WebAssembly.Module;
    const gemm = new HeapGemm(memory, backend.wasm as unknown as ConstructorParameters<typeof HeapGemm>[1], () => {}, plain);
    await expect(gemm.useThreads(2)).rejects.toThrow();
    expect(gemm.threads).toBe(1);
  });
});

