// The dataset a run used, loaded once per (dataset, dataDir), for the gallery, activation maps and examples.
import { renderExamplesGrid } from '../data/examples-grid.ts';
import { loadDataset } from '../data/load.ts';
import { getDatasetSpec } from '../data/registry.ts';
import type { Dataset, DatasetName } from '../data/types.ts';
import type { RunConfig } from '../run-folder/layout.ts';
import type { ProbeImage } from './run-section.ts';
import type { Warn } from '../run-folder/read.ts';

export class DatasetCache {
  private readonly cache = new Map<string, Promise<Dataset | null>>();

  constructor(private readonly warn: Warn) {}

  /** null (with one warning) when the data is not where config.json says. */
  get(config: Pick<RunConfig, 'dataset' | 'dataDir'>): Promise<Dataset | null> {
    const key = `${config.dataset}\u0000${config.dataDir}`;
    let p = this.cache.get(key);
    if (!p) {
      p = loadDataset({ dataset: config.dataset as DatasetName, dataDir: config.dataDir }).catch((err: Error) => {
        this.warn(`dataset ${config.dataset} at ${config.dataDir} cannot be loaded (${err.message}); mistake images and activation maps are left out`);
        return null;
      });
      this.cache.set(key, p);
    }
    return p;
  }
}

/** The first test image, scaled to 0..1 as training feeds it (pixels / 255). */
export function probeImage(ds: Dataset, labels: string[]): ProbeImage {
  const n = ds.test.height * ds.test.width;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ds.test.images[i] / 255;
  return { index: 0, label: labels[ds.test.labels[0]] ?? String(ds.test.labels[0]), data, height: ds.test.height, width: ds.test.width };
}

/** The `examples` command's grid (one row per class, its character first), for the report. */
export function exampleGridPng(ds: Dataset, perClass = 10): Buffer {
  const set = ds.train.count > 0 ? ds.train : ds.test;
  const max = Math.min(ds.numClasses, 20);
  return renderExamplesGrid({
    set,
    classNames: ds.classNames,
    classChars: ds.classChars,
    classes: Array.from({ length: max }, (_, i) => i),
    perClass,
    seed: 0,
    title: getDatasetSpec(ds.name).title,
    subtitle: `${perClass} random ${set === ds.train ? 'training' : 'test'} images per class (seed 0), ${set.height}x${set.width} pixels`,
  }).png;
}
