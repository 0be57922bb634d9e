// The --dataset / --data-dir options every command shares, and their resolution.
import type { Command } from 'commander';
import { folderFlag } from './flags.ts';
import { DATASET_NAMES, defaultDataDir, getDatasetSpec } from '../data/registry.ts';
import type { DatasetName } from '../data/types.ts';

export interface DataOptions {
  dataset: string;
  dataDir?: string;
}

/** Adds --dataset (default kmnist) and --data-dir (default ./data/<dataset>). */
export function addDataOptions(cmd: Command): Command {
  return cmd
    .option('--dataset <name>', `dataset: ${DATASET_NAMES.join(', ')}`, 'kmnist')
    .option('--data-dir <dir>', 'folder holding the dataset files (default: ./data/<dataset>)');
}

/** Validates --dataset and fills in the default --data-dir (refused when it is a file). */
export function resolveDataOptions(opts: DataOptions): { dataset: DatasetName; dataDir: string } {
  const spec = getDatasetSpec(opts.dataset);
  return { dataset: spec.name, dataDir: folderFlag('--data-dir', opts.dataDir ?? defaultDataDir(spec.name)) };
}
