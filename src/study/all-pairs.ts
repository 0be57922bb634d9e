// `report --all-pairs`: McNemar's exact test for every pair of experiments on their representative seeds,
// with Holm's step-down adjustment over the whole family of pairs.
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { representativeSeed } from './experiments.ts';
import { RUN_FILES } from '../run-folder/layout.ts';
import { readPredictions, sameTestImages, type PredictedLabels } from '../run-folder/read.ts';
import { HOLM_METHOD_NAME, holmAdjust, mcnemar, MCNEMAR_TEST_NAME, SIGNIFICANCE_LEVEL, type McNemarResult } from '../metrics/stats.ts';

/** One experiment's finished runs (seed and folder), in the study's display order. */
export interface AllPairsGroup {
  experiment: string;
  runs: { seed: number; dir: string }[];
}

export interface AllPairsTest extends McNemarResult {
  a: string;
  b: string;
  /** The representative seeds compared. */
  seedA: number;
  seedB: number;
  /** McNemar's exact p adjusted by Holm's method over every tested pair (stats.ts holmAdjust). */
  pHolm: number;
  /** pHolm < the significance level: the better one (more images right only for it) is `better`. */
  significant: boolean;
  /** The experiment with more images right only for it; null when aOnly = bOnly. */
  better: string | null;
}

export interface AllPairs {
  /** Each experiment and the seed that stands for it (its representative seed). */
  experiments: { experiment: string; seed: number }[];
  /** Every pair (a before b in display order) whose runs share a test set. */
  tests: AllPairsTest[];
  /** Pairs not tested (their runs were tested on different images, or a file was unreadable), with why. */
  skipped: { a: string; b: string; reason: string }[];
  significanceLevel: number;
  /** The test of `p` (MCNEMAR_TEST_NAME). */
  test: string;
  /** The correction of `pHolm` over the tested pairs (HOLM_METHOD_NAME). */
  multipleComparisonCorrection: string;
}

/**
 * Tests every pair of experiments once, each on its representative seed (the lowest: the same seed the
 * report draws), and adjusts the p-values with Holm's method. One run per experiment keeps one test per pair,
 * so the family Holm corrects is exactly the m = k(k-1)/2 pairs; seeds are not pooled (the same test images
 * recur in every seed).
 */
export async function allPairsMcNemar(groups: readonly AllPairsGroup[]): Promise<AllPairs> {
  const reps: { experiment: string; seed: number; file: string; labels: PredictedLabels | null; error?: string }[] = [];
  for (const g of groups) {
    if (g.runs.length === 0) continue;
    const seed = representativeSeed(g.runs.map((r) => r.seed));
    const dir = (g.runs.find((r) => r.seed === seed) as { dir: string }).dir;
    const file = join(dir, RUN_FILES.predictionsTest);
    try {
      reps.push({ experiment: g.experiment, seed, file, labels: await readPredictions(file) });
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      reps.push({ experiment: g.experiment, seed, file, labels: null, error: err.message });
    }
  }
  const raw: Omit<AllPairsTest, 'pHolm' | 'significant'>[] = [];
  const skipped: AllPairs['skipped'] = [];
  for (let i = 0; i < reps.length; i++) {
    for (let j = i + 1; j < reps.length; j++) {
      const [x, y] = [reps[i], reps[j]];
      if (x.labels === null || y.labels === null) {
        skipped.push({ a: x.experiment, b: y.experiment, reason: (x.labels === null ? x.error : y.error) as string });
      } else if (!sameTestImages(x.labels, y.labels)) {
        skipped.push({ a: x.experiment, b: y.experiment, reason: `${x.file} and ${y.file} were tested on different images` });
      } else {
        const r = mcnemar(x.labels.yTrue, x.labels.yPred, y.labels.yPred);
        const better = r.aOnly === r.bOnly ? null : r.aOnly > r.bOnly ? x.experiment : y.experiment;
        raw.push({ a: x.experiment, b: y.experiment, seedA: x.seed, seedB: y.seed, ...r, better });
      }
    }
  }
  const adjusted = holmAdjust(raw.map((t) => t.p));
  return {
    experiments: reps.map((r) => ({ experiment: r.experiment, seed: r.seed })),
    tests: raw.map((t, k) => ({ ...t, pHolm: adjusted[k], significant: adjusted[k] < SIGNIFICANCE_LEVEL })),
    skipped,
    significanceLevel: SIGNIFICANCE_LEVEL,
    test: MCNEMAR_TEST_NAME,
    multipleComparisonCorrection: HOLM_METHOD_NAME,
  };
}
