// Complete runs are skipped on a re-run, so they must come from the same data as this invocation:
// otherwise the summary would silently mix studies (e.g. kmnist-10k runs with full-KMNIST runs).
import { UserError } from '../errors.ts';
import type { Dataset } from '../data/types.ts';
import { readRunConfig } from '../run-folder/read.ts';

export interface CompleteRunRef {
  experiment: string;
  seed: number;
  dir: string;
}

/** Throws a UserError when a complete run was trained on other data files; returns warnings (epoch caps differ). */
export async function checkCompleteRuns(complete: readonly CompleteRunRef[], data: Pick<Dataset, 'fileMd5' | 'dataDir'>, epochs?: number): Promise<string[]> {
  const warnings: string[] = [];
  const otherEpochs: string[] = [];
  for (const run of complete) {
    const config = await readRunConfig(run.dir);
    for (const [file, md5] of Object.entries(config.datasetMd5)) {
      const now = data.fileMd5[file];
      if (now !== undefined && now !== md5) {
        throw new UserError(
          `${run.dir} is a complete run trained on a different ${file} (md5 ${md5}, --data-dir ${data.dataDir} has ${now}): ` +
            'use another --out folder for this data, or delete that run folder to redo it',
        );
      }
    }
    // knn runs record 0 epochs: they do not train.
    if (epochs !== undefined && config.epochs !== 0 && config.epochs !== epochs) otherEpochs.push(`${run.experiment} seed ${run.seed} (${config.epochs})`);
  }
  if (otherEpochs.length > 0) {
    warnings.push(`kept complete runs with another epoch cap than --epochs ${epochs}: ${otherEpochs.join(', ')}; delete them to redo them`);
  }
  return warnings;
}
