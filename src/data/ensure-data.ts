// `run` with no --data-dir: when ./data/<dataset> has no usable dataset, download it first (like
// Keras's load_data), and fail at once, with the ways out, when that is impossible (offline).
import { UserError } from '../errors.ts';
import { downloadDataset, unreachableSummary } from './download.ts';
import { loadDataset } from './load.ts';
import { defaultProgress } from './progress.ts';
import { formatsOf, getDatasetSpec } from './registry.ts';
import type { Dataset, DatasetName } from './types.ts';

/** Loads the dataset from dataDir, downloading it there first when it is missing or unusable. */
export async function loadOrDownload(dataset: DatasetName, dataDir: string, log: (line: string) => void): Promise<Dataset> {
  try {
    return await loadDataset({ dataset, dataDir });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    log(`${dataDir} has no usable ${dataset} (${err.message}); downloading it`);
  }
  const spec = getDatasetSpec(dataset);
  const outcomes = await downloadDataset({ dataset, format: formatsOf(spec)[0], dataDir, progress: defaultProgress(), log });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    throw new UserError(
      `could not get ${dataset} into ${dataDir}: ${unreachableSummary(outcomes) ?? `${failed[0].name}: ${failed[0].error}`}\n` +
        `  - with the files in a folder: kmnist-lab run --data-dir DIR   (or import them: kmnist-lab download --dataset ${dataset} --source DIR)\n` +
        `  - from a mirror: kmnist-lab download --dataset ${dataset} --source https://mirror.example/path/`,
    );
  }
  return loadDataset({ dataset, dataDir });
}
