// Synthetic run folders for the web tests: a tiny CNN, a tiny dense net (saved in the standard TF.js format by
// the project's saveModel) and a knn run without a model, all over 24 made-up test images; one seed each by
// default, or the seeds a test asks for. KMNIST-like by default (28x28, 10 classes), or Kuzushiji-Kanji-like
// (64x64 inputs, 3,832 classes) with KKANJI.
// predictions-test.csv holds what each model really predicts in Node, so the page can be checked against it.
import * as tf from '@tensorflow/tfjs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mulberry32 } from '../../src/data/rng.ts';
import type { ImageSet } from '../../src/data/types.ts';
import { saveModel } from '../../src/engine/model-io.ts';
import { RUN_FORMAT_VERSION, type RunConfig, type RunMetrics } from '../../src/run-folder/layout.ts';

export const CLASS_CHARS = ['お', 'き', 'す', 'つ', 'な', 'は', 'ま', 'や', 'れ', 'を'];
export const CLASS_NAMES = CLASS_CHARS.map((c) => `${c} (U+${c.codePointAt(0)?.toString(16).toUpperCase()})`);
export const COUNT = 24;

/** The dataset a set of synthetic runs claims: its name, image side and classes. */
export interface SyntheticDataset {
  name: 'kmnist' | 'kkanji';
  side: number;
  classChars: string[];
  classNames: string[];
}

export const KMNIST: SyntheticDataset = { name: 'kmnist', side: 28, classChars: CLASS_CHARS, classNames: CLASS_NAMES };

/** Kuzushiji-Kanji's shape: 64x64 images, 3,832 classes (here the 3,832 CJK characters from U+4E00). */
export const KKANJI_CLASSES = 3832;
const KANJI_CHARS = Array.from({ length: KKANJI_CLASSES }, (_, k) => String.fromCodePoint(0x4e00 + k));
export const KKANJI: SyntheticDataset = {
  name: 'kkanji',
  side: 64,
  classChars: KANJI_CHARS,
  classNames: KANJI_CHARS.map((c) => `${c} (U+${c.codePointAt(0)?.toString(16).toUpperCase()})`),
};

export interface SyntheticRun {
  id: string;
  experiment: string;
  seed: number;
  model: tf.LayersModel | null;
  /** Predicted class per test image (argmax of `probs`). */
  predicted: number[];
  probs: number[][];
}

export interface SyntheticRuns {
  root: string;
  testSet: ImageSet;
  runs: SyntheticRun[];
}

/** Blocky strokes: a few bright bars per image, different for every image (drawn at 28x28, scaled to `side`). */
function makeImages(rand: () => number, side: number): Uint8Array {
  const f = side / 28;
  const images = new Uint8Array(COUNT * side * side);
  for (let n = 0; n < COUNT; n++) {
    for (let s = 0; s < 3; s++) {
      const x0 = Math.round((4 + Math.floor(rand() * 16)) * f);
      const y0 = Math.round((4 + Math.floor(rand() * 16)) * f);
      const horizontal = rand() < 0.5;
      for (let t = 0; t < 8 * f; t++) {
        for (let w = 0; w < 2 * f; w++) {
          const x = horizontal ? x0 + t : x0 + w;
          const y = horizontal ? y0 + w : y0 + t;
          if (x < side && y < side) images[n * side * side + y * side + x] = 128 + Math.floor(rand() * 128);
        }
      }
    }
  }
  return images;
}

/**
 * A tiny CNN; `seed` (the run's seed) varies its weights, seed 1 giving the weights the tests always had. Beyond
 * 10 classes it pools more and adds a 16-unit layer, so 3,832 outputs stay small.
 */
function tinyCnn(seed: number, d: SyntheticDataset): tf.LayersModel {
  const s = (seed - 1) * 10;
  const classes = d.classChars.length;
  const m = tf.sequential();
  m.add(
    tf.layers.conv2d({ inputShape: [d.side, d.side, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: s + 1 }) }),
  );
  m.add(tf.layers.maxPooling2d({ poolSize: classes > 10 ? 4 : 2 }));
  m.add(tf.layers.flatten());
  if (classes > 10) m.add(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.3, seed: s + 5 }) }));
  m.add(tf.layers.dense({ units: classes, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: classes > 10 ? 1 : 0.3, seed: s + 2 }) }));
  return m;
}

function tinyDense(seed: number, d: SyntheticDataset): tf.LayersModel {
  const s = (seed - 1) * 10;
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [d.side, d.side, 1] }));
  m.add(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ stddev: 0.2, seed: s + 3 }) }));
  m.add(tf.layers.dense({ units: d.classChars.length, activation: 'softmax', kernelInitializer: tf.initializers.randomNormal({ stddev: 1, seed: s + 4 }) }));
  return m;
}

