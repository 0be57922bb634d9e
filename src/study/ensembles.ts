// Soft-vote ensembles computed from finished runs' saved test probabilities (predictions-test.csv), with no
// training of their own: the seeds of one experiment, and every neural experiment together. Each is tested
// against a single run (its experiment's representative seed) with McNemar's exact test.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { argmaxRows, balancedAccuracy, classificationReport } from '../metrics/classification.ts';
import { representativeSeed } from './experiments.ts';
import { RUN_FILES } from '../run-folder/layout.ts';
import { readPredictions, sameTestImages, type PredictedLabels } from '../run-folder/read.ts';
import { explainMcNemar, mcnemar, mean, type McNemarResult } from '../metrics/stats.ts';

/** One finished run as an ensemble needs it (its accuracy is recomputed from its predictions). */
export interface EnsembleMemberRun {
  seed: number;
  dir: string;
  /** config.json's numClasses: how many probability columns (p0..p{K-1}) predictions-test.csv has. */
  numClasses: number | undefined;
  /** Validated on the test set (the `seed` preset): an ensemble containing it is optimistic too. */
  validatedOnTest: boolean;
}

/** One experiment's finished runs, in the study's display order. */
export interface EnsembleGroup {
  experiment: string;
  /** The result does not depend on the seed (knn): no seed ensemble, and not a neural network. */
  deterministic: boolean;
  runs: EnsembleMemberRun[];
}

/** An ensemble against one single run on the same test images (A = the ensemble, B = the run). */
export interface EnsembleVersusRun extends McNemarResult {
  experiment: string;
  seed: number;
  /** The single run's test accuracy. */
  testAccuracy: number;
  /** Ensemble test accuracy minus the run's (a fraction: 0.01 = 1 point). */
  gain: number;
  words: string;
}

export interface EnsembleSummary {
  /** 'seeds': one experiment's seeds; 'neural': every experiment except the deterministic ones (knn). */
  kind: 'seeds' | 'neural';
  /** "cnn ensemble" or "neural ensemble". */
  name: string;
  /** Which runs were averaged: per experiment, its seeds. */
  members: { experiment: string; seeds: number[] }[];
  /** Test images. */
  count: number;
  testAccuracy: number;
  macroF1: number;
  balancedAccuracy: number;
  /**
   * The single run the ensemble is tested against: the representative seed (study/experiments.ts) of the
   * experiment (seeds), or of the neural experiment with the highest mean test accuracy (neural).
   */
  reference: EnsembleVersusRun;
  /** seeds: the ensemble against each of its seeds (the reference among them); neural: empty. */
  versusSeeds: EnsembleVersusRun[];
  /** seeds: ensemble accuracy minus the mean of its seeds' accuracies; neural: minus the best experiment's mean. */
  gainOverMean: number;
  /** Some member was validated on the test set: the ensemble's test numbers are optimistic. */
  validatedOnTest: boolean;
}

export interface EnsembleSkip {
  name: string;
  reason: string;
}

export interface Ensembles {
  ensembles: EnsembleSummary[];
  /** Ensembles that could have been formed and were not, with why. */
  skipped: EnsembleSkip[];
}

/**
 * Adds a run's count x K probabilities (row-major) into `sum` (same shape), scaled by `weight`.
 * Float64 sums: averaging 30 float32 rows stays exact to ~1e-15.
 */
export function accumulate(sum: Float64Array, probs: ArrayLike<number>, weight = 1): void {
  if (sum.length !== probs.length) throw new RangeError(`accumulate: ${probs.length} probabilities into a sum of ${sum.length}`);
  for (let i = 0; i < sum.length; i++) sum[i] += weight * probs[i];
}

/**
 * Soft voting (scikit-learn's VotingClassifier(voting='soft')): the mean of the members' probabilities,
 * then the argmax per image. Each member is count x K probabilities, row-major.
 */
export function softVote(members: readonly ArrayLike<number>[], numClasses: number): Int32Array {
  if (members.length === 0) throw new RangeError('softVote: no members');
  const sum = new Float64Array(members[0].length);
  for (const m of members) accumulate(sum, m);
  return argmaxRows(sum, numClasses); // the mean's argmax is the sum's
}

function accuracyOf(truth: Int32Array, pred: Int32Array): number {
  let right = 0;
  for (let i = 0; i < truth.length; i++) if (truth[i] === pred[i]) right++;
  return truth.length === 0 ? 0 : right / truth.length;
}

/** One experiment's seeds read: each seed's own answers (the mean probabilities travel separately, once). */
interface ExperimentVote {
  experiment: string;
  seeds: number[];
  seedPreds: Map<number, Int32Array>;
  seedAccuracy: Map<number, number>;
  validatedOnTest: boolean;
}

