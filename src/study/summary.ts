// The study's summary: per-experiment statistics over seeds and McNemar tests on the study's pairs,
// from the runs of runs/<dataset>/ as read once by the caller (src/run-folder/read.ts), written as
// summary.json + summary.md.
import { basename, join } from 'node:path';
import { allPairsMcNemar, type AllPairs } from './all-pairs.ts';
import { computeEnsembles, type EnsembleSkip, type EnsembleSummary } from './ensembles.ts';
import { compareExperiments, type StudyPair } from './experiments.ts';
import { studyPairs } from './study-pairs.ts';
import { readPredictions, sameTestImages, type FinishedRun, type RunsFolder } from '../run-folder/read.ts';
import { describe, explainMcNemar, formatP, HOLM_METHOD_NAME, mcnemar, MCNEMAR_TEST_NAME, mean, SIGNIFICANCE_LEVEL, type McNemarResult, type SampleStats } from '../metrics/stats.ts';
import { RUN_FILES } from '../run-folder/layout.ts';
import { DATASETS, isDatasetName, type DatasetSpec } from '../data/registry.ts';

/** The metric a dataset is ranked by: its registry entry's `metric`. */
export type HeadlineMetric = DatasetSpec['metric'];

export interface ExperimentSummary {
  experiment: string;
  seeds: number[];
  testAccuracy: SampleStats;
  macroF1: SampleStats;
  balancedAccuracy: SampleStats;
  paramCount: number;
  /** Mean over seeds of each run's training throughput. */
  meanTrainImagesPerSecond: number;
  /** Epochs each seed actually ran (early stopping may cut them short), in seed order. */
  epochsRun: number[];
  /** Epoch cap each seed was configured with, in seed order. */
  epochsConfigured: number[];
  backends: string[];
  /** Seeds validated on the test set (the original study's leakage): their test numbers are optimistic. */
  leakySeeds: number[];
  /** Warnings runs recorded in metrics.json (e.g. a run that stayed at chance, learning-check.ts), per seed. */
  warnings: { seed: number; warning: string }[];
  /** The result does not depend on the seed (knn): one run stands for every seed, no spread is reported. */
  deterministic: boolean;
  /** knn: mean fit seconds over its runs (absent for trained models and older runs). */
  fitSeconds?: number;
  /** Mean over seeds of the test-set prediction throughput (images / second). */
  meanInferenceImagesPerSecond: number;
}

export interface SeedComparison extends McNemarResult {
  seed: number;
  words: string;
}

export interface PairComparison extends StudyPair {
  perSeed: SeedComparison[];
  /**
   * Across seeds: the counts are summed for display only (the same test images recur in every seed, so
   * pooled counts are not independent and are not tested); the verdict is the largest per-seed p-value,
   * i.e. the difference must hold in every seed.
   */
  combined: { seeds: number; aOnly: number; bOnly: number; maxP: number; seedsSignificant: number; words: string } | null;
  /** Why the pair could not be compared, when it could not. */
  skipped?: string;
}

export interface Summary {
  dataset: string;
  runsDir: string;
  headlineMetric: HeadlineMetric;
  /** The test every p-value below comes from (comparisons, ensembles, all pairs): MCNEMAR_TEST_NAME. */
  test: string;
  /**
   * How p-values of several tests are combined: the pairs' verdict across seeds is the largest per-seed p
   * (no correction); allPairs names its own correction (Holm).
   */
  multipleComparisons: string;
  significanceLevel: number;
  experiments: ExperimentSummary[];
  /** The study's own pairs, then those added with `run --compare` (runs/<dataset>/comparisons.json). */
  comparisons: PairComparison[];
  /** Soft-vote ensembles of finished runs (ensembles.ts): per experiment with 2+ seeds, then all neural experiments. */
  ensembles: EnsembleSummary[];
  /** Ensembles that could not be formed, with why. */
  ensemblesSkipped: EnsembleSkip[];
  /** Every pair of experiments, Holm-adjusted (all-pairs.ts); only when asked for (`report --all-pairs`). */
  allPairs?: AllPairs;
  /** Run folders without metrics.json (interrupted or failed). */
  incomplete: { experiment: string; seed: number }[];
}

