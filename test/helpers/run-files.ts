// Complete config.json / metrics.json values of the current format, for tests that write run folders by
// hand: the reader checks their whole shape, so a test states only the fields it is about.
import { RUN_FORMAT_VERSION, type RunConfig, type RunMetrics } from '../../src/run-folder/layout.ts';

/** A trained run's config.json (cnn, kmnist, seed 1) with `over` applied. */
export function fullConfig(over: Partial<RunConfig> = {}): RunConfig {
  return {
    formatVersion: RUN_FORMAT_VERSION,
    experiment: 'cnn',
    model: 'cnn',
    dataset: 'kmnist',
    dataDir: 'data/kmnist',
    seed: 1,
    preset: 'default',
    optimizer: 'adam',
    learningRate: 0.001,
    batchSize: 128,
    epochs: 15,
    augment: false,
    augmentFactor: 1,
    augmentation: null,
    optimizerConfig: { name: 'adam', learningRate: 0.001 },
    callbacks: null,
    learningRateSchedule: null,
    labelSmoothing: 0,
    valSplit: 0.1,
    valSplitSeed: 1,
    validationOn: 'val',
    backend: 'cpu',
    paramCount: 1000,
    numClasses: 10,
    classNames: Array.from({ length: 10 }, (_, k) => String(k)),
    datasetMd5: {},
    versions: {},
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

/** A trained run's metrics.json with `over` applied. */
export function fullMetrics(over: Partial<RunMetrics> = {}): RunMetrics {
  return {
    formatVersion: RUN_FORMAT_VERSION,
    testAccuracy: 0.9,
    testLoss: 0.4,
    balancedAccuracy: 0.9,
    macroF1: 0.9,
    trainAccuracy: 0.99,
    confusion: [],
    epochsRun: 12,
    bestEpoch: 9,
    scoredEpoch: 9,
    trainSeconds: 100,
    trainImagesPerSecond: 1000,
    inferenceImagesPerSecond: 9000,
    backend: 'cpu',
    paramCount: 1000,
    stoppedEarly: true,
    deterministic: false,
    ...over,
  };
}