interface TestSet {
  labels: PredictedLabels;
  numClasses: number;
  /** The run whose file set the reference, for messages. */
  file: string;
}

/**
 * Largest predictions-test.csv the ensembles read (bytes). Kuzushiji-Kanji's (28k test images x 3,832 classes)
 * is well over it: its ensembles are left out with the reason rather than holding gigabytes at the end of `run`.
 */
export const MAX_PREDICTIONS_BYTES = 256 * 1024 * 1024;

/**
 * Reads an experiment's seeds one at a time (only the running sum is held) and checks they share `ref`'s test
 * images. Returns the seeds' answers and their mean probabilities (count x K, row-major).
 */
async function readExperiment(group: EnsembleGroup, ref: { set: TestSet | null }, maxBytes: number): Promise<{ vote: ExperimentVote; meanProbs: Float64Array }> {
  const runs = [...group.runs].sort((a, b) => a.seed - b.seed);
  let sum: Float64Array | null = null;
  const seedPreds = new Map<number, Int32Array>();
  const seedAccuracy = new Map<number, number>();
  for (const run of runs) {
    const file = join(run.dir, RUN_FILES.predictionsTest);
    if (run.numClasses === undefined) throw new UserError(`${join(run.dir, RUN_FILES.config)}: no numClasses, so ${file}'s probability columns are unknown`);
    if (ref.set !== null && ref.set.numClasses !== run.numClasses) {
      throw new UserError(`${file}: ${run.numClasses} classes, ${ref.set.file} has ${ref.set.numClasses}`);
    }
    const bytes = existsSync(file) ? statSync(file).size : 0;
    if (bytes > maxBytes) {
      throw new UserError(`${file}: ${(bytes / 2 ** 20).toFixed(1)} MiB, more than the ${(maxBytes / 2 ** 20).toFixed(1)} MiB of probabilities an ensemble reads`);
    }
    const p = await readPredictions(file, run.numClasses);
    if (ref.set === null) ref.set = { labels: p, numClasses: run.numClasses, file };
    else if (!sameTestImages(ref.set.labels, p)) throw new UserError(`${file} and ${ref.set.file} were tested on different images`);
    sum ??= new Float64Array(p.probs.length);
    accumulate(sum, p.probs, 1 / runs.length);
    seedPreds.set(run.seed, p.yPred);
    seedAccuracy.set(run.seed, accuracyOf(p.yTrue, p.yPred));
  }
  const vote = { experiment: group.experiment, seeds: runs.map((r) => r.seed), seedPreds, seedAccuracy, validatedOnTest: runs.some((r) => r.validatedOnTest) };
  return { vote, meanProbs: sum ?? new Float64Array(0) };
}

function versus(ensembleName: string, truth: Int32Array, ensemblePred: Int32Array, ensembleAccuracy: number, vote: ExperimentVote, seed: number): EnsembleVersusRun {
  const pred = vote.seedPreds.get(seed) as Int32Array;
  const r = mcnemar(truth, ensemblePred, pred);
  const accuracy = vote.seedAccuracy.get(seed) as number;
  return { experiment: vote.experiment, seed, testAccuracy: accuracy, gain: ensembleAccuracy - accuracy, ...r, words: explainMcNemar(ensembleName, `${vote.experiment} seed ${seed}`, r) };
}

function scores(truth: Int32Array, pred: Int32Array, numClasses: number): Pick<EnsembleSummary, 'count' | 'testAccuracy' | 'macroF1' | 'balancedAccuracy'> {
  const report = classificationReport(truth, pred, numClasses);
  return { count: truth.length, testAccuracy: report.accuracy, macroF1: report.macroAvg.f1, balancedAccuracy: balancedAccuracy(truth, pred, numClasses) };
}

function seedEnsemble(vote: ExperimentVote, meanProbs: Float64Array, set: TestSet): EnsembleSummary {
  const name = `${vote.experiment} ensemble`;
  const truth = set.labels.yTrue;
  const pred = argmaxRows(meanProbs, set.numClasses);
  const s = scores(truth, pred, set.numClasses);
  const versusSeeds = vote.seeds.map((seed) => versus(name, truth, pred, s.testAccuracy, vote, seed));
  const rep = representativeSeed(vote.seeds);
  return {
    kind: 'seeds',
    name,
    members: [{ experiment: vote.experiment, seeds: vote.seeds }],
    ...s,
    reference: versusSeeds.find((v) => v.seed === rep) as EnsembleVersusRun,
    versusSeeds,
    gainOverMean: s.testAccuracy - mean([...vote.seedAccuracy.values()]),
    validatedOnTest: vote.validatedOnTest,
  };
}

