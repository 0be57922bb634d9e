// Finds the finished run folders under a runs root (runs/ or runs/<dataset>) and summarises each for the page.
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { RUN_FILES, type RunConfig } from '../run-folder/layout.ts';
import { datasetRunDirs, isRunComplete, listRunFolders, readPredictions, readRunFiles, type PredictedLabels } from '../run-folder/read.ts';
import type { ModelGroup, RunSummary } from './api-types.ts';

export interface RunEntry {
  summary: RunSummary;
  dir: string;
  config: RunConfig;
}

export function runUrlPath(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}

function countMistakes(p: PredictedLabels): number {
  let n = 0;
  for (let i = 0; i < p.count; i++) if (p.yTrue[i] !== p.yPred[i]) n++;
  return n;
}

async function summarise(root: string, dir: string): Promise<RunEntry> {
  const { config, metrics } = await readRunFiles(dir);
  const id = relative(root, dir).split(sep).join('/');
  const hasModel = existsSync(join(dir, RUN_FILES.model, 'model.json'));
  const predFile = join(dir, RUN_FILES.predictionsTest);
  const mistakes = existsSync(predFile) ? countMistakes(await readPredictions(predFile)) : null;
  const summary: RunSummary = {
    id,
    experiment: config.experiment,
    seed: config.seed,
    dataset: config.dataset,
    numClasses: config.numClasses,
    classNames: config.classNames,
    ...(config.classChars ? { classChars: config.classChars } : {}),
    testAccuracy: metrics.testAccuracy,
    paramCount: metrics.paramCount,
    modelUrl: hasModel ? `/files/${runUrlPath(id)}/${RUN_FILES.model}/model.json` : null,
    validatedOnTest: config.validationOn === 'test',
    mistakes,
  };
  return { summary, dir, config };
}

export interface RunListing {
  entries: RunEntry[];
  /** One line per run folder that could not be read: shown on the page instead of failing it. */
  problems: string[];
}

/** The files a summary is made from: when none of them changed (mtime, size), a cached summary still holds. */
const SUMMARY_SOURCES = [RUN_FILES.config, RUN_FILES.metrics, RUN_FILES.predictionsTest, join(RUN_FILES.model, 'model.json')];

async function sourceStamp(dir: string): Promise<string> {
  const stamps = await Promise.all(
    SUMMARY_SOURCES.map((f) =>
      stat(join(dir, f)).then(
        (s) => `${s.mtimeMs}:${s.size}`,
        () => '-',
      ),
    ),
  );
  return stamps.join('|');
}

/**
 * Run summaries kept between listings (the page asks for the list on every load, and counting a run's mistakes
 * reads its predictions CSV). A run is read again when one of its files changed; a run that could not be read
 * is not kept, so it is tried again on the next listing.
 */
export class RunSummaryCache {
  private readonly entries = new Map<string, { stamp: string; entry: Promise<RunEntry> }>();

  async get(root: string, dir: string): Promise<RunEntry> {
    const key = `${root}\n${dir}`;
    const stamp = await sourceStamp(dir);
    const hit = this.entries.get(key);
    if (hit && hit.stamp === stamp) return hit.entry;
    const entry = summarise(root, dir);
    this.entries.set(key, { stamp, entry });
    entry.catch(() => {
      if (this.entries.get(key)?.entry === entry) this.entries.delete(key);
    });
    return entry;
  }
}

/**
 * Every finished run under `root` (runs/ or runs/<dataset>), sorted by path (seeds by number); an absent root
 * gives none. With a cache, runs whose files did not change are not read again.
 */
export async function listRuns(root: string, cache?: RunSummaryCache): Promise<RunListing> {
  const dirs: string[] = [];
  for (const datasetDir of datasetRunDirs(root).sort()) {
    for (const ref of await listRunFolders(datasetDir)) if (isRunComplete(ref.dir)) dirs.push(ref.dir);
  }
  const settled = await Promise.allSettled(dirs.map((d) => (cache ? cache.get(root, d) : summarise(root, d))));
  const entries: RunEntry[] = [];
  const problems: string[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') entries.push(s.value);
    else problems.push(s.reason instanceof Error ? s.reason.message : `${dirs[i]}: unreadable`);
  });
  return { entries, problems };
}

/**
 * The runs with a model grouped by experiment folder (the parent of the run's id), groups in the order their
 * first run appears in `runs`, each group's runs by seed (then id). The page loads each group's first run first.
 */
export function modelGroups(runs: readonly RunSummary[]): ModelGroup[] {
  const groups = new Map<string, { experiment: string; runs: RunSummary[] }>();
  for (const run of runs) {
    if (!run.modelUrl) continue;
    const id = run.id.split('/').slice(0, -1).join('/');
    let group = groups.get(id);
    if (!group) {
      group = { experiment: run.experiment, runs: [] };
      groups.set(id, group);
    }
    group.runs.push(run);
  }
  return [...groups].map(([id, g]) => ({
    id,
    experiment: g.experiment,
    runIds: g.runs
      .slice()
      .sort((a, b) => a.seed - b.seed || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((r) => r.id),
  }));
}