type CompleteRun = FinishedRun;

/**
 * The headline metric of `dataset`, from the dataset registry (K49 is imbalanced: balanced accuracy);
 * plain accuracy for a name the registry does not know (a renamed runs folder).
 */
export function headlineMetricFor(dataset: string): HeadlineMetric {
  return isDatasetName(dataset) ? DATASETS[dataset].metric : 'accuracy';
}

function summarizeExperiment(experiment: string, runs: CompleteRun[]): ExperimentSummary {
  const bySeed = [...runs].sort((a, b) => a.seed - b.seed);
  return {
    experiment,
    seeds: bySeed.map((r) => r.seed),
    testAccuracy: describe(bySeed.map((r) => r.metrics.testAccuracy)),
    macroF1: describe(bySeed.map((r) => r.metrics.macroF1)),
    balancedAccuracy: describe(bySeed.map((r) => r.metrics.balancedAccuracy)),
    paramCount: bySeed[0].metrics.paramCount,
    meanTrainImagesPerSecond: mean(bySeed.map((r) => r.metrics.trainImagesPerSecond)),
    epochsRun: bySeed.map((r) => r.metrics.epochsRun),
    epochsConfigured: bySeed.map((r) => r.config.epochs),
    backends: [...new Set(bySeed.map((r) => r.metrics.backend))],
    leakySeeds: bySeed.filter((r) => r.config.validationOn === 'test').map((r) => r.seed),
    warnings: bySeed.flatMap((r) => (r.metrics.warnings ?? []).map((warning) => ({ seed: r.seed, warning }))),
    deterministic: bySeed.every((r) => r.metrics.deterministic),
    ...(bySeed.every((r) => typeof r.metrics.fitSeconds === 'number') ? { fitSeconds: mean(bySeed.map((r) => r.metrics.fitSeconds as number)) } : {}),
    meanInferenceImagesPerSecond: mean(bySeed.map((r) => r.metrics.inferenceImagesPerSecond)),
  };
}

async function comparePair(pair: StudyPair, runs: Map<string, CompleteRun[]>): Promise<PairComparison> {
  const aRuns = runs.get(pair.a) ?? [];
  const bRuns = runs.get(pair.b) ?? [];
  const bBySeed = new Map(bRuns.map((r) => [r.seed, r]));
  const paired = aRuns.filter((r) => bBySeed.has(r.seed)).sort((x, y) => x.seed - y.seed);
  if (paired.length === 0) {
    const missing = [aRuns.length === 0 ? pair.a : '', bRuns.length === 0 ? pair.b : ''].filter(Boolean);
    const why = missing.length > 0 ? `no complete runs of ${missing.join(' and ')}` : 'no seed has complete runs of both';
    return { ...pair, perSeed: [], combined: null, skipped: why };
  }
  const perSeed: SeedComparison[] = [];
  for (const ra of paired) {
    const rb = bBySeed.get(ra.seed) as CompleteRun;
    const [pa, pb] = await Promise.all([ra.dir, rb.dir].map((d) => readPredictions(join(d, RUN_FILES.predictionsTest))));
    if (!sameTestImages(pa, pb)) {
      return { ...pair, perSeed: [], combined: null, skipped: `seed ${ra.seed}: ${ra.dir} and ${rb.dir} were tested on different images` };
    }
    const r = mcnemar(pa.yTrue, pa.yPred, pb.yPred);
    perSeed.push({ seed: ra.seed, ...r, words: explainMcNemar(pair.a, pair.b, r) });
  }
  const aOnly = perSeed.reduce((s, r) => s + r.aOnly, 0);
  const bOnly = perSeed.reduce((s, r) => s + r.bOnly, 0);
  const maxP = Math.max(...perSeed.map((r) => r.p));
  const seedsSignificant = perSeed.filter((r) => r.p < SIGNIFICANCE_LEVEL).length;
  // A seed with no discordant image (0/0) has no direction: the two models made the same mistakes there.
  const identical = perSeed.filter((r) => r.aOnly + r.bOnly === 0).map((r) => r.seed);
  const directed = perSeed.filter((r) => r.aOnly !== r.bOnly);
  const sameDirection = directed.every((r) => r.aOnly > r.bOnly) || directed.every((r) => r.aOnly < r.bOnly);
  const n = perSeed.length;
  const sameMistakes = identical.length === 0 ? '' : `; in seed${identical.length === 1 ? '' : 's'} ${identical.join(', ')} the two models made the same mistakes`;
  let words: string;
  if (identical.length === n) {
    words = `the two models made the same mistakes in ${n === 1 ? 'the only seed' : `all ${n} seeds`} (no image is right for one and wrong for the other)`;
  } else if (seedsSignificant === n && sameDirection) {
    words = `${aOnly > bOnly ? pair.a : pair.b} is better in every seed (${n}/${n} seeds p < ${SIGNIFICANCE_LEVEL}, largest ${formatP(maxP)}): the difference is not chance`;
  } else if (seedsSignificant === 0) {
    words = `no seed shows a significant difference (0/${n} seeds p < ${SIGNIFICANCE_LEVEL})${sameMistakes}: the difference could be chance`;
  } else {
    words = `mixed: ${seedsSignificant}/${n} seeds p < ${SIGNIFICANCE_LEVEL}${sameDirection ? '' : ', not all in the same direction'}${sameMistakes}; not settled`;
  }
  return { ...pair, perSeed, combined: { seeds: n, aOnly, bOnly, maxP, seedsSignificant, words } };
}

