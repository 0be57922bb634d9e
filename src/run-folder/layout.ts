// The run folder contract: training writes it, the study, the report and the web page read it.
//
// runs/<dataset>/<experiment>/seed-<n>/
//   config.json            RunConfig (resolved, with versions, backend, dataset md5s)
//   model/model.json       TF.js layers model (best checkpoint by val_loss) + model/weights.bin
//   log.csv                epoch,loss,acc,val_loss,val_acc,val_precision,val_recall,val_macro_f1,val_auc,lr,seconds
//                          (one row per finished epoch; HISTORY_KEYS order)
//   history.json           History
//   tensorboard/           train/ and validation/ TensorBoard event files (src/tensorboard/)
//   predictions-train.csv  index,true,predicted,p0,...,p{K-1}
//   predictions-test.csv   same columns
//   metrics.json           RunMetrics — written LAST: its presence means the run is complete
//   checkpoint/            resume state while a run is unfinished (removed when complete)
import { join } from 'node:path';
import type { GpuAdapterDescription } from '../engine/backends/engine-backend.ts';
import type { PresetName } from '../models/zoo.ts';
import type { AugmentSettings, CallbackSettings, CosineDecayConfig } from './recorded-settings.ts';

/**
 * The version of the run folder's format, written as `formatVersion` in config.json and metrics.json.
 * Folders without it (version 0, written before it was recorded) are upgraded when read (upgrade.ts).
 */
export const RUN_FORMAT_VERSION = 1;

export interface RunConfig {
  formatVersion: typeof RUN_FORMAT_VERSION;
  experiment: string;
  model: string;
  dataset: string;
  dataDir: string;
  seed: number;
  preset: PresetName;
  optimizer: string;
  learningRate: number;
  batchSize: number;
  epochs: number;
  augment: boolean;
  augmentFactor: number;
  // The settings below are null where they do not apply (no augmentation; knn, which does not train;
  // validation on the test set), and in version-0 folders written before they were recorded (upgrade.ts).
  /** Every augmentation range and the fill mode (recorded-settings.ts AugmentSettings). */
  augmentation: AugmentSettings | null;
  /** The optimizer and all its parameters, e.g. { name: 'adam', learningRate, beta1, beta2, epsilon }. */
  optimizerConfig: Record<string, string | number> | null;
  /** Early stopping, best-weights and reduce-LR-on-plateau settings (patience, factor, min-delta, min lr). */
  callbacks: CallbackSettings | null;
  /** Keras's CosineDecay arguments in steps (src/training/lr-schedule.ts); null: a constant rate (callbacks may cut it) or knn. */
  learningRateSchedule: CosineDecayConfig | null;
  /** Keras's label_smoothing of the cross-entropy (0: none; null for knn). */
  labelSmoothing: number | null;
  valSplit: number;
  /** The seed of the stratified validation split. */
  valSplitSeed: number | null;
  /** 'test' only under --preset seed: the original study's leakage, flagged by every reader. */
  validationOn: 'val' | 'test';
  backend: string;
  /** webgpu only (absent otherwise): the adapter the run trained on (vendor, architecture, device, description). */
  gpuAdapter?: GpuAdapterDescription;
  paramCount: number;
  numClasses: number;
  classNames: string[];
  /** The modern character per class, where the dataset's class map gives one (absent otherwise). */
  classChars?: string[];
  datasetMd5: Record<string, string>;
  versions: Record<string, string>;
  createdAt: string;
}

/**
 * Per-epoch values, Keras History-style (one entry per finished epoch). The validation set's macro averages
 * (src/metrics/classification.ts): val_precision, val_recall, val_macro_f1 as in sklearn's classification_report,
 * val_auc as roc_auc_score(multi_class='ovr', average='macro'); NaN (null in JSON) where undefined.
 */
export interface History {
  epoch: number[];
  loss: number[];
  acc: number[];
  val_loss: number[];
  val_acc: number[];
  val_precision: number[];
  val_recall: number[];
  val_macro_f1: number[];
  val_auc: number[];
  lr: number[];
  seconds: number[];
}

/** The columns of log.csv, in order; history.json has the same keys. */
export const HISTORY_KEYS = [
  'epoch',
  'loss',
  'acc',
  'val_loss',
  'val_acc',
  'val_precision',
  'val_recall',
  'val_macro_f1',
  'val_auc',
  'lr',
  'seconds',
] as const satisfies readonly (keyof History)[];

export const emptyHistory = (): History => ({
  epoch: [],
  loss: [],
  acc: [],
  val_loss: [],
  val_acc: [],
  val_precision: [],
  val_recall: [],
  val_macro_f1: [],
  val_auc: [],
  lr: [],
  seconds: [],
});

export interface RunMetrics {
  formatVersion: typeof RUN_FORMAT_VERSION;
  testAccuracy: number;
  testLoss: number;
  balancedAccuracy: number;
  macroF1: number;
  trainAccuracy: number;
  /** Row = true class, column = predicted class. */
  confusion: number[][];
  epochsRun: number;
  /** The epoch of the lowest val_loss (0 for knn). */
  bestEpoch: number;
  /**
   * The epoch whose weights were scored on the test set: bestEpoch when the preset restores the best
   * weights (Keras restore_best_weights), else the last epoch (keras-benchmark); 0 for knn.
   */
  scoredEpoch: number;
  trainSeconds: number;
  /** Training throughput over all epochs (images seen / training seconds). */
  trainImagesPerSecond: number;
  inferenceImagesPerSecond: number;
  backend: string;
  paramCount: number;
  stoppedEarly: boolean;
  /** Absent when there are none. Problems found once training ended (e.g. not learning: see src/training/learning-check.ts); shown by the report. */
  warnings?: string[];
  /**
   * True when the result does not depend on the seed (knn: no training, no randomness): the study runs
   * it once whatever --seeds says and reports it without a spread.
   */
  deterministic: boolean;
  /** knn: seconds to fit (store the training set as a tensor). Absent for trained models. */
  fitSeconds?: number;
}

export const RUN_FILES = {
  config: 'config.json',
  model: 'model',
  log: 'log.csv',
  history: 'history.json',
  /** The images trained on (without the validation ones); column index = position in the dataset's training split. */
  predictionsTrain: 'predictions-train.csv',
  /** The validation images (held out of the training split); absent when validating on test (--preset seed) and for knn. */
  predictionsVal: 'predictions-val.csv',
  predictionsTest: 'predictions-test.csv',
  metrics: 'metrics.json',
  checkpoint: 'checkpoint',
} as const;

export function runDir(runsRoot: string, dataset: string, experiment: string, seed: number): string {
  return join(runsRoot, dataset, experiment, `seed-${seed}`);
}
