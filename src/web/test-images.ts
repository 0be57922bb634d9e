// Serves test images for the page: a run's predictions-test.csv says which rows exist and what the run predicted,
// the dataset (loaded once per dataset folder, on first use) gives the pixels.
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { RUN_FILES } from '../run-folder/layout.ts';
import { readPredictions, type PredictedLabels } from '../run-folder/read.ts';
import type { TestImageKind, TestImageResponse } from './api-types.ts';
import type { RunEntry } from './runs.ts';
import type { TestSetCache } from './test-sets.ts';

export class TestImageSource {
  private readonly rows = new Map<string, Promise<PredictedLabels>>();

  constructor(private readonly sets: TestSetCache) {}

  private predictions(run: RunEntry): Promise<PredictedLabels> {
    let rows = this.rows.get(run.dir);
    if (!rows) {
      rows = readPredictions(join(run.dir, RUN_FILES.predictionsTest));
      rows.catch(() => this.rows.delete(run.dir));
      this.rows.set(run.dir, rows);
    }
    return rows;
  }

  /** A random test image (or a random mistake of the run), or the row for `index` when given. */
  async pick(run: RunEntry, kind: TestImageKind, index: number | null, random: () => number = Math.random): Promise<TestImageResponse> {
    const pred = await this.predictions(run);
    let i: number;
    if (index !== null) {
      i = pred.index.indexOf(index);
      if (i < 0) throw new UserError(`run ${run.summary.id} has no prediction for test image ${index}`);
    } else {
      const pool: number[] = [];
      for (let k = 0; k < pred.count; k++) if (kind !== 'mistake' || pred.yTrue[k] !== pred.yPred[k]) pool.push(k);
      if (pool.length === 0) throw new UserError(`run ${run.summary.id} made no mistakes on the test set`);
      i = pool[Math.floor(random() * pool.length)];
    }
    const row = { index: pred.index[i], trueClass: pred.yTrue[i], predicted: pred.yPred[i] };
    const set = await this.sets.get(run);
    if (row.index >= set.count) {
      throw new UserError(`run ${run.summary.id}: test image ${row.index} is beyond the ${set.count} test images in ${run.config.dataDir}`);
    }
    if (set.labels[row.index] !== row.trueClass) {
      throw new UserError(
        `run ${run.summary.id}: test image ${row.index} has label ${set.labels[row.index]} in ${run.config.dataDir} but ${row.trueClass} in ${RUN_FILES.predictionsTest}: not the data it was trained on`,
      );
    }
    const size = set.height * set.width;
    const pixels = Array.from(set.images.subarray(row.index * size, (row.index + 1) * size));
    return {
      runId: run.summary.id,
      kind,
      index: row.index,
      width: set.width,
      height: set.height,
      pixels,
      trueClass: row.trueClass,
      savedPredicted: row.predicted,
    };
  }
}
