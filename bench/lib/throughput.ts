// Training and inference img/s of one zoo model, timed the way fit() reports it: only trainOnBatch,
// on batches built beforehand (building/augmenting batches is not part of the figure).
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../../src/data/types.ts';
import { buildModel } from '../../src/models/zoo.ts';
import { makeBatch, type Batch } from '../../src/training/batches.ts';
import { predictSet } from '../../src/training/evaluate.ts';
import { makeOptimizer } from '../../src/training/optimizers.ts';
import { Rng, withSeededMathRandomSync } from '../../src/training/rng.ts';

export interface ThroughputOptions {
  batchSize: number;
  warmupSteps: number;
  /** At least this many timed steps... */
  timedSteps: number;
  /** ...and at least this long (fast models need many steps for a stable figure), up to 500 steps. */
  minSeconds: number;
  /** Images predicted for the inference figure (in predictSet's chunks of 1024). */
  inferImages: number;
}

export interface TrainFigures {
  steps: number;
  batchSize: number;
  /** Images / summed step time. */
  imgPerSec: number;
  /** From the median step: steadier than the mean when other processes steal the CPU. */
  medianImgPerSec: number;
  medianStepMs: number;
  minStepMs: number;
  maxStepMs: number;
}

export interface ModelThroughput {
  model: string;
  params: number;
  train: TrainFigures;
  infer: { images: number; imgPerSec: number };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A compiled model as train-run builds it (Adam 1e-3, categorical cross-entropy, accuracy), seeded. */
export function compiledModel(name: string, set: ImageSet, numClasses: number): tf.Sequential {
  const model = withSeededMathRandomSync(new Rng(0), () => buildModel(name, { height: set.height, width: set.width, numClasses }));
  model.compile({ optimizer: makeOptimizer('adam', 1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

/** `count` distinct batches cycling through the set. */
export function makeBatches(set: ImageSet, numClasses: number, batchSize: number, count: number): Batch[] {
  return Array.from({ length: count }, (_, b) => {
    const idx = Int32Array.from({ length: batchSize }, (_, k) => (b * batchSize + k) % set.count);
    return makeBatch(set, idx, numClasses);
  });
}

export async function timeTraining(model: tf.LayersModel, batches: Batch[], o: ThroughputOptions): Promise<TrainFigures> {
  const step = async (i: number): Promise<number> => {
    const { x, y } = batches[i % batches.length];
    const t0 = performance.now();
    await model.trainOnBatch(x, y); // resolves after the loss is read back, so the step has finished
    return performance.now() - t0;
  };
  for (let i = 0; i < o.warmupSteps; i++) await step(i); // XNNPACK operator creation, first allocations
  const ms: number[] = [];
  const t0 = performance.now();
  while (ms.length < o.timedSteps || (performance.now() - t0 < o.minSeconds * 1000 && ms.length < 500)) {
    ms.push(await step(o.warmupSteps + ms.length));
  }
  const total = ms.reduce((a, b) => a + b, 0);
  return {
    steps: ms.length,
    batchSize: o.batchSize,
    imgPerSec: (ms.length * o.batchSize * 1000) / total,
    medianImgPerSec: (o.batchSize * 1000) / median(ms),
    medianStepMs: median(ms),
    minStepMs: Math.min(...ms),
    maxStepMs: Math.max(...ms),
  };
}

/** A view of the first `n` images (no copy). */
export function firstImages(set: ImageSet, n: number): ImageSet {
  const count = Math.min(n, set.count);
  return { ...set, count, images: set.images.subarray(0, count * set.height * set.width), labels: set.labels.subarray(0, count) };
}

export async function timeInference(model: tf.LayersModel, set: ImageSet, numClasses: number, images: number): Promise<{ images: number; imgPerSec: number }> {
  const n = Math.min(images, set.count);
  await predictSet(model, firstImages(set, 128), numClasses); // warm-up
  const p = await predictSet(model, firstImages(set, n), numClasses);
  return { images: n, imgPerSec: n / p.seconds };
}

export async function modelThroughput(name: string, set: ImageSet, numClasses: number, o: ThroughputOptions): Promise<ModelThroughput> {
  const model = compiledModel(name, set, numClasses);
  const batches = makeBatches(set, numClasses, o.batchSize, Math.min(4, o.timedSteps + o.warmupSteps));
  try {
    const train = await timeTraining(model, batches, o);
    const infer = await timeInference(model, set, numClasses, o.inferImages);
    return { model: name, params: model.countParams(), train, infer };
  } finally {
    batches.forEach((b) => tf.dispose([b.x, b.y]));
    model.optimizer.dispose();
    model.dispose();
  }
}
