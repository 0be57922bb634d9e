import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '../../src/engine/model-io.ts';
import { UserError } from '../../src/errors.ts';
import { HISTORY_KEYS, type History, type RunConfig, type RunMetrics } from '../../src/run-folder/layout.ts';
import { readEventFile } from '../../src/tensorboard/events.ts';
import { cosineDecay } from '../../src/training/lr-schedule.ts';
import type { CosineDecayConfig } from '../../src/run-folder/recorded-settings.ts';
import { INTERRUPTED_EXIT_CODE, trainRun, type TrainRunOptions } from '../../src/training/train-run.ts';
import { syntheticDataset } from './synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-train-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const data = syntheticDataset({ train: 200, test: 60, size: 8, numClasses: 4 });
const base = (out: string, extra: Partial<TrainRunOptions> = {}): TrainRunOptions => ({
  experiment: 'cnn-aug',
  data,
  epochs: 3,
  batchSize: 32,
  seed: 1,
  backend: 'wasm',
  out: join(root, out),
  progress: 'none',
  ...extra,
});
const folder = (out: string, experiment = 'cnn-aug', seed = 1): string => join(root, out, 'kmnist', experiment, `seed-${seed}`);
const read = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Everything in a run's results except wall-clock times. */
function results(dir: string): unknown {
  const h = read<History>(join(dir, 'history.json'));
  const m = read<RunMetrics>(join(dir, 'metrics.json'));
  return {
    history: { ...h, seconds: undefined },
    metrics: { ...m, trainSeconds: undefined, trainImagesPerSecond: undefined, inferenceImagesPerSecond: undefined },
    predictions: readFileSync(join(dir, 'predictions-test.csv'), 'utf8'),
  };
}

/** Every scalar of the run's TensorBoard log, per folder and tag: [step, value] pairs in file order (CRCs checked). */
function tensorboardScalars(dir: string): Record<string, Record<string, [number, number][]>> {
  const out: Record<string, Record<string, [number, number][]>> = {};
  for (const sub of ['train', 'validation']) {
    const files = readdirSync(join(dir, 'tensorboard', sub));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\./);
    const tags: Record<string, [number, number][]> = {};
    for (const e of readEventFile(join(dir, 'tensorboard', sub, files[0]))) {
      for (const v of e.scalars) (tags[v.tag] ??= []).push([e.step, v.value]);
    }
    out[sub] = tags;
  }
  return out;
}

async function expectUserError(p: Promise<unknown>, pattern: RegExp, exitCode = 1): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect((err as UserError).message).toMatch(pattern);
  expect((err as UserError).exitCode).toBe(exitCode);
}

