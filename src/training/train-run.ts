// One training run, start to finish: resolve the settings, load and split the data, train (or resume),
// then write the run folder (src/run-folder/layout.ts) with metrics.json last.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from '../data/load.ts';
import { defaultDataDir } from '../data/registry.ts';
import { stratifiedIndices, subset } from '../data/splits.ts';
import type { Dataset, DatasetName, ImageSet } from '../data/types.ts';
import { backendInfo, closeBackend, describeBackend, initBackend, setWasmThreads, type BackendChoice } from '../engine/backend.ts';
import { saveModel } from '../engine/model-io.ts';
import { UserError } from '../errors.ts';
import { LOCK_NAME, lockFolder } from '../folder-lock.ts';
import { fitKnn } from '../models/knn.ts';
import { buildModel, getExperiment, type Experiment, type ModelInput } from '../models/zoo.ts';
import { balancedAccuracy, classificationReport, confusionMatrix } from '../metrics/classification.ts';
import { emptyHistory, RUN_FILES, RUN_FORMAT_VERSION, runDir, type History, type RunConfig, type RunMetrics } from '../run-folder/layout.ts';
import { removeTemporaries, replaceDirAtomic } from '../fs/atomic.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { scorePredictions, predictSet, type Predictions } from './evaluate.ts';
import { fit, type FitEnd } from './fit.ts';
import { chooseGpuStepEngine } from './gpu-step-engine.ts';
import { notLearningWarning } from './learning-check.ts';
import { trainingLoss } from './loss.ts';
import { cosineDecayConfig } from './lr-schedule.ts';
import type { CosineDecayConfig } from '../run-folder/recorded-settings.ts';
import { makeOptimizer, optimizerConfig } from './optimizers.ts';
import { resolveTraining, type ResolvedTraining, type TrainFlags } from './options.ts';
import { makeReporter, type ProgressMode, type ProgressReporter } from './progress.ts';
import { Rng, withSeededMathRandomSync } from './rng.ts';
import { predictionsCsv, writeConfig, writeHistory, writeMetrics, writePredictions } from '../run-folder/write.ts';
import { settingsDiff } from '../run-folder/settings-diff.ts';
import { RESUME_NEUTRAL_FIELDS } from './settings/flag-spec.ts';
import { listenForThreads } from './thread-control.ts';
import { runVersions } from './versions.ts';
import { TrainingLog } from './tensorboard-log.ts';

export interface TrainRunOptions extends TrainFlags {
  experiment: string;
  dataset?: DatasetName;
  dataDir?: string;
  /** An already-loaded dataset (tests, the study scheduler); otherwise read from dataDir. */
  data?: Dataset;
  seed?: number;
  backend?: BackendChoice;
  /** wasm: threads for the matrix products (default: initBackend's). */
  threads?: number;
  /** webgpu: accept a software adapter (tests; far slower than wasm). */
  allowSoftwareGpu?: boolean;
  /** Runs root; the run goes to <out>/<dataset>/<experiment>/seed-<n>/. */
  out?: string;
  resume?: boolean;
  force?: boolean;
  progress?: ProgressMode;
  /** Take more threads from {"type":"threads"} lines on stdin (the study scheduler's, as cores free up). */
  growThreads?: boolean;
  /** Stop as if killed once this many epochs are checkpointed (tests of --resume). */
  stopAfterEpoch?: number;
}

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT), resumable with --resume. */
export const INTERRUPTED_EXIT_CODE = 130;

async function loadData(o: TrainRunOptions, dataset: DatasetName): Promise<Dataset> {
  if (o.data) return o.data;
  return loadDataset({ dataset, dataDir: o.dataDir ?? defaultDataDir(dataset) });
}

/** Empties the (locked) run folder, keeping its lock. */
function clearFolder(dir: string): void {
  for (const entry of readdirSync(dir)) if (entry !== LOCK_NAME) rmSync(join(dir, entry), { recursive: true, force: true });
}

