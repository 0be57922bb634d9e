// Statistics over seeds and between paired classifiers: mean, sample std, Student-t CI, McNemar's exact test.
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean of an empty sample');
  let sum = 0;
  for (const v of values) sum += v;
  const first = sum / values.length;
  // A second pass removes the rounding error of the first (three seeds of 0.8 average to exactly 0.8).
  let residual = 0;
  for (const v of values) residual += v - first;
  return first + residual / values.length;
}

/** Sample standard deviation (n - 1 denominator); null for fewer than two values. */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  return Math.sqrt(ss / (values.length - 1));
}

export interface SampleStats {
  n: number;
  mean: number;
  /** null when n < 2: one seed says nothing about spread. */
  std: number | null;
  /** Two-sided 95 % confidence interval of the mean (Student t, n - 1 degrees of freedom); null when n < 2. */
  ci95: [number, number] | null;
  values: number[];
}

/** Two-sided confidence interval of the mean at `level`, from the t distribution with n - 1 df. */
export function tConfidenceInterval(values: readonly number[], level = 0.95): [number, number] | null {
  const std = sampleStd(values);
  if (std === null) return null;
  const m = mean(values);
  const t = tQuantile(1 - (1 - level) / 2, values.length - 1);
  const half = (t * std) / Math.sqrt(values.length);
  return [m - half, m + half];
}

export function describe(values: readonly number[]): SampleStats {
  return { n: values.length, mean: mean(values), std: sampleStd(values), ci95: tConfidenceInterval(values), values: [...values] };
}

export interface McNemarResult {
  /** Images A classifies right and B wrong. */
  aOnly: number;
  /** Images B classifies right and A wrong. */
  bOnly: number;
  bothRight: number;
  bothWrong: number;
  /** Exact two-sided p-value: 2 * P(X <= min(aOnly, bOnly)), X ~ Binomial(aOnly + bOnly, 1/2), capped at 1. */
  p: number;
}

/** The test every p-value of a study's summary comes from (mcnemarExactP), as summary.json names it. */
export const MCNEMAR_TEST_NAME = "McNemar's exact binomial test, two-sided";

/** The multiple-comparison correction holmAdjust applies, as summary.json names it. */
export const HOLM_METHOD_NAME = 'Holm-Bonferroni step-down (Holm 1979), family-wise error rate';

/** McNemar's exact test from the two discordant counts. */
export function mcnemarExactP(aOnly: number, bOnly: number): number {
  for (const [name, v] of [['aOnly', aOnly], ['bOnly', bOnly]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`mcnemarExactP: ${name} must be a non-negative integer, got ${v}`);
  }
  const n = aOnly + bOnly;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(aOnly, bOnly), n, 0.5));
}

/** Compares two classifiers on the same images: truth and both prediction vectors must align. */
export function mcnemar(truth: ArrayLike<number>, predA: ArrayLike<number>, predB: ArrayLike<number>): McNemarResult {
  if (truth.length !== predA.length || truth.length !== predB.length) {
    throw new Error(`mcnemar: lengths differ (truth ${truth.length}, A ${predA.length}, B ${predB.length})`);
  }
  let aOnly = 0;
  let bOnly = 0;
  let bothRight = 0;
  let bothWrong = 0;
  for (let i = 0; i < truth.length; i++) {
    const a = predA[i] === truth[i];
    const b = predB[i] === truth[i];
    if (a && b) bothRight++;
    else if (a) aOnly++;
    else if (b) bOnly++;
    else bothWrong++;
  }
  return { aOnly, bOnly, bothRight, bothWrong, p: mcnemarExactP(aOnly, bOnly) };
}

export const SIGNIFICANCE_LEVEL = 0.05;

export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p >= 1 ? '1' : p.toPrecision(3)}`;
}

/** Plain words for one McNemar result, e.g. "cnn is right on 212 images fcnn gets wrong, ...". */
export function explainMcNemar(nameA: string, nameB: string, r: Pick<McNemarResult, 'aOnly' | 'bOnly' | 'p'>): string {
  if (r.aOnly + r.bOnly === 0) return `${nameA} and ${nameB} made the same mistakes: no image is right for one and wrong for the other (p = 1)`;
  const counts = `${nameA} is right on ${r.aOnly} images ${nameB} gets wrong, ${nameB} on ${r.bOnly} the other way`;
  if (r.p >= SIGNIFICANCE_LEVEL) return `${counts}; ${formatP(r.p)}: the difference could be chance`;
  const better = r.aOnly > r.bOnly ? nameA : nameB;
  return `${counts}; ${formatP(r.p)}: the difference is not chance (${better} is better)`;
}

/**
 * Holm's step-down adjustment of m p-values for multiple comparisons (Holm 1979, "A simple sequentially
 * rejective multiple test procedure"): with the p-values sorted ascending p(1) <= ... <= p(m), the adjusted
 * p(i) = max over j <= i of min(1, (m - j + 1) p(j)). Rejecting where adjusted p < alpha keeps the
 * family-wise error rate at alpha. Returns the adjusted values in the input's order; the same numbers as
 * statsmodels' `multipletests(p, method='holm')[1]` (test/metrics/stats.test.ts checks it against statsmodels).
 * Throws a RangeError for a value outside [0, 1] or not a number.
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  pValues.forEach((p, i) => {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`holmAdjust: p-value ${i} is ${p}, expected a number in [0, 1]`);
  });
  const m = pValues.length;
  // stable: equal p-values keep their order (their adjusted values come out equal anyway)
  const order = pValues.map((p, i) => [p, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
