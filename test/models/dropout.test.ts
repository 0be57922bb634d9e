// The zoo's Dropout: a wasm-made mask in training, plain tfjs-layers Dropout everywhere else.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.ts';
import { dropoutMask } from '../../src/engine/wasm-kernels/dropout-mask.ts';
import { dropout } from '../../src/models/dropout.ts';
import { Rng, withSeededMathRandomSync } from '../../src/training/rng.ts';

const ones = (n: number): tf.Tensor => tf.ones([n, 10]);

describe('dropout mask (random.wat)', () => {
  it('keeps a unit with probability 1 - rate, scaled by 1 / (1 - rate), the same for the same seed', async () => {
    await initBackend('wasm');
    for (const [n, rate] of [[200_003, 0.25], [200_001, 0.5], [7, 0.5]] as const) {
      const v = dropoutMask([n], rate, 42)!.dataSync();
      const kept = v.filter((x) => x !== 0);
      expect(new Set(kept)).toEqual(new Set([Math.fround(1 / (1 - rate))]));
      if (n > 1000) expect(Math.abs(kept.length / n - (1 - rate))).toBeLessThan(0.005);
      expect(Array.from(dropoutMask([n], rate, 42)!.dataSync())).toEqual(Array.from(v));
      expect(Array.from(dropoutMask([n], rate, 43)!.dataSync())).not.toEqual(Array.from(v));
    }
    // neighbouring units are independent: P(both kept) ~ (1 - rate)^2
    const v = dropoutMask([100_000], 0.5, 7)!.dataSync();
    let both = 0;
    for (let i = 0; i + 1 < v.length; i += 2) if (v[i] !== 0 && v[i + 1] !== 0) both++;
    expect(Math.abs(both / 50_000 - 0.25)).toBeLessThan(0.01);
  });
});

describe('zoo dropout layer', () => {
  it('saves as a plain Dropout layer', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3] }), dropout({ rate: 0.5 })] });
    const layers = (model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } }).config.layers;
    expect(layers.map((l) => l.class_name)).toEqual(['Dense', 'Dropout']);
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`on ${backend}: identity at inference; in training drops about rate, reproducibly from the seeded Math.random`, async () => {
      await initBackend(backend);
      const layer = dropout({ rate: 0.5 });
      const x = ones(10_000);
      expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
      const train = (seed: number): Float32Array =>
        withSeededMathRandomSync(new Rng(seed), () => (layer.call(x, { training: true }) as tf.Tensor).dataSync() as Float32Array);
      const a = train(1);
      expect(Math.abs(a.filter((v) => v === 0).length / a.length - 0.5)).toBeLessThan(0.02);
      expect(Array.from(train(1))).toEqual(Array.from(a));
      expect(Array.from(train(2))).not.toEqual(Array.from(a));
      if (backend === 'wasm') {
        // the wasm mask is what ran: seeded by the first Math.random draw
        const seed = withSeededMathRandomSync(new Rng(1), () => Math.floor(Math.random() * 2 ** 32));
        expect(Array.from(a)).toEqual(Array.from(dropoutMask(x.shape, 0.5, seed)!.dataSync()));
      }
    });
  }
});
