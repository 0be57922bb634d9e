// The test splits the page's test images and class examples come from: loaded once per dataset folder, on first use.
import { isAbsolute, resolve } from 'node:path';
import type { ImageSet } from '../data/types.ts';
import type { RunEntry } from './runs.ts';

/** Loads a dataset's test split; the serve command passes one built on loadDataset, tests pass a fake. */
export type TestSetLoader = (dataset: string, dataDir: string) => Promise<ImageSet>;

export class TestSetCache {
  private readonly sets = new Map<string, Promise<ImageSet>>();

  constructor(
    private readonly load: TestSetLoader,
    /** Relative dataDirs in config.json are relative to where training ran: normally the project folder. */
    private readonly baseDir: string,
  ) {}

  /** The folder a run's data came from, made absolute against the base folder. */
  dataDir(run: RunEntry): string {
    return isAbsolute(run.config.dataDir) ? run.config.dataDir : resolve(this.baseDir, run.config.dataDir);
  }

  /** The run's dataset's test split. A failed load (data moved, not downloaded) is retried on the next call, not cached. */
  get(run: RunEntry): Promise<ImageSet> {
    const dataDir = this.dataDir(run);
    const key = `${run.config.dataset}\n${dataDir}`;
    let set = this.sets.get(key);
    if (!set) {
      set = this.load(run.config.dataset, dataDir);
      set.catch(() => this.sets.delete(key));
      this.sets.set(key, set);
    }
    return set;
  }
}