/** Refuses to clobber finished work; clears what may be cleared (the caller holds the folder's lock). Returns whether to resume. */
function prepareFolder(dir: string, o: TrainRunOptions): boolean {
  const complete = existsSync(join(dir, RUN_FILES.metrics));
  const resumable = existsSync(join(dir, RUN_FILES.checkpoint, 'latest.json'));
  if (o.force) {
    clearFolder(dir);
    return false;
  }
  if (complete) throw new UserError(`${dir} already holds a finished run (metrics.json); pass --force to overwrite it`);
  if (resumable && !o.resume) {
    throw new UserError(`${dir} holds an unfinished run: pass --resume to continue it, or --force to start over`);
  }
  if (!resumable) clearFolder(dir);
  // What a killed writer was in the middle of (model.tmp-<pid>/, metrics.json.tmp-<pid>).
  removeTemporaries(dir);
  if (o.resume && !resumable) process.stderr.write(`--resume: nothing to resume in ${dir}; starting at epoch 1\n`);
  return resumable;
}

/** On --resume every setting that changes the result must be the one the run started with (src/run-folder/settings-diff.ts). */
function checkSameConfig(dir: string, config: RunConfig): void {
  const path = join(dir, RUN_FILES.config);
  let saved: RunConfig;
  try {
    saved = JSON.parse(readFileSync(path, 'utf8')) as RunConfig;
  } catch {
    throw new UserError(`${path} is missing or unreadable, so the run cannot be resumed; start over with --force`);
  }
  const diff = settingsDiff(saved, config, RESUME_NEUTRAL_FIELDS);
  if (diff.length) throw new UserError(`--resume: settings differ from the run in ${dir} (${diff.join('; ')}); use the same flags or --force`);
}

/** What a run's way of training decides; the rest of RunMetrics comes from its predictions. */
type TrainingMetrics = Omit<RunMetrics, 'formatVersion' | 'testAccuracy' | 'testLoss' | 'balancedAccuracy' | 'macroF1' | 'trainAccuracy' | 'confusion' | 'inferenceImagesPerSecond'>;

/** Writes both predictions files, then metrics.json (last: it marks the run complete); neural and knn runs alike. */
/**
 * The sets a run trains and validates on. `trainIndices`/`valIndices` say which images of the
 * dataset's training set each holds (null when the set is a whole split: --preset seed validates on
 * test; knn has no validation). An empty validation split is refused: early stopping, the best
 * checkpoint and LR reduction would watch nothing (and log val_loss 0).
 */
export interface TrainValSplit {
  train: ImageSet;
  val: ImageSet;
  trainIndices: number[] | null;
  valIndices: number[] | null;
}

function trainValSplit(data: Dataset, training: ResolvedTraining, seed: number, trains: boolean): TrainValSplit {
  if (!trains || training.validationOn === 'test') return { train: data.train, val: data.test, trainIndices: null, valIndices: null };
  if (!Number.isFinite(training.valSplit) || training.valSplit < 0 || training.valSplit >= 1) {
    throw new UserError(`--val-split must be a fraction in [0, 1), got ${training.valSplit}`);
  }
  const { kept, held } = stratifiedIndices(data.train.labels, training.valSplit, seed);
  if (held.length === 0) {
    throw new UserError(
      `--val-split ${training.valSplit} leaves no validation images out of ${data.train.count} training images in ${data.dataDir}: ` +
        'early stopping, the best checkpoint and learning-rate reduction need some; use a larger fraction such as 0.1',
    );
  }
  return { train: subset(data.train, kept), val: subset(data.train, held), trainIndices: kept, valIndices: held };
}

/** The train predictions are of the images trained on (the validation images left out); the validation ones get their own file. */
export interface ScoredSets {
  train: Predictions;
  trainSet: ImageSet;
  trainIndices: number[] | null;
  val?: { pred: Predictions; set: ImageSet; indices: number[] };
}

