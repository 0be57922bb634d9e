// Runs the same computation on wasm and on the cpu reference backend, from the same seeded inputs.
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';

/** Deterministic values in [-1, 1) (an LCG), so failures reproduce. */
export function seededValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Runs fn on a backend; returns its outputs as plain arrays (tensors disposed). */
export async function onBackend(
  backend: 'wasm' | 'cpu',
  fn: () => tf.Tensor[],
): Promise<Float32Array[]> {
  await initBackend(backend);
  const outs = tf.tidy(fn);
  const values = outs.map((t) => t.dataSync() as Float32Array);
  tf.dispose(outs);
  return values;
}

/** Expects each wasm output to match the cpu one within a tolerance relative to its scale. */
export async function expectWasmMatchesCpu(fn: () => tf.Tensor[], relTol = 1e-4): Promise<void> {
  const cpu = await onBackend('cpu', fn);
  const wasm = await onBackend('wasm', fn);
  expect(wasm.length).toBe(cpu.length);
  cpu.forEach((ref, k) => {
    const got = wasm[k];
    expect(got.length).toBe(ref.length);
    let scale = 1;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) {
      scale = Math.max(scale, Math.abs(ref[i]));
      worst = Math.max(worst, Math.abs(got[i] - ref[i]));
    }
    expect(worst / scale, `output ${k}: max |wasm - cpu| = ${worst} (scale ${scale})`).toBeLessThan(relTol);
  });
}
