// Finds the finished run folders under a runs root and summarises each for the page.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { UserError } from '../errors.ts';
import { RUN_FILES, type RunConfig, type RunMetrics } from '../study/run-folder.ts';
import type { RunSummary } from './api-types.ts';
import { readPredictionsCsv } from './predictions-csv.ts';

/** runs/<dataset>/<experiment>/seed-<n>: a root given as runs/ or runs/<dataset> finds runs within 4 levels. */
const MAX_DEPTH = 4;

export interface RunEntry {
  summary: RunSummary;
  dir: string;
  config: RunConfig;
}

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (err) {
    throw new UserError(`${file}: cannot read JSON (${(err as Error).message})`);
  }
}

async function findRunDirs(dir: string, depth: number, out: string[]): Promise<void> {
  if (existsSync(join(dir, RUN_FILES.metrics))) {
    out.push(dir);
    return;
  }
  if (depth >= MAX_DEPTH) return;
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }))) {
    if (e.isDirectory() && !e.name.startsWith('.') && e.name !== RUN_FILES.model && e.name !== RUN_FILES.checkpoint) {
      await findRunDirs(join(dir, e.name), depth + 1, out);
    }
  }
}

export function runUrlPath(id: string): string {
  return id.split('/').map(encodeURIComponent).join('/');
}

async function summarise(root: string, dir: string): Promise<RunEntry> {
  const config = await readJson<RunConfig>(join(dir, RUN_FILES.config));
  const metrics = await readJson<RunMetrics>(join(dir, RUN_FILES.metrics));
  if (!Array.isArray(config.classNames)) throw new UserError(`${join(dir, RUN_FILES.config)}: classNames is missing`);
  const id = relative(root, dir).split(sep).join('/') || '.';
  const hasModel = existsSync(join(dir, RUN_FILES.model, 'model.json'));
  const predFile = join(dir, RUN_FILES.predictionsTest);
  const mistakes = existsSync(predFile) ? (await readPredictionsCsv(predFile)).filter((r) => r.trueClass !== r.predicted).length : null;
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
    modelUrl: hasModel ? `/files/${id === '.' ? '' : `${runUrlPath(id)}/`}${RUN_FILES.model}/model.json` : null,
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

/** Every finished run under `root`, sorted by path; an absent root gives none. */
export async function listRuns(root: string): Promise<RunListing> {
  if (!existsSync(root)) return { entries: [], problems: [] };
  const dirs: string[] = [];
  await findRunDirs(root, 0, dirs);
  const settled = await Promise.allSettled(dirs.map((d) => summarise(root, d)));
  const entries: RunEntry[] = [];
  const problems: string[] = [];
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') entries.push(s.value);
    else problems.push(s.reason instanceof Error ? s.reason.message : `${dirs[i]}: unreadable`);
  });
  return { entries, problems };
}
