// Finds the finished run folders under a runs root (runs/ or runs/<dataset>) and summarises each for the page.
import { existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { RUN_FILES, type RunConfig } from '../study/run-folder.ts';
import { datasetRunDirs, isRunComplete, listRunFolders, readPredictions, readRunConfig, readRunMetrics, type PredictedLabels, type RequiredFields } from '../study/run-reader.ts';
import type { RunSummary } from './api-types.ts';

/** What the page relies on (numClasses and paramCount have fallbacks). */
const PAGE_CONFIG_FIELDS: RequiredFields = { classNames: 'array' };

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
  const config = await readRunConfig(dir, PAGE_CONFIG_FIELDS);
  const metrics = await readRunMetrics(dir, {});
  const id = relative(root, dir).split(sep).join('/');
  const hasModel = existsSync(join(dir, RUN_FILES.model, 'model.json'));
  const predFile = join(dir, RUN_FILES.predictionsTest);
  const mistakes = existsSync(predFile) ? countMistakes(await readPredictions(predFile)) : null;
  const summary: RunSummary = {
    id,
    experiment: config.experiment,
    seed: config.seed,
    dataset: config.dataset,
    numClasses: config.numClasses ?? config.classNames.length,
    classNames: config.classNames,
    ...(config.classChars ? { classChars: config.classChars } : {}),
    testAccuracy: metrics.testAccuracy,
    paramCount: metrics.paramCount ?? config.paramCount,
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

/** Every finished run under `root` (runs/ or runs/<dataset>), sorted by path; an absent root gives none. */
export async function listRuns(root: string): Promise<RunListing> {
  const dirs: string[] = [];
  for (const datasetDir of datasetRunDirs(root).sort()) {
    for (const ref of await listRunFolders(datasetDir)) if (isRunComplete(ref.dir)) dirs.push(ref.dir);
  }
  const settled = await Promise.allSettled(dirs.map((d) => summarise(root, d)));
  const entries: RunEntry[] = [];
  const problems: string[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') entries.push(s.value);
    else problems.push(s.reason instanceof Error ? s.reason.message : `${dirs[i]}: unreadable`);
  });
  return { entries, problems };
}
