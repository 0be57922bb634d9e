import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend, THREADS_ENV } from '../../src/engine/backend.ts';
import { UserError } from '../../src/errors.ts';

let tfjsNodeInstalled = true;
try {
  await import('@tensorflow/tfjs-node' as string);
} catch {
  tfjsNodeInstalled = false;
}

describe('initBackend', () => {
  it.skipIf(tfjsNodeInstalled)('refuses --backend tensorflow without tfjs-node, saying how to install it', async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(UserError);
    await expect(initBackend('tensorflow')).rejects.toThrow(/npm install @tensorflow\/tfjs-node/);
  });

  it('auto picks tfjs-node when installed, else wasm', async () => {
    expect(await initBackend('auto')).toBe(tfjsNodeInstalled ? 'tensorflow' : 'wasm');
  });

  it('switches to cpu and wasm on request and reports it', async () => {
    expect(await initBackend('cpu')).toBe('cpu');
    expect((await backendInfo()).name).toBe('cpu');
    expect(await initBackend('wasm')).toBe('wasm');
    const info = await backendInfo();
    expect(info).toMatchObject({ name: 'wasm', tfjsVersion: tf.version.tfjs });
    expect(typeof info.wasmSimd).toBe('boolean');
    expect(info.wasmThreads).toBeGreaterThanOrEqual(1);
  });

  it(`rejects a bad ${THREADS_ENV}, naming it`, async () => {
    process.env[THREADS_ENV] = 'two';
    try {
      await expect(initBackend('wasm')).rejects.toThrow(UserError);
      await expect(initBackend('wasm')).rejects.toThrow(new RegExp(`${THREADS_ENV}=two`));
    } finally {
      delete process.env[THREADS_ENV];
    }
  });

  it('registers the wasm training kernels', async () => {
    await initBackend('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});
