// Reads finished run folders (the contract in src/study/run-folder.ts) with a clear error per bad file.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { RUN_FILES, type History, type RunConfig, type RunMetrics } from '../study/run-folder.ts';
import { column, readNumericCsv } from './csv.ts';

export interface RunRecord {
  dir: string;
  experiment: string;
  seed: number;
  config: RunConfig;
  metrics: RunMetrics;
  /** Null when neither history.json nor log.csv is usable (a warning says why). */
  history: History | null;
  /** model/model.json exists (knn runs have no model). */
  hasModel: boolean;
}

export interface Predictions {
  /** Index of the image in the dataset's split. */
  index: Int32Array;
  yTrue: Int32Array;
  yPred: Int32Array;
  /** count x numClasses probabilities, row-major. */
  probs: Float32Array;
  numClasses: number;
  count: number;
}

export type Warn = (message: string) => void;

export function readJson(file: string): unknown {
  if (!existsSync(file)) throw new UserError(`${file}: missing`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

function asObject(value: unknown, file: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${file}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/** Checks the fields a reader relies on; extra fields are fine. */
function requireFields(obj: Record<string, unknown>, file: string, fields: Record<string, 'number' | 'string' | 'boolean' | 'array' | 'object'>): void {
  for (const [name, kind] of Object.entries(fields)) {
    const v = obj[name];
    const ok = kind === 'array' ? Array.isArray(v) : kind === 'object' ? typeof v === 'object' && v !== null : typeof v === kind;
    if (!ok) throw new UserError(`${file}: field "${name}" should be ${kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`}, got ${JSON.stringify(v)}`);
  }
}

export function readConfig(dir: string): RunConfig {
  const file = join(dir, RUN_FILES.config);
  const obj = asObject(readJson(file), file);
  requireFields(obj, file, { experiment: 'string', dataset: 'string', seed: 'number', numClasses: 'number', classNames: 'array' });
  return obj as unknown as RunConfig;
}

export function readMetrics(dir: string): RunMetrics {
  const file = join(dir, RUN_FILES.metrics);
  const obj = asObject(readJson(file), file);
  requireFields(obj, file, { testAccuracy: 'number', confusion: 'array' });
  return obj as unknown as RunMetrics;
}

const HISTORY_KEYS = ['epoch', 'loss', 'acc', 'val_loss', 'val_acc', 'lr', 'seconds'] as const;

/** history.json, or log.csv when the JSON is absent; null with a warning when neither is usable. */
export function readHistory(dir: string, warn: Warn): History | null {
  const jsonFile = join(dir, RUN_FILES.history);
  const csvFile = join(dir, RUN_FILES.log);
  try {
    if (existsSync(jsonFile)) {
      const obj = asObject(readJson(jsonFile), jsonFile);
      for (const k of HISTORY_KEYS) {
        if (!Array.isArray(obj[k])) throw new UserError(`${jsonFile}: "${k}" should be an array of numbers`);
      }
      return obj as unknown as History;
    }
    if (existsSync(csvFile)) {
      const csv = readNumericCsv(csvFile);
      const cols = HISTORY_KEYS.map((k) => column(csv, k, csvFile));
      const h = Object.fromEntries(HISTORY_KEYS.map((k, i) => [k, csv.rows.map((r) => r[cols[i]])]));
      return h as unknown as History;
    }
    warn(`${dir}: no ${RUN_FILES.history} or ${RUN_FILES.log}; its curves are left out`);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    warn(`${err.message}; its curves are left out`);
  }
  return null;
}

export function readRun(dir: string, warn: Warn): RunRecord {
  const config = readConfig(dir);
  const metrics = readMetrics(dir);
  return {
    dir,
    experiment: config.experiment,
    seed: config.seed,
    config,
    metrics,
    history: readHistory(dir, warn),
    hasModel: existsSync(join(dir, RUN_FILES.model, 'model.json')),
  };
}

export function readPredictions(file: string, numClasses: number): Predictions {
  const csv = readNumericCsv(file);
  const iIndex = column(csv, 'index', file);
  const iTrue = column(csv, 'true', file);
  const iPred = column(csv, 'predicted', file);
  const iProb = Array.from({ length: numClasses }, (_, c) => column(csv, `p${c}`, file));
  const count = csv.rows.length;
  const out: Predictions = {
    index: new Int32Array(count),
    yTrue: new Int32Array(count),
    yPred: new Int32Array(count),
    probs: new Float32Array(count * numClasses),
    numClasses,
    count,
  };
  csv.rows.forEach((row, i) => {
    for (const [k, name] of [[iTrue, 'true'], [iPred, 'predicted']] as const) {
      const v = row[k];
      if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
        throw new UserError(`${file}: line ${i + 2}, ${name} = ${v} is not a class index in 0..${numClasses - 1}`);
      }
    }
    out.index[i] = row[iIndex];
    out.yTrue[i] = row[iTrue];
    out.yPred[i] = row[iPred];
    for (let c = 0; c < numClasses; c++) out.probs[i * numClasses + c] = row[iProb[c]];
  });
  return out;
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/**
 * Every finished run under runs/<dataset>/<experiment>/seed-<n>/, sorted by experiment then seed.
 * Unfinished runs (no metrics.json) and unreadable ones are skipped with a warning.
 */
export function discoverRuns(datasetDir: string, warn: Warn): RunRecord[] {
  if (!isDir(datasetDir)) throw new UserError(`--runs ${datasetDir}: no such folder (run \`kmnist-lab run\` first)`);
  const runs: RunRecord[] = [];
  for (const experiment of readdirSync(datasetDir).sort()) {
    const expDir = join(datasetDir, experiment);
    if (!isDir(expDir)) continue;
    for (const seedName of readdirSync(expDir).sort()) {
      const dir = join(expDir, seedName);
      if (!/^seed-\d+$/.test(seedName) || !isDir(dir)) continue;
      if (!existsSync(join(dir, RUN_FILES.metrics))) {
        warn(`${dir}: unfinished (no ${RUN_FILES.metrics}), skipped`);
        continue;
      }
      try {
        runs.push(readRun(dir, warn));
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        warn(`${err.message}; run skipped`);
      }
    }
  }
  runs.sort((a, b) => a.experiment.localeCompare(b.experiment) || a.seed - b.seed);
  if (runs.length === 0) throw new UserError(`--runs ${datasetDir}: no finished runs (expected <experiment>/seed-<n>/${RUN_FILES.metrics})`);
  return runs;
}

/**
 * --runs may name runs/<dataset> or the runs root: with the root, the dataset folder holding the
 * most recently finished run is used (the caller prints which).
 */
export function resolveRunsDir(path: string): string {
  if (!isDir(path)) throw new UserError(`--runs ${path}: no such folder (run \`kmnist-lab run\` first)`);
  const hasRuns = (d: string): boolean =>
    readdirSync(d).some((e) => isDir(join(d, e)) && readdirSync(join(d, e)).some((s) => /^seed-\d+$/.test(s)));
  if (hasRuns(path)) return path;
  const candidates = readdirSync(path)
    .map((d) => join(path, d))
    .filter((d) => isDir(d) && hasRuns(d))
    .map((d) => ({ d, t: statSync(d).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  if (candidates.length === 0) throw new UserError(`--runs ${path}: no run folders found (expected <dataset>/<experiment>/seed-<n>/)`);
  return candidates[0].d;
}
