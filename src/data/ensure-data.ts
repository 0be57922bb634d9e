// `run` with no --data-dir: when ./data/<dataset> has no usable dataset, download it first (like
// Keras's load_data), and fail at once, with the ways out, when that is impossible (offline).
import { existsSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UserError } from '../errors.ts';
import { downloadDataset, unreachableSummary } from './download.ts';
import { loadDataset } from './load.ts';
import { defaultProgress } from './progress.ts';
import { formatsOf, getDatasetSpec } from './registry.ts';
import type { Dataset, DatasetName } from './types.ts';

/** The folders `mkdir -p dir` would create: dir and its missing parents, deepest first. */
function missingFolders(dir: string): string[] {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  return missing;
}

/** Removes the folders that are still empty, deepest first (a folder with a downloaded file stays). */
async function removeEmpty(folders: string[]): Promise<void> {
  for (const d of folders) {
    try {
      await rmdir(d);
    } catch {
      return;
    }
  }
}

/**
 * Loads the dataset from dataDir, downloading it there first when it is missing or unusable. A failed
 * download leaves no empty folders behind (./data/kmnist after an offline `npm start`); files it did get stay.
 * `source`: as `download --source` (a mirror URL or a folder); default the official URLs.
 */
export async function loadOrDownload(dataset: DatasetName, dataDir: string, log: (line: string) => void, source?: string): Promise<Dataset> {
  try {
    return await loadDataset({ dataset, dataDir });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    log(`${dataDir} has no usable ${dataset} (${err.message}); downloading it`);
  }
  const spec = getDatasetSpec(dataset);
  const created = missingFolders(dataDir);
  const outcomes = await downloadDataset({ dataset, format: formatsOf(spec)[0], dataDir, source, progress: defaultProgress(), log }).catch(async (err: unknown) => {
    await removeEmpty(created);
    throw err;
  });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    await removeEmpty(created);
    throw new UserError(
      `could not get ${dataset} into ${dataDir}: ${unreachableSummary(outcomes) ?? `${failed[0].name}: ${failed[0].error}`}\n` +
        `  - with the files in a folder: kmnist-lab run --data-dir DIR   (or import them: kmnist-lab download --dataset ${dataset} --source DIR)\n` +
        `  - from a mirror: kmnist-lab download --dataset ${dataset} --source https://mirror.example/path/`,
    );
  }
  return loadDataset({ dataset, dataDir });
}