describe('trainRun', () => {
  it('is deterministic: same seed, same backend -> identical history, metrics and predictions', async () => {
    await trainRun(base('det-a'));
    await trainRun(base('det-b'));
    await trainRun(base('det-c', { seed: 2 }));
    expect(results(folder('det-a'))).toEqual(results(folder('det-b')));
    expect(results(folder('det-c', 'cnn-aug', 2))).not.toEqual(results(folder('det-a')));
  });

  it('reports the training images without the validation ones, and the validation images in a file of their own', () => {
    const rows = (file: string): number[] => readFileSync(join(folder('det-a'), file), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
    const train = rows('predictions-train.csv');
    const val = rows('predictions-val.csv');
    // 200 training images, 10 % held out (stratified): 180 trained on, 20 validated on, none in both
    expect([train.length, val.length]).toEqual([180, 20]);
    expect(new Set([...train, ...val]).size).toBe(200);
    expect(Math.max(...train, ...val)).toBe(199);
  });

  it('refuses a validation split that leaves no image out, naming the flag', async () => {
    // 50 images a class: round(50 * 0.005) = 0 held out
    await expectUserError(trainRun(base('empty-val', { valSplit: 0.005 })), /--val-split 0\.005 leaves no validation images out of 200 training images/);
  });

  it('resumes a run stopped after epoch 1 and ends exactly like the uninterrupted run', async () => {
    await expectUserError(trainRun(base('resume', { stopAfterEpoch: 1 })), /continue with --resume/, INTERRUPTED_EXIT_CODE);
    const dir = folder('resume');
    expect(existsSync(join(dir, 'metrics.json'))).toBe(false);
    expect(existsSync(join(dir, 'checkpoint', 'latest.json'))).toBe(true);
    expect(readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n')).toHaveLength(2);
    // Without --resume the unfinished run is protected too.
    await expectUserError(trainRun(base('resume')), /unfinished run: pass --resume/);
    await expectUserError(trainRun(base('resume', { resume: true, epochs: 4 })), /settings differ.*epochs: 3 -> 4/);
    const tensors = tf.memory().numTensors;
    await trainRun(base('resume', { resume: true }));
    expect(tf.memory().numTensors).toBe(tensors); // nothing leaks per epoch or from the checkpoint
    expect(results(dir)).toEqual(results(folder('det-a')));
    expect(existsSync(join(dir, 'checkpoint'))).toBe(false);
    // The TensorBoard log of the resumed run: epochs 1-3 once each, the same values as the uninterrupted run's.
    expect(tensorboardScalars(dir)).toEqual(tensorboardScalars(folder('det-a')));
  });

  it('writes a complete, well-formed run folder with metrics.json last', async () => {
    const dir = folder('det-a');
    const config = read<RunConfig>(join(dir, 'config.json'));
    expect(config).toMatchObject({ experiment: 'cnn-aug', dataset: 'kmnist', seed: 1, preset: 'default', optimizer: 'adam', augment: true, augmentFactor: 1, validationOn: 'val', backend: 'wasm', numClasses: 4, epochs: 3, batchSize: 32 });
    expect(config.datasetMd5).toEqual({ synthetic: '0' });
    expect(config.versions['@tensorflow/tfjs']).toBe('4.22.0');
    const log = readFileSync(join(dir, 'log.csv'), 'utf8').trim().split('\n');
    expect(log[0]).toBe('epoch,loss,acc,val_loss,val_acc,val_precision,val_recall,val_macro_f1,val_auc,lr,seconds');
    expect(log).toHaveLength(4);
    const h = read<History>(join(dir, 'history.json'));
    for (const key of HISTORY_KEYS) expect(h[key]).toHaveLength(3);
    for (const key of ['val_precision', 'val_recall', 'val_macro_f1', 'val_auc'] as const) {
      for (const v of h[key]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
      }
    }
    expect(h.val_auc[2]).toBeGreaterThan(0.5); // better than chance on the easy synthetic classes
    // log.csv holds the same numbers as history.json.
    const lastRow = log[3].split(',').map(Number);
    expect(lastRow[8]).toBe(h.val_auc[2]);
    expect(lastRow[7]).toBe(h.val_macro_f1[2]);
    // TensorBoard: every epoch's values as history.json has them (float32, as event files store them).
    const tb = tensorboardScalars(dir);
    const series = (key: keyof History): [number, number][] => h.epoch.map((e, i) => [e, Math.fround(h[key][i])]);
    expect(tb.train).toEqual({ epoch_loss: series('loss'), epoch_accuracy: series('acc'), epoch_learning_rate: series('lr') });
    expect(tb.validation).toEqual({
      epoch_loss: series('val_loss'),
      epoch_accuracy: series('val_acc'),
      epoch_precision: series('val_precision'),
      epoch_recall: series('val_recall'),
      epoch_macro_f1: series('val_macro_f1'),
      epoch_auc: series('val_auc'),
    });
    const trainEvents = readEventFile(join(dir, 'tensorboard', 'train', readdirSync(join(dir, 'tensorboard', 'train'))[0]));
    expect(trainEvents[0].fileVersion).toBe('brain.Event:2');
    expect(trainEvents[1].texts['model/summary']).toMatch(/conv2d.*\n.*Total params/s);
    for (const which of ['train', 'test'] as const) {
      const rows = readFileSync(join(dir, `predictions-${which}.csv`), 'utf8').trim().split('\n');
      expect(rows[0]).toBe('index,true,predicted,p0,p1,p2,p3');
      // train: the 180 images trained on (the 20 validation images are in predictions-val.csv)
      expect(rows).toHaveLength(1 + (which === 'train' ? 180 : 60));
      const probs = rows[1].split(',').slice(3).map(Number);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
    const m = read<RunMetrics>(join(dir, 'metrics.json'));
    expect(m.testAccuracy).toBeGreaterThan(0.5); // the synthetic classes are easy
    expect(m.confusion.flat().reduce((a, b) => a + b, 0)).toBe(60);
    expect(m.epochsRun).toBe(3);
    expect(m.paramCount).toBe(config.paramCount);
    const metricsTime = statSync(join(dir, 'metrics.json')).mtimeMs;
    for (const f of ['config.json', 'log.csv', 'history.json', 'predictions-train.csv', 'predictions-test.csv', 'model/model.json']) {
      expect(statSync(join(dir, f)).mtimeMs).toBeLessThanOrEqual(metricsTime);
    }
    // model/ holds the weights the test set was scored with.
    const model = await loadModel(join(dir, 'model'));
    const x = tf.tensor4d(Float32Array.from(data.test.images.subarray(0, 64), (v) => v / 255), [1, 8, 8, 1]);
    const p = (model.predict(x) as tf.Tensor).dataSync();
    const row = readFileSync(join(dir, 'predictions-test.csv'), 'utf8').split('\n')[1].split(',').slice(3).map(Number);
    for (let c = 0; c < 4; c++) expect(p[c]).toBeCloseTo(row[c], 4);
  });

  it('never overwrites a finished run without --force', async () => {
    await expectUserError(trainRun(base('det-a')), /already holds a finished run.*--force/);
    await expectUserError(trainRun(base('det-a', { resume: true })), /already holds a finished run/);
    const m = await trainRun(base('det-a', { force: true, epochs: 1 }));
    expect(m.epochsRun).toBe(1);
  });

  it('stops with a clear message when the loss becomes NaN', async () => {
    // tfjs clips the training loss, so this blow-up shows as a NaN validation loss after epoch 1.
    const run = trainRun(base('nan', { experiment: 'fcnn', optimizer: 'sgd', learningRate: 1e20 }));
    await expectUserError(run, /training diverged: the (validation )?loss became (NaN|Infinity) at epoch 1\b.*lower --lr/);
    expect(existsSync(join(folder('nan', 'fcnn'), 'metrics.json'))).toBe(false);
  });

  it('records the study preset: Adadelta, validation on the test set', async () => {
    await trainRun(base('seed', { experiment: 'fcnn', preset: 'seed', epochs: 1 }));
    const config = read<RunConfig>(join(folder('seed', 'fcnn'), 'config.json'));
    expect(config).toMatchObject({ preset: 'seed', optimizer: 'adadelta', learningRate: 0.001, validationOn: 'test', valSplit: 0 });
  });

  it('records which epoch was scored: keras-benchmark keeps its last weights, the default preset its best', async () => {
    const bench = await trainRun(base('bench', { experiment: 'fcnn', preset: 'keras-benchmark', epochs: 2 }));
    expect(bench.scoredEpoch).toBe(2);
    const best = await trainRun(base('best', { experiment: 'fcnn', epochs: 2 }));
    expect(best.scoredEpoch).toBe(best.bestEpoch);
    expect(read<RunMetrics>(join(folder('bench', 'fcnn'), 'metrics.json')).scoredEpoch).toBe(2);
  });

  it('cnn-modern (the modern preset): records its recipe, follows the schedule per step, and resumes exactly', async () => {
    const modern = (out: string, extra: Partial<TrainRunOptions> = {}): TrainRunOptions => base(out, { experiment: 'cnn-modern', epochs: 3, ...extra });
    await trainRun(modern('modern-a'));
    const dir = folder('modern-a', 'cnn-modern');
    const config = read<RunConfig>(join(dir, 'config.json'));
    // 180 training images, batches of 32: 6 steps an epoch; 2 warm-up epochs, the third decays
    const schedule = { name: 'CosineDecay', initialLearningRate: 0, decaySteps: 6, alpha: 0, warmupTarget: 3e-3, warmupSteps: 12 };
    expect(config).toMatchObject({
      preset: 'modern',
      optimizer: 'adamw',
      augment: true,
      optimizerConfig: { name: 'adamw', learningRate: 3e-3, weightDecay: 0.05 },
      learningRateSchedule: schedule,
      labelSmoothing: 0.1,
      callbacks: { earlyStopping: false, reduceLr: false, restoreBest: false },
    });
    const h = read<History>(join(dir, 'history.json'));
    expect(h.lr).toEqual([5, 11, 17].map((step) => cosineDecay(schedule as CosineDecayConfig, step)));
    expect(read<RunMetrics>(join(dir, 'metrics.json')).scoredEpoch).toBe(3);

    await expectUserError(trainRun(modern('modern-b', { stopAfterEpoch: 1 })), /continue with --resume/, INTERRUPTED_EXIT_CODE);
    await trainRun(modern('modern-b', { resume: true }));
    expect(results(folder('modern-b', 'cnn-modern'))).toEqual(results(dir));
  });

  it('runs the knn baseline into the same run-folder layout', async () => {
    const m = await trainRun({ experiment: 'knn', data, seed: 1, backend: 'wasm', out: join(root, 'knn'), progress: 'none' });
    expect(m.testAccuracy).toBeGreaterThan(0.9);
    expect(m.paramCount).toBe(0);
    // its own fields: deterministic, a fit time and a prediction throughput
    expect(m.deterministic).toBe(true);
    expect(m.fitSeconds).toBeGreaterThanOrEqual(0);
    expect(m.inferenceImagesPerSecond).toBeGreaterThan(0);
    expect(existsSync(join(folder('knn', 'knn'), 'predictions-test.csv'))).toBe(true);
  });

  it('rejects bad settings with UserErrors naming the flag', async () => {
    await expectUserError(trainRun(base('bad', { experiment: 'nope' })), /unknown experiment "nope"/);
    await expectUserError(trainRun(base('bad', { preset: 'fast' })), /--preset: unknown preset "fast"/);
    await expectUserError(trainRun(base('bad', { optimizer: 'lion' })), /--optimizer: unknown optimizer "lion"/);
    await expectUserError(trainRun(base('bad', { experiment: 'cnn', augmentFactor: 3 })), /--augment-factor needs augmentation/);
    await expectUserError(trainRun(base('bad', { valSplit: 0 })), /--val-split must be a fraction in \(0, 1\)/);
  });
});