/** `meanProbs`: every experiment's seeds averaged first, then the experiments averaged with equal weight. */
function neuralEnsemble(votes: ExperimentVote[], meanProbs: Float64Array, set: TestSet): EnsembleSummary {
  const name = 'neural ensemble';
  const truth = set.labels.yTrue;
  const pred = argmaxRows(meanProbs, set.numClasses);
  const s = scores(truth, pred, set.numClasses);
  const meanAccuracy = (v: ExperimentVote): number => mean([...v.seedAccuracy.values()]);
  const best = votes.reduce((a, b) => (meanAccuracy(b) > meanAccuracy(a) ? b : a));
  return {
    kind: 'neural',
    name,
    members: votes.map((v) => ({ experiment: v.experiment, seeds: v.seeds })),
    ...s,
    reference: versus(name, truth, pred, s.testAccuracy, best, representativeSeed(best.seeds)),
    versusSeeds: [],
    gainOverMean: s.testAccuracy - meanAccuracy(best),
    validatedOnTest: votes.some((v) => v.validatedOnTest),
  };
}

/**
 * The study's ensembles from its finished runs: a seed ensemble for every non-deterministic experiment with
 * 2 or more runs, and the neural ensemble of every non-deterministic experiment when there are 2 or more.
 * All runs must have been tested on the same images (index and label per row) with the same classes; a run
 * whose predictions cannot be read or do not match leaves out the ensembles it belongs to, with the reason
 * in `skipped` (the rest of the summary does not need the probabilities), as does a predictions file over
 * `maxPredictionsBytes` (default MAX_PREDICTIONS_BYTES).
 */
export async function computeEnsembles(groups: readonly EnsembleGroup[], { maxPredictionsBytes = MAX_PREDICTIONS_BYTES } = {}): Promise<Ensembles> {
  const out: Ensembles = { ensembles: [], skipped: [] };
  for (const g of groups) {
    if (g.deterministic && g.runs.length >= 2) out.skipped.push({ name: `${g.experiment} ensemble`, reason: `${g.experiment} is deterministic: its seeds are the same model` });
  }
  const neural = groups.filter((g) => !g.deterministic && g.runs.length > 0);
  const ref: { set: TestSet | null } = { set: null };
  const votes: ExperimentVote[] = [];
  const neuralWanted = neural.length >= 2;
  let neuralBlocked: string | null = null;
  // The neural ensemble's running sum: each experiment's mean is added as it is read, then dropped.
  let neuralSum: Float64Array | null = null;
  for (const g of neural) {
    const wanted = g.runs.length >= 2;
    if (!wanted && !neuralWanted) continue;
    let read;
    try {
      read = await readExperiment(g, ref, maxPredictionsBytes);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      if (wanted) out.skipped.push({ name: `${g.experiment} ensemble`, reason: err.message });
      neuralBlocked ??= err.message;
      continue;
    }
    votes.push(read.vote);
    if (wanted) out.ensembles.push(seedEnsemble(read.vote, read.meanProbs, ref.set as TestSet));
    if (neuralWanted && neuralBlocked === null) {
      neuralSum ??= new Float64Array(read.meanProbs.length);
      accumulate(neuralSum, read.meanProbs, 1 / neural.length);
    }
  }
  if (neuralWanted) {
    if (neuralBlocked !== null) out.skipped.push({ name: 'neural ensemble', reason: neuralBlocked });
    else out.ensembles.push(neuralEnsemble(votes, neuralSum as Float64Array, ref.set as TestSet));
  }
  return out;
}

/** "seeds 1, 2, 3" (seeds) or "cnn (seeds 1, 2, 3), fcnn (seed 1)" (neural). */
export function membersText(e: Pick<EnsembleSummary, 'kind' | 'members'>): string {
  const seeds = (list: number[]): string => `seed${list.length === 1 ? '' : 's'} ${list.join(', ')}`;
  return e.kind === 'seeds' ? seeds(e.members[0].seeds) : e.members.map((m) => `${m.experiment} (${seeds(m.seeds)})`).join(', ');
}

/** "+0.85 points" / "−0.10 points": an accuracy difference (a fraction) in percentage points. */
export function pointsText(gain: number): string {
  const points = gain * 100;
  return `${points > 0 ? '+' : points < 0 ? '−' : '±'}${Math.abs(points).toFixed(2)} points`;
}

/** What the ensemble is tested against, e.g. "cnn seed 1 (the representative seed)". */
export function referenceText(e: Pick<EnsembleSummary, 'kind' | 'reference'>): string {
  const r = e.reference;
  return e.kind === 'seeds'
    ? `${r.experiment} seed ${r.seed} (the representative seed)`
    : `${r.experiment} seed ${r.seed} (the representative seed of the best experiment by mean test accuracy)`;
}
