// The validation split must be deterministic per seed, stratified, disjoint and complete.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { stratifiedSplit, stratifiedTrainTest } from '../../src/data/splits.ts';
import type { ImageSet } from '../../src/data/types.ts';

/** 1000 4x4 images, imbalanced classes (class k has 40 + 20k members), pixel 0 holds the index mod 256. */
function makeImbalanced(): ImageSet {
  const labels: number[] = [];
  for (let k = 0; k < 5; k++) for (let i = 0; i < 40 + 20 * k; i++) labels.push(k);
  const count = labels.length;
  const images = new Uint8Array(count * 16);
  for (let i = 0; i < count; i++) images.set([i & 255, i >> 8], i * 16);
  return { images, labels: Int32Array.from(labels), count, height: 4, width: 4 };
}

const ids = (s: ImageSet): number[] => Array.from({ length: s.count }, (_, i) => s.images[i * 16] + 256 * s.images[i * 16 + 1]);
const counts = (s: ImageSet): number[] => [0, 1, 2, 3, 4].map((k) => s.labels.filter((l) => l === k).length);

describe('stratifiedSplit', () => {
  const set = makeImbalanced();

  it('keeps each class proportion and loses or duplicates nothing', () => {
    const { train, val } = stratifiedSplit(set, 0.1, 7);
    expect(counts(val)).toEqual([4, 6, 8, 10, 12]);
    expect(counts(train)).toEqual([36, 54, 72, 90, 108]);
    const all = [...ids(train), ...ids(val)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: set.count }, (_, i) => i));
    // labels travel with their images
    for (const part of [train, val]) ids(part).forEach((id, i) => expect(part.labels[i]).toBe(set.labels[id]));
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = ids(stratifiedSplit(set, 0.2, 1).val);
    expect(ids(stratifiedSplit(set, 0.2, 1).val)).toEqual(a);
    expect(ids(stratifiedSplit(set, 0.2, 2).val)).not.toEqual(a);
  });

  it('handles 0 and rejects fractions outside [0, 1)', () => {
    expect(stratifiedSplit(set, 0, 1).val.count).toBe(0);
    expect(() => stratifiedSplit(set, 1, 1)).toThrow(UserError);
    expect(() => stratifiedSplit(set, -0.1, 1)).toThrow(/--val-split/);
  });

  it('stratifiedTrainTest keeps at least one example of every class in train', () => {
    const tiny: ImageSet = { images: new Uint8Array(3 * 16), labels: Int32Array.from([0, 1, 1]), count: 3, height: 4, width: 4 };
    const { train, test } = stratifiedTrainTest(tiny, 0.5, 3);
    expect(Array.from(train.labels).sort()).toEqual([0, 1]);
    expect(Array.from(test.labels)).toEqual([1]);
  });
});