/** Probabilities of `model` for side x side 0..255 images (the side read from the model), scaled to 0..1 as training does. */
export function predictNode(model: tf.LayersModel, pixels: ArrayLike<number>, count: number): number[][] {
  const side = model.inputs[0].shape[1] ?? 28;
  return tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from(pixels, (v) => v / 255), [count, side, side, 1]);
    return (model.predict(x) as tf.Tensor).arraySync() as number[][];
  });
}

const argmax = (p: number[]): number => p.reduce((best, v, k) => (v > p[best] ? k : best), 0);

async function writeRun(root: string, run: SyntheticRun, labels: Int32Array, paramCount: number, d: SyntheticDataset): Promise<void> {
  const dir = join(root, run.id);
  await mkdir(dir, { recursive: true });
  if (run.model) await saveModel(run.model, join(dir, 'model'));
  const config: RunConfig = {
    formatVersion: RUN_FORMAT_VERSION,
    experiment: run.experiment,
    model: run.experiment,
    dataset: d.name,
    dataDir: `synthetic-data/${d.name}`,
    seed: run.seed,
    preset: 'default',
    optimizer: 'adam',
    learningRate: 0.001,
    batchSize: 128,
    epochs: 1,
    augment: false,
    augmentFactor: 1,
    augmentation: null,
    optimizerConfig: null,
    callbacks: null,
    learningRateSchedule: null,
    labelSmoothing: null,
    valSplit: 0.1,
    valSplitSeed: null,
    validationOn: 'val',
    backend: 'cpu',
    paramCount,
    numClasses: d.classChars.length,
    classNames: d.classNames,
    classChars: d.classChars,
    datasetMd5: {},
    versions: {},
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  const correct = run.predicted.filter((p, i) => p === labels[i]).length;
  const metrics: RunMetrics = {
    formatVersion: RUN_FORMAT_VERSION,
    testAccuracy: correct / COUNT,
    testLoss: 0.5,
    balancedAccuracy: correct / COUNT,
    macroF1: correct / COUNT,
    trainAccuracy: correct / COUNT,
    confusion: [],
    epochsRun: 1,
    bestEpoch: 1,
    scoredEpoch: 1,
    trainSeconds: 1,
    trainImagesPerSecond: 100,
    inferenceImagesPerSecond: 100,
    backend: 'cpu',
    paramCount,
    stoppedEarly: false,
    deterministic: run.experiment === 'knn',
  };
  const lines = ['index,true,predicted,' + d.classChars.map((_, k) => `p${k}`).join(',')];
  run.probs.forEach((p, i) => lines.push([i, labels[i], run.predicted[i], ...p.map((v) => v.toFixed(6))].join(',')));
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  await writeFile(join(dir, 'predictions-test.csv'), lines.join('\n') + '\n');
  await writeFile(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2));
}

export type SyntheticExperiment = 'cnn' | 'fcnn' | 'knn';

/**
 * Writes runs/<dataset>/{cnn,fcnn,knn}/seed-<n> under `root` (runs/kmnist/... by default), seed 1 of each unless
 * `seeds` says otherwise (every seed its own weights; an empty list: no run of that experiment). Labels make the
 * first run right on even images, wrong on odd.
 */
export async function makeSyntheticRuns(
  root: string,
  seeds: Partial<Record<SyntheticExperiment, number[]>> = {},
  d: SyntheticDataset = KMNIST,
): Promise<SyntheticRuns> {
  const rand = mulberry32(7);
  const images = makeImages(rand, d.side);
  const classes = d.classChars.length;
  const build: Record<SyntheticExperiment, (seed: number) => tf.LayersModel | null> = {
    cnn: (seed) => tinyCnn(seed, d),
    fcnn: (seed) => tinyDense(seed, d),
    knn: () => null,
  };
  const runs: SyntheticRun[] = [];
  for (const experiment of ['cnn', 'fcnn', 'knn'] as const) {
    for (const seed of seeds[experiment] ?? [1]) {
      const model = build[experiment](seed);
      const probs = model
        ? predictNode(model, images, COUNT)
        : Array.from({ length: COUNT }, (_, i) => d.classChars.map((__, k) => (k === i % 10 ? 1 : 0)));
      runs.push({ id: `${d.name}/${experiment}/seed-${seed}`, experiment, seed, model, probs, predicted: probs.map(argmax) });
    }
  }
  const labels = Int32Array.from(runs[0].predicted, (p, i) => (i % 2 === 0 ? p : (p + 1) % classes));
  for (const run of runs) await writeRun(root, run, labels, run.model ? run.model.countParams() : 0, d);
  return { root, runs, testSet: { images, labels, count: COUNT, height: d.side, width: d.side } };
}