function writeResults(dir: string, data: Dataset, test: Predictions, scored: ScoredSets, extra: TrainingMetrics): RunMetrics {
  const { numClasses } = data;
  const trainPred = scored.train;
  writePredictions(dir, 'train', predictionsCsv(scored.trainSet.labels, trainPred.predicted, trainPred.probs, numClasses, scored.trainIndices ?? undefined));
  if (scored.val) writePredictions(dir, 'val', predictionsCsv(scored.val.set.labels, scored.val.pred.predicted, scored.val.pred.probs, numClasses, scored.val.indices));
  writePredictions(dir, 'test', predictionsCsv(data.test.labels, test.predicted, test.probs, numClasses));
  const report = classificationReport(data.test.labels, test.predicted, numClasses, data.classNames);
  const metrics: RunMetrics & { classReport: ReturnType<typeof classificationReport>['classes'] } = {
    formatVersion: RUN_FORMAT_VERSION,
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    balancedAccuracy: balancedAccuracy(data.test.labels, test.predicted, numClasses),
    macroF1: report.macroAvg.f1,
    trainAccuracy: trainPred.accuracy,
    confusion: confusionMatrix(data.test.labels, test.predicted, numClasses),
    inferenceImagesPerSecond: data.test.count / Math.max(test.seconds, 1e-9),
    ...extra,
    classReport: report.classes,
  };
  writeMetrics(dir, metrics);
  removeTemporaries(dir);
  return metrics;
}

/** Keras's model.summary() table (TF.js prints the same one), as a markdown code block for TensorBoard's Text tab. */
function modelSummaryMarkdown(model: tf.LayersModel): string {
  const lines: string[] = [];
  model.summary(100, undefined, (line?: string) => lines.push(`    ${line ?? ''}`));
  return lines.join('\n');
}

/** Ctrl-C once: finish the current batch and exit cleanly (the last epoch is checkpointed); twice: now. */
function trapInterrupt(reporter: ProgressReporter): { interrupted: () => boolean; release: () => void } {
  let count = 0;
  const onSigint = (): void => {
    count++;
    if (count > 1) process.exit(INTERRUPTED_EXIT_CODE);
    reporter.note('interrupt: stopping after this batch (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  return { interrupted: () => count > 0, release: () => process.off('SIGINT', onSigint) };
}

/** The schedule in steps for this training set (fit's epochs have ceil(images x augmentFactor / batch) steps). */
function scheduleOf(training: ResolvedTraining, trainCount: number): CosineDecayConfig | null {
  if (!training.lrSchedule) return null;
  const stepsPerEpoch = Math.ceil((trainCount * training.augmentFactor) / training.batchSize);
  return cosineDecayConfig(training.lrSchedule, training.learningRate, training.epochs, stepsPerEpoch);
}

/** config.json's `model` for an experiment with no layers model, e.g. "knn(k=4)". */
function describeNonNeural(e: Experiment): string {
  return e.kind === 'knn' ? `knn(k=${e.k})` : e.name;
}

/** The resolved settings of a run, as config.json records them. */
async function buildConfig(
  experiment: Experiment,
  training: ResolvedTraining,
  data: Dataset,
  label: string,
  seed: number,
  backend: string,
  model: tf.Sequential | null,
  trainCount: number,
): Promise<RunConfig> {
  const info = await backendInfo();
  // settings of training (epochs, optimizer, callbacks, ...) are null for an experiment that does not train
  const trains = experiment.capabilities.trainsByGradientDescent;
  return {
    formatVersion: RUN_FORMAT_VERSION,
    experiment: experiment.name,
    model: model ? model.layers.map((l) => l.getClassName()).join('-') : describeNonNeural(experiment),
    dataset: label,
    dataDir: data.dataDir,
    seed,
    preset: training.preset,
    optimizer: training.optimizer,
    learningRate: training.learningRate,
    batchSize: training.batchSize,
    epochs: trains ? training.epochs : 0,
    augment: training.augment,
    augmentFactor: training.augmentFactor,
    augmentation: trains ? training.augmentation : null,
    optimizerConfig: trains ? optimizerConfig(training.optimizer, training.learningRate, training.weightDecay) : null,
    callbacks: trains ? training.callbacks : null,
    learningRateSchedule: trains ? scheduleOf(training, trainCount) : null,
    labelSmoothing: trains ? training.labelSmoothing : null,
    valSplit: training.valSplit,
    valSplitSeed: !trains || training.validationOn === 'test' ? null : seed,
    validationOn: training.validationOn,
    backend,
    paramCount: model ? model.countParams() : 0,
    numClasses: data.numClasses,
    classNames: data.classNames,
    ...(data.classChars ? { classChars: data.classChars } : {}),
    ...(info.gpuAdapter ? { gpuAdapter: info.gpuAdapter } : {}),
    datasetMd5: data.fileMd5,
    versions: { ...runVersions(), ...(info.wasmSimd !== undefined ? { wasmSimd: String(info.wasmSimd), wasmThreads: String(info.wasmThreads), wasmFma: String(info.wasmFma ?? false) } : {}) },
    createdAt: new Date().toISOString(),
  };
}

export async function trainRun(o: TrainRunOptions): Promise<RunMetrics> {
  try {
    return await trainRunOnBackend(o);
  } finally {
    await closeBackend(); // a live GPU device would keep Node running
  }
}

async function trainRunOnBackend(o: TrainRunOptions): Promise<RunMetrics> {
  const experiment = getExperiment(o.experiment);
  const training: ResolvedTraining = resolveTraining(experiment, o);
  const reporter = makeReporter(o.progress ?? 'auto');
  const seed = o.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0) throw new UserError(`--seed must be a non-negative integer, got ${seed}`);
  const datasetName = o.data?.name ?? o.dataset ?? 'kmnist';
  const dir = runDir(o.out ?? 'runs', datasetName, o.experiment, seed);
  const created = firstMissingFolder(dir);
  const lock = await lockFolder(dir, { what: 'run folder' });
  try {
    return await trainLocked(o, experiment, training, reporter, seed, datasetName, dir);
  } catch (err) {
    await lock.release();
    removeIfNoFiles(created); // a run that failed before writing anything (no data, bad flags) leaves no empty folders
    throw err;
  } finally {
    await lock.release();
  }
}

/** The outermost folder of `dir`'s path that does not exist yet (null when `dir` exists): what a mkdir -p would create. */
function firstMissingFolder(dir: string): string | null {
  let missing: string | null = null;
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing = d;
    if (dirname(d) === d) break;
  }
  return missing;
}

