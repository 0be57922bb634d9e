// The images the throughput figures train and predict on: a slice of a real dataset, or synthetic
// 28x28 noise (kernel cost does not depend on pixel values, so either gives the same img/s).
import { basename } from 'node:path';
import { UserError } from '../../src/errors.ts';
import { loadDataset } from '../../src/data/load.ts';
import { isDatasetName } from '../../src/data/registry.ts';
import type { DatasetName, ImageSet } from '../../src/data/types.ts';
import { Rng } from '../../src/training/rng.ts';

export interface BenchData {
  /** 'synthetic' or "<dataset> (<dir>)". */
  source: string;
  set: ImageSet;
  numClasses: number;
}

/** A copy of the first `count` images, so the full dataset can be garbage-collected. */
function head(set: ImageSet, count: number): ImageSet {
  const n = Math.min(count, set.count);
  const px = set.height * set.width;
  return { ...set, count: n, images: set.images.slice(0, n * px), labels: set.labels.slice(0, n) };
}

export function syntheticSet(count: number, seed = 1): ImageSet {
  const rng = new Rng(seed);
  const images = new Uint8Array(count * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextUint32() & 255;
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = rng.nextUint32() % 10;
  return { images, labels, count, height: 28, width: 28 };
}

/** Dataset name: --dataset, else the folder's name when it is one (../shared/data/fashion-mnist). */
export function datasetFor(dataDir: string, dataset: string | undefined): DatasetName {
  if (dataset !== undefined) {
    if (!isDatasetName(dataset)) throw new UserError(`--dataset: unknown dataset "${dataset}"`);
    return dataset;
  }
  const name = basename(dataDir.replace(/\/+$/, ''));
  return isDatasetName(name) ? name : 'kmnist';
}

export async function benchData(dataDir: string | undefined, dataset: string | undefined, count: number): Promise<BenchData> {
  if (dataDir === undefined) return { source: 'synthetic 28x28', set: syntheticSet(count), numClasses: 10 };
  const name = datasetFor(dataDir, dataset);
  const d = await loadDataset({ dataset: name, dataDir });
  return { source: `${name} train images (${dataDir})`, set: head(d.train, count), numClasses: d.numClasses };
}
