// Which seed's illustrative figures (kernels, activations, mistakes gallery) stand for an experiment.
import { describe, expect, it } from 'vitest';
import { representativeNote, representativeSeed, representativeSeeds } from '../../src/report/run-section.ts';

describe('representative seed', () => {
  it('is seed 1, or the lowest seed present', () => {
    expect(representativeSeed([3, 1, 2])).toBe(1);
    expect(representativeSeed([4, 2, 3])).toBe(2);
    expect(() => representativeSeed([])).toThrow(RangeError);
    const runs = [
      { experiment: 'cnn', seed: 2 },
      { experiment: 'cnn', seed: 1 },
      { experiment: 'knn', seed: 3 },
      { experiment: 'knn', seed: 2 },
    ];
    expect([...representativeSeeds(runs)]).toEqual([
      ['cnn', 1],
      ['knn', 2],
    ]);
  });

  it('is named in the report text, per experiment when they differ', () => {
    const same = representativeNote([
      { experiment: 'cnn', seed: 1 },
      { experiment: 'cnn', seed: 2 },
      { experiment: 'fcnn', seed: 1 },
    ]);
    expect(same).toContain('the lowest seed present: seed 1 for every experiment.');
    const mixed = representativeNote([
      { experiment: 'cnn', seed: 1 },
      { experiment: 'cnn', seed: 2 },
      { experiment: 'fcnn', seed: 1 },
      { experiment: 'knn', seed: 3 },
      { experiment: 'knn', seed: 2 },
    ]);
    expect(mixed).toContain('the lowest seed present: seed 1 for cnn, fcnn; seed 2 for knn.');
    // one seed per experiment: every run is drawn, nothing to say
    expect(representativeNote([{ experiment: 'cnn', seed: 2 }, { experiment: 'fcnn', seed: 1 }])).toBeNull();
  });
});