/** Removes `dir` when it holds folders only (what lockFolder's mkdir made, its lock released), never a file. */
function removeIfNoFiles(dir: string | null): void {
  if (dir === null || !existsSync(dir)) return;
  const hasFile = (d: string): boolean => readdirSync(d, { withFileTypes: true }).some((e) => !e.isDirectory() || hasFile(join(d, e.name)));
  if (!hasFile(dir)) rmSync(dir, { recursive: true, force: true });
}

async function trainLocked(
  o: TrainRunOptions,
  experiment: Experiment,
  training: ResolvedTraining,
  reporter: ProgressReporter,
  seed: number,
  datasetName: DatasetName,
  dir: string,
): Promise<RunMetrics> {
  const resuming = prepareFolder(dir, o);

  // Reading and unzipping the data overlaps with starting the backend (its wasm compiles off the main thread).
  const [backend, data] = await Promise.all([
    initBackend(o.backend ?? 'auto', { threads: o.threads, allowSoftwareGpu: o.allowSoftwareGpu, growable: o.growThreads }),
    loadData(o, datasetName),
  ]);
  const input: ModelInput = { height: data.train.height, width: data.train.width, numClasses: data.numClasses };
  const split = trainValSplit(data, training, seed, experiment.capabilities.trainsByGradientDescent);

  const stopListening = o.growThreads
    ? listenForThreads(async (n) => reporter.note(`threads: ${await setWasmThreads(n)} for the matrix products (cores freed by finished runs)`))
    : undefined;
  const rng = new Rng(seed);
  const model = experiment.kind === 'layers' ? withSeededMathRandomSync(rng, () => buildModel(experiment.name, input)) : null;
  try {
    const config = await buildConfig(experiment, training, data, datasetName, seed, backend, model, split.train.count);
    if (resuming) checkSameConfig(dir, config);
    else writeConfig(dir, config);
    if (training.validationOn === 'test') {
      reporter.note(
        'WARNING: --preset seed validates on the TEST set, as the original study did (data leakage): early stopping ' +
          'and the best checkpoint select on test data, so its test accuracy is optimistic. Recorded as validationOn: "test".',
      );
    }
    const sizes = model ? `${split.train.count} train / ${split.val.count} ${training.validationOn}` : `${data.train.count} reference images`;
    reporter.note(`training ${experiment.name} on ${datasetName} (${sizes}) with ${await describeBackend()}, seed ${seed} -> ${dir}`);

    if (experiment.kind === 'knn') return await finishKnn(dir, config, data, data.train, experiment.k, reporter);
    if (!model) throw new Error(`experiment ${experiment.name} built no model`); // unreachable: layers experiments always build one
    return await trainLayers(dir, config, model, training, data, split, rng, reporter, o, resuming);
  } finally {
    stopListening?.();
    model?.dispose();
  }
}

