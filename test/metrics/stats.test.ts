// Statistics against values computed by hand (binomial sums, t tables) and, where Debian's python3 has it,
// against statsmodels (multipletests, mcnemar).
import { execFileSync } from 'node:child_process';
import { describe as suite, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.ts';
import { describe, explainMcNemar, formatP, holmAdjust, mcnemar, mcnemarExactP, mean, sampleStd, tConfidenceInterval } from '../../src/metrics/stats.ts';

/** Debian's python3 when it has statsmodels (apt-get install python3-statsmodels), else null. */
function pythonWithStatsmodels(): string | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      execFileSync(py, ['-c', 'import statsmodels'], { stdio: 'ignore' });
      return py;
    } catch {
      // not this one
    }
  }
  return null;
}
const python = pythonWithStatsmodels();
const NO_STATSMODELS = 'skipped: no python3 with statsmodels (Debian: apt-get install python3-statsmodels); not checked against statsmodels';

/** Runs a Python snippet that reads JSON on stdin and prints JSON. */
function py(code: string, input: unknown): unknown {
  return JSON.parse(execFileSync(python as string, ['-c', code], { input: JSON.stringify(input), encoding: 'utf8' }));
}

suite('mean, sample std, t confidence interval', () => {
  it('mean and the n-1 standard deviation', () => {
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    // Sum of squares 32 over n - 1 = 7.
    expect(sampleStd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(sampleStd([0.9])).toBeNull();
  });

  it('95 % CI of three seeds: mean ± t(0.975, 2) * s / sqrt(3), t = 4.3027 from the table', () => {
    const [lo, hi] = tConfidenceInterval([0.85, 0.87, 0.86]) as [number, number];
    // s = 0.01; half-width 4.302653 * 0.01 / 1.732051 = 0.0248414
    expect(lo).toBeCloseTo(0.86 - 0.0248414, 6);
    expect(hi).toBeCloseTo(0.86 + 0.0248414, 6);
  });

  it('95 % CI of two values uses t(0.975, 1) = 12.7062', () => {
    // mean 2, s = sqrt(2), half-width 12.7062 * sqrt(2) / sqrt(2)
    const [lo, hi] = tConfidenceInterval([1, 3]) as [number, number];
    expect(lo).toBeCloseTo(2 - 12.7062, 3);
    expect(hi).toBeCloseTo(2 + 12.7062, 3);
    expect(tConfidenceInterval([1])).toBeNull();
  });

  it('describe bundles them', () => {
    const d = describe([0.85, 0.87, 0.86]);
    expect(d.n).toBe(3);
    expect(d.mean).toBeCloseTo(0.86, 12);
    expect(d.std).toBeCloseTo(0.01, 12);
    expect(d.values).toEqual([0.85, 0.87, 0.86]);
  });
});

suite("McNemar's exact test", () => {
  it('b=10, c=2: p = 2 * (C(12,0)+C(12,1)+C(12,2)) / 2^12 = 158/4096', () => {
    expect(mcnemarExactP(10, 2)).toBeCloseTo(158 / 4096, 12);
    expect(mcnemarExactP(2, 10)).toBeCloseTo(158 / 4096, 12);
  });

  it('small cases by hand', () => {
    expect(mcnemarExactP(3, 0)).toBeCloseTo(2 / 8, 12); // 2 * C(3,0)/2^3
    expect(mcnemarExactP(6, 1)).toBeCloseTo((2 * 8) / 128, 12); // 2 * (1 + 7) / 2^7
    expect(mcnemarExactP(5, 5)).toBe(1); // 2 * 638/1024 > 1, capped
    expect(mcnemarExactP(0, 0)).toBe(1);
    expect(() => mcnemarExactP(-1, 2)).toThrow(/non-negative integer/);
  });

  it('counts the discordant pairs from prediction vectors', () => {
    const truth = [0, 1, 2, 3, 4];
    const a = [0, 1, 2, 0, 0]; // right on 0, 1, 2
    const b = [0, 0, 2, 3, 0]; // right on 0, 2, 3
    expect(mcnemar(truth, a, b)).toEqual({ aOnly: 1, bOnly: 1, bothRight: 2, bothWrong: 1, p: 1 });
    expect(() => mcnemar([0, 1], [0], [0, 1])).toThrow(/lengths differ/);
  });

  it('says what the p-value means in plain words', () => {
    const big = { aOnly: 212, bOnly: 35, p: mcnemarExactP(212, 35) };
    expect(big.p).toBeLessThan(0.001);
    expect(explainMcNemar('cnn', 'fcnn', big)).toBe(
      'cnn is right on 212 images fcnn gets wrong, fcnn on 35 the other way; p < 0.001: the difference is not chance (cnn is better)',
    );
    const small = { aOnly: 6, bOnly: 1, p: 0.125 };
    expect(explainMcNemar('cnn', 'cnn-no-pool', small)).toMatch(/p = 0\.125: the difference could be chance$/);
    expect(formatP(158 / 4096)).toBe('p = 0.0386');
    expect(explainMcNemar('cnn', 'fcnn', { aOnly: 0, bOnly: 0, p: mcnemarExactP(0, 0) })).toBe(
      'cnn and fcnn made the same mistakes: no image is right for one and wrong for the other (p = 1)',
    );
  });
});

suite("Holm's step-down adjustment", () => {
  it('by hand: sorted p times (m - rank), running maximum, capped at 1, in the input order', () => {
    // sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> running max 0.06
    const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
    [0.03, 0.06, 0.06, 0.02].forEach((want, i) => expect(adjusted[i]).toBeCloseTo(want, 15));
    expect(holmAdjust([0.3, 0.6])).toEqual([0.6, 0.6]);
    expect(holmAdjust([0.9, 0.8, 1])).toEqual([1, 1, 1]);
    expect(holmAdjust([0.02])).toEqual([0.02]);
    expect(holmAdjust([])).toEqual([]);
    expect(() => holmAdjust([0.1, 1.5])).toThrow(/p-value 1 is 1.5/);
    expect(() => holmAdjust([Number.NaN])).toThrow(RangeError);
  });

  it("equals statsmodels' multipletests(method='holm') on random, tied and extreme p-values", (ctx) => {
    if (!python) {
      ctx.skip(NO_STATSMODELS);
      return;
    }
    const next = mulberry32(18); // the random p-value vectors, deterministic
    const vectors: number[][] = [
      [0.01, 0.04, 0.03, 0.005],
      [0.02, 0.02, 0.02, 0.5, 1, 0], // ties, a 1 and a 0
      [1e-12, 3e-9, 0.049, 0.051, 0.2],
      ...Array.from({ length: 20 }, (_, k) => Array.from({ length: 1 + ((k * 7) % 36) }, () => (next() < 0.3 ? next() * 0.01 : next()))),
    ];
    const want = py(
      'import json,sys\nfrom statsmodels.stats.multitest import multipletests\nprint(json.dumps([multipletests(v, method="holm")[1].tolist() for v in json.load(sys.stdin)]))',
      vectors,
    ) as number[][];
    vectors.forEach((v, k) => {
      const got = holmAdjust(v);
      got.forEach((g, i) => expect(Math.abs(g - want[k][i]), `vector ${k}, p ${i}`).toBeLessThan(1e-14));
    });
  });

  it("mcnemarExactP equals statsmodels' mcnemar(exact=True)", (ctx) => {
    if (!python) {
      ctx.skip(NO_STATSMODELS);
      return;
    }
    const cases = [[10, 2], [2, 10], [3, 0], [0, 0], [5, 5], [212, 35], [40, 61], [1, 1000]];
    const want = py(
      'import json,sys\nfrom statsmodels.stats.contingency_tables import mcnemar\nprint(json.dumps([float(mcnemar([[0, b], [c, 0]], exact=True).pvalue) for b, c in json.load(sys.stdin)]))',
      cases,
    ) as number[];
    cases.forEach(([b, c], k) => expect(Math.abs(mcnemarExactP(b, c) - want[k]) / Math.max(want[k], 1e-300), `${b}/${c}`).toBeLessThan(1e-9));
  });
});
