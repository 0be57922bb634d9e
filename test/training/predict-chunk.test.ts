// On webgpu a predict chunk must keep every layer's output within one storage binding (a run of the cnn
// at 1,024 images a chunk failed WebGPU validation and scored at chance).
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../src/models/zoo.ts';
import { PREDICT_CHUNK, predictChunk, WEBGPU_DEFAULT_MAX_BINDING_BYTES } from '../../src/training/evaluate.ts';

const input = { height: 28, width: 28, numClasses: 10 };

describe('predictChunk', () => {
  const cnn = buildModel('cnn', input);
  const fcnn = buildModel('fcnn', input);
  afterAll(() => {
    cnn.dispose();
    fcnn.dispose();
  });

  it('keeps the cnn largest output (24 x 24 x 64 floats an image) within half a binding on webgpu', () => {
    const n = predictChunk(cnn, 'webgpu');
    expect(n).toBeLessThan(PREDICT_CHUNK);
    expect(n * 24 * 24 * 64 * 4).toBeLessThanOrEqual(WEBGPU_DEFAULT_MAX_BINDING_BYTES / 2);
    expect((n + 1) * 24 * 24 * 64 * 4).toBeGreaterThan(WEBGPU_DEFAULT_MAX_BINDING_BYTES / 2);
  });

  it('leaves small models and the other backends at the full chunk', () => {
    expect(predictChunk(fcnn, 'webgpu')).toBe(PREDICT_CHUNK);
    expect(predictChunk(cnn, 'wasm')).toBe(PREDICT_CHUNK);
    expect(predictChunk(cnn, 'cpu', 64)).toBe(64);
    expect(tf.getBackend()).toBeTruthy();
  });
});