async function trainLayers(
  dir: string,
  config: RunConfig,
  model: tf.Sequential,
  training: ResolvedTraining,
  data: Dataset,
  split: TrainValSplit,
  rng: Rng,
  reporter: ProgressReporter,
  o: TrainRunOptions,
  resuming: boolean,
): Promise<RunMetrics> {
  const optimizer = makeOptimizer(training.optimizer, training.learningRate, training.weightDecay ?? 0);
  model.compile({ optimizer, loss: trainingLoss(training.labelSmoothing), metrics: ['accuracy'] });
  const checkpointDir = join(dir, RUN_FILES.checkpoint);
  const resumeFrom = resuming ? (loadCheckpoint(checkpointDir) ?? undefined) : undefined;
  if (resumeFrom) reporter.note(`resuming after epoch ${resumeFrom.state.epochsDone} from ${checkpointDir}`);
  const tensorboard = TrainingLog.open(dir, modelSummaryMarkdown(model), resumeFrom?.state.history ?? emptyHistory());
  const gpu = await chooseGpuStepEngine({
    model,
    optimizer: training.optimizer,
    learningRate: training.learningRate,
    weightDecay: training.weightDecay ?? null,
    labelSmoothing: training.labelSmoothing,
    batchSize: training.batchSize,
    train: split.train,
    augment: training.augmentation,
    augmentFactor: training.augmentFactor,
    rng,
  });
  if (gpu.note) reporter.note(gpu.note);
  const trap = trapInterrupt(reporter);
  let end;
  try {
    end = await fit({
      stepEngine: gpu.engine,
      model,
      optimizer,
      train: split.train,
      val: split.val,
      numClasses: data.numClasses,
      epochs: training.epochs,
      batchSize: training.batchSize,
      augment: training.augmentation,
      augmentFactor: training.augmentFactor,
      callbacks: training.callbacks,
      lrSchedule: config.learningRateSchedule,
      labelSmoothing: training.labelSmoothing,
      rng,
      reporter,
      checkpointDir,
      resumeFrom,
      interrupted: trap.interrupted,
      stopAfterEpoch: o.stopAfterEpoch,
      onEpoch: async (history: History, improved: boolean) => {
        writeHistory(dir, history);
        tensorboard.epoch(history, history.epoch.length - 1);
        if (improved) await replaceDirAtomic(join(dir, RUN_FILES.model), (tmp) => saveModel(model, tmp));
      },
    });
  } finally {
    trap.release();
    gpu.engine?.dispose();
    optimizer.dispose();
  }
  if (end.kind === 'diverged') throw new UserError(divergedMessage(end, dir));
  if (end.kind === 'interrupted' && end.state.epochsDone === 0) {
    throw new UserError(`stopped during epoch 1, before anything was saved; rerun the same command to start over`, INTERRUPTED_EXIT_CODE);
  }
  if (end.kind === 'interrupted') {
    throw new UserError(
      `stopped after epoch ${end.state.epochsDone} of ${training.epochs}; its state is saved in ${checkpointDir}: continue with --resume`,
      INTERRUPTED_EXIT_CODE,
    );
  }
  const s = end.state;
  const notLearning = notLearningWarning(s.history, data.numClasses);
  if (notLearning) reporter.note(`WARNING: ${notLearning}`);
  // model/ holds the weights the test set is scored with (the best epoch's, unless the preset keeps the last).
  await replaceDirAtomic(join(dir, RUN_FILES.model), (tmp) => saveModel(model, tmp));
  const testPred = await predictSet(model, data.test, data.numClasses);
  const trainPred = await predictSet(model, split.train, data.numClasses);
  const val = split.valIndices ? { pred: await predictSet(model, split.val, data.numClasses), set: split.val, indices: split.valIndices } : undefined;
  const metrics = writeResults(dir, data, testPred, { train: trainPred, trainSet: split.train, trainIndices: split.trainIndices, val }, {
    epochsRun: s.epochsDone,
    bestEpoch: s.callbacks.bestEpoch,
    scoredEpoch: training.callbacks.restoreBest && s.callbacks.bestEpoch > 0 ? s.callbacks.bestEpoch : s.epochsDone,
    trainSeconds: s.history.seconds.reduce((a, b) => a + b, 0),
    trainImagesPerSecond: s.imagesSeen / Math.max(s.trainStepSeconds, 1e-9),
    backend: config.backend,
    paramCount: config.paramCount,
    stoppedEarly: s.stoppedEarly,
    deterministic: false,
    ...(notLearning ? { warnings: [notLearning] } : {}),
  });
  rmSync(checkpointDir, { recursive: true, force: true });
  reporter.done(metrics.testAccuracy, metrics.testLoss);
  return metrics;
}