export interface SummarizeOptions {
  /** Also test every pair of experiments (Summary.allPairs). */
  allPairs?: boolean;
}

/**
 * The study's statistics over the runs of one runs/<dataset>/ folder, already read (readFinishedRuns for
 * the study, discoverRuns for the report): nothing but the test predictions and comparisons.json is read
 * again. Errors: UserError for an unreadable predictions file or comparisons.json.
 */
export async function summarize(folder: RunsFolder, options: SummarizeOptions = {}): Promise<Summary> {
  const runsDatasetDir = folder.datasetDir;
  const byExperiment = new Map<string, CompleteRun[]>();
  const incomplete: Summary['incomplete'] = folder.incomplete.map((f) => ({ experiment: f.experiment, seed: f.seed }));
  let dataset = basename(runsDatasetDir);
  for (const run of folder.runs) {
    dataset = run.config.dataset;
    const list = byExperiment.get(run.experiment) ?? [];
    list.push(run);
    byExperiment.set(run.experiment, list);
  }
  const names = [...byExperiment.keys()].sort(compareExperiments);
  const comparisons: PairComparison[] = [];
  for (const pair of await studyPairs(runsDatasetDir)) comparisons.push(await comparePair(pair, byExperiment));
  const experiments = names.map((n) => summarizeExperiment(n, byExperiment.get(n) as CompleteRun[]));
  const ensembles = await computeEnsembles(
    experiments.map((e) => ({
      experiment: e.experiment,
      deterministic: e.deterministic,
      runs: (byExperiment.get(e.experiment) as CompleteRun[]).map((r) => ({
        seed: r.seed,
        dir: r.dir,
        numClasses: r.config.numClasses,
        validatedOnTest: r.config.validationOn === 'test',
      })),
    })),
  );
  const allPairs = options.allPairs ? await allPairsMcNemar(names.map((n) => ({ experiment: n, runs: byExperiment.get(n) as CompleteRun[] }))) : undefined;
  return {
    dataset,
    runsDir: runsDatasetDir,
    headlineMetric: headlineMetricFor(dataset),
    test: MCNEMAR_TEST_NAME,
    multipleComparisons: `none for the study pairs and ensembles (across seeds: the largest per-seed p, so the difference must hold in every seed); allPairs: ${HOLM_METHOD_NAME}`,
    significanceLevel: SIGNIFICANCE_LEVEL,
    experiments,
    comparisons,
    ensembles: ensembles.ensembles,
    ensemblesSkipped: ensembles.skipped,
    ...(allPairs ? { allPairs } : {}),
    incomplete,
  };
}
