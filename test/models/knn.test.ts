import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { knnPredict } from '../../src/models/knn.ts';
import type { ImageSet } from '../../src/data/types.ts';
import { Rng } from '../../src/training/rng.ts';

function randomSet(count: number, px: number, numClasses: number, rng: Rng): ImageSet {
  const images = new Uint8Array(count * px).map(() => Math.floor(rng.next() * 256));
  const labels = new Int32Array(count).map(() => Math.floor(rng.next() * numClasses));
  return { images, labels, count, height: 1, width: px };
}

/** The obvious O(n·m) version, to check the matmul one against. */
function bruteForce(train: ImageSet, q: ImageSet, k: number, numClasses: number): Float32Array {
  const px = train.width;
  const probs = new Float32Array(q.count * numClasses);
  for (let i = 0; i < q.count; i++) {
    const d = Array.from({ length: train.count }, (_, j) => {
      let s = 0;
      for (let p = 0; p < px; p++) s += (q.images[i * px + p] - train.images[j * px + p]) ** 2;
      return { j, s };
    }).sort((a, b) => a.s - b.s || a.j - b.j);
    for (let n = 0; n < k; n++) probs[i * numClasses + train.labels[d[n].j]] += 1 / k;
  }
  return probs;
}

describe('knn baseline', () => {
  it('votes among the k nearest images on a hand-made toy set', async () => {
    await tf.setBackend('cpu');
    // 1-pixel "images": class 0 near 0, class 1 near 255.
    const train: ImageSet = { images: Uint8Array.from([0, 10, 20, 30, 230, 240, 250, 255]), labels: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]), count: 8, height: 1, width: 1 };
    const queries: ImageSet = { images: Uint8Array.from([5, 245, 150]), labels: Int32Array.from([0, 1, 1]), count: 3, height: 1, width: 1 };
    const p = await knnPredict(train, queries, 4, 2);
    expect(Array.from(p.slice(0, 2))).toEqual([1, 0]);
    expect(Array.from(p.slice(2, 4))).toEqual([0, 1]);
    // 150: the four high pixels (80..105 away) beat 30 (120 away).
    expect(Array.from(p.slice(4, 6))).toEqual([0, 1]);
  });

  it('agrees with a brute-force search on random data, across chunk boundaries', async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(7);
    const train = randomSet(60, 16, 3, rng);
    const queries = randomSet(25, 16, 3, rng);
    const fast = await knnPredict(train, queries, 4, 3, 7);
    const slow = bruteForce(train, queries, 4, 3);
    for (let i = 0; i < fast.length; i++) expect(fast[i]).toBeCloseTo(slow[i], 5);
  });
});