/** What a diverged run says: where it stopped, what was kept, and what the rerun needs. */
export function divergedMessage(end: Extract<FitEnd, { kind: 'diverged' }>, dir: string): string {
  const where = `${end.batch === null ? 'validation loss' : 'loss'} became ${end.loss} at epoch ${end.epoch}${end.batch === null ? '' : `, batch ${end.batch}`}`;
  const done = end.state.epochsDone;
  const kept =
    done === 0
      ? 'no epoch had finished, so nothing was kept; try a lower --lr'
      : `epochs 1-${done} are logged in ${join(dir, RUN_FILES.log)} and checkpointed; try a lower --lr with --force to start over`;
  return `training diverged: the ${where} (learning rate ${end.state.lr}); stopped: ${kept}`;
}

async function finishKnn(dir: string, config: RunConfig, data: Dataset, train: ImageSet, k: number, reporter: ProgressReporter): Promise<RunMetrics> {
  writeHistory(dir, emptyHistory());
  const fitStart = performance.now();
  const index = fitKnn(train);
  const fitSeconds = (performance.now() - fitStart) / 1000;
  const score = async (set: ImageSet): Promise<Predictions> => {
    const start = performance.now();
    const probs = await index.predict(set, k, data.numClasses);
    return scorePredictions(probs, set.labels, data.numClasses, (performance.now() - start) / 1000);
  };
  let testPred: Predictions;
  let trainPred: Predictions;
  try {
    testPred = await score(data.test);
    trainPred = await score(data.train);
  } finally {
    index.dispose();
  }
  // No training: the fit stores the training set; inferenceImagesPerSecond is the prediction speed on the test set.
  const metrics = writeResults(dir, data, testPred, { train: trainPred, trainSet: data.train, trainIndices: null }, {
    epochsRun: 0,
    bestEpoch: 0,
    scoredEpoch: 0,
    trainSeconds: 0,
    trainImagesPerSecond: 0,
    backend: config.backend,
    paramCount: 0,
    stoppedEarly: false,
    deterministic: true,
    fitSeconds,
  });
  reporter.done(metrics.testAccuracy, metrics.testLoss);
  return metrics;
}
