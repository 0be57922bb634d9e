// The one reader of run folders (layout and types in layout.ts), shared by the study, the report and
// the page: finding run folders, "is complete", and validated reading of config.json, metrics.json,
// history.json, log.csv and predictions-*.csv. config.json and metrics.json are upgraded from older
// formats (upgrade.ts), then held to their whole shape (shape.ts). Every malformed file is a UserError
// naming the file and the field (or the line, for CSVs).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { HISTORY_KEYS, RUN_FILES, type History, type RunConfig, type RunMetrics } from './layout.ts';
import { checkShape, CONFIG_SHAPE, HISTORY_SHAPE, METRICS_SHAPE } from './shape.ts';
import { LATER_HISTORY_KEYS, upgrade, upgradeHistory } from './upgrade.ts';

export type Warn = (message: string) => void;

// ---------------------------------------------------------------------------------------------------------
// Finding run folders

export interface RunFolderRef {
  experiment: string;
  seed: number;
  dir: string;
}

const SEED_DIR = /^seed-(\d+)$/;

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** metrics.json is written last, so its presence means the run finished. */
export function isRunComplete(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.metrics));
}

/** Every runs/<dataset>/<experiment>/seed-<n>/ folder, complete or not, sorted by experiment then seed. */
export async function listRunFolders(datasetDir: string): Promise<RunFolderRef[]> {
  if (!isDir(datasetDir)) throw new UserError(`${datasetDir}: no such runs folder (run \`kmnist-lab run\` first)`);
  const refs: RunFolderRef[] = [];
  for (const exp of await readdir(datasetDir, { withFileTypes: true })) {
    if (!exp.isDirectory()) continue;
    for (const seedDir of await readdir(join(datasetDir, exp.name), { withFileTypes: true })) {
      const m = SEED_DIR.exec(seedDir.name);
      if (!seedDir.isDirectory() || !m) continue;
      refs.push({ experiment: exp.name, seed: Number(m[1]), dir: join(datasetDir, exp.name, seedDir.name) });
    }
  }
  return refs.sort((a, b) => a.experiment.localeCompare(b.experiment) || a.seed - b.seed);
}

/** Whether `dir` looks like runs/<dataset>: a subfolder holding seed-<n> folders. */
function holdsRunFolders(dir: string): boolean {
  return readdirSync(dir).some((e) => isDir(join(dir, e)) && readdirSync(join(dir, e)).some((s) => SEED_DIR.test(s)));
}

/**
 * The runs/<dataset> folders a path names: the path itself when it is one, otherwise its subfolders that
 * are (a runs root), most recently modified first. An absent path gives none.
 */
export function datasetRunDirs(path: string): string[] {
  if (!isDir(path)) return [];
  if (holdsRunFolders(path)) return [path];
  return readdirSync(path)
    .map((d) => join(path, d))
    .filter((d) => isDir(d) && holdsRunFolders(d))
    .map((d) => ({ d, t: statSync(d).mtimeMs }))
    .sort((a, b) => b.t - a.t)
    .map((c) => c.d);
}

/**
 * --runs may name runs/<dataset> or the runs root: with the root, the dataset folder holding the
 * most recently finished run is used (the caller prints which).
 */
export function resolveRunsDir(path: string): string {
  if (!isDir(path)) throw new UserError(`--runs ${path}: no such folder (run \`kmnist-lab run\` first)`);
  const dirs = datasetRunDirs(path);
  if (dirs.length === 0) throw new UserError(`--runs ${path}: no run folders found (expected <dataset>/<experiment>/seed-<n>/)`);
  return dirs[0];
}

// ---------------------------------------------------------------------------------------------------------
// JSON files

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'cannot read the file'}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${file}: expected a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * config.json, upgraded and checked whole. Errors: UserError naming the file, when it is missing, not JSON,
 * or a field departs from RunConfig (`field "x" should be ...`).
 */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const file = join(dir, RUN_FILES.config);
  return checkShape<RunConfig>(file, upgrade(await readJsonObject(file)).config, CONFIG_SHAPE, 'should');
}

/** config.json and metrics.json of one finished run, upgraded together and checked whole (see readRunConfig; metrics.json: `field 'x' must be ...`). */
export async function readRunFiles(dir: string): Promise<{ config: RunConfig; metrics: RunMetrics }> {
  const configFile = join(dir, RUN_FILES.config);
  const metricsFile = join(dir, RUN_FILES.metrics);
  const [rawConfig, rawMetrics] = await Promise.all([readJsonObject(configFile), readJsonObject(metricsFile)]);
  const up = upgrade(rawConfig, rawMetrics);
  return {
    config: checkShape<RunConfig>(configFile, up.config, CONFIG_SHAPE, 'should'),
    metrics: checkShape<RunMetrics>(metricsFile, up.metrics, METRICS_SHAPE, 'must'),
  };
}

// ---------------------------------------------------------------------------------------------------------
// CSV files (log.csv, predictions-*.csv)

export interface NumericCsv {
  header: string[];
  rows: number[][];
}

const csvLines = (text: string): string[] => text.split(/\r?\n/).filter((l) => l.trim() !== '');

/** One data row; `line` is the 1-based line number used in messages. Empty and nan cells are NaN. */
function parseNumericRow(text: string, header: string[], file: string, line: number): number[] {
  const cells = text.split(',');
  if (cells.length !== header.length) throw new UserError(`${file}: line ${line} has ${cells.length} fields, the header has ${header.length}`);
  const row = cells.map((c) => (c.trim() === '' ? NaN : Number(c)));
  const bad = row.findIndex((v, k) => Number.isNaN(v) && !/^\s*(nan|NaN)?\s*$/.test(cells[k]));
  if (bad >= 0) throw new UserError(`${file}: line ${line}, column ${header[bad]}: "${cells[bad]}" is not a number`);
  return row;
}

export function parseNumericCsv(text: string, file: string): NumericCsv {
  const lines = csvLines(text);
  if (lines.length === 0) throw new UserError(`${file}: empty file, expected a CSV header`);
  const header = lines[0].split(',').map((h) => h.trim());
  return { header, rows: lines.slice(1).map((l, i) => parseNumericRow(l, header, file, i + 2)) };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'cannot read the file'}`);
  }
}

/** Column index by name, or a UserError naming the file and the missing column. */
function column(header: string[], name: string, file: string): number {
  const k = header.indexOf(name);
  if (k < 0) throw new UserError(`${file}: no "${name}" column (header: ${header.join(',')})`);
  return k;
}

/** What every history has; runs from before the per-epoch macro metrics lack LATER_HISTORY_KEYS. */
const REQUIRED_HISTORY_KEYS = HISTORY_KEYS.filter((k) => !(LATER_HISTORY_KEYS as readonly string[]).includes(k));

/** history.json, or log.csv when the JSON is absent; null with a warning when neither is usable. */
export async function readHistory(dir: string, warn: Warn): Promise<History | null> {
  const jsonFile = join(dir, RUN_FILES.history);
  const csvFile = join(dir, RUN_FILES.log);
  try {
    if (existsSync(jsonFile)) {
      const obj = await readJsonObject(jsonFile);
      for (const k of REQUIRED_HISTORY_KEYS) {
        if (!Array.isArray(obj[k])) throw new UserError(`${jsonFile}: "${k}" should be an array of numbers`);
      }
      const h = checkShape<History>(jsonFile, { ...obj, ...upgradeHistory(obj as unknown as History) }, HISTORY_SHAPE, 'should');
      const short = HISTORY_KEYS.find((k) => h[k].length !== h.epoch.length);
      if (short) throw new UserError(`${jsonFile}: "${short}" has ${h[short].length} values for ${h.epoch.length} epochs`);
      return h;
    }
    if (existsSync(csvFile)) {
      const csv = parseNumericCsv(await readText(csvFile), csvFile);
      const keys = HISTORY_KEYS.filter((k) => REQUIRED_HISTORY_KEYS.includes(k) || csv.header.includes(k));
      const cols = keys.map((k) => column(csv.header, k, csvFile));
      const h = Object.fromEntries(keys.map((k, i) => [k, csv.rows.map((r) => r[cols[i]])]));
      return upgradeHistory(h as unknown as History);
    }
    warn(`${dir}: no ${RUN_FILES.history} or ${RUN_FILES.log}; its curves are left out`);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    warn(`${err.message}; its curves are left out`);
  }
  return null;
}

/** The first three columns of a predictions CSV: which image, its class, the run's answer. */
export interface PredictedLabels {
  /** Index of the image in the dataset's split. */
  index: Int32Array;
  yTrue: Int32Array;
  yPred: Int32Array;
  count: number;
}

export interface Predictions extends PredictedLabels {
  /** count x numClasses probabilities, row-major. */
  probs: Float32Array;
  numClasses: number;
}

/**
 * predictions-{train,test}.csv: index,true,predicted,p0..p{K-1}. Without numClasses only the first three
 * columns are read (cheap for thousands of classes); with it every cell is checked, p0..p{K-1} must exist,
 * and true/predicted must be classes in 0..K-1.
 */
export function parsePredictionsCsv(text: string, file: string): PredictedLabels;
export function parsePredictionsCsv(text: string, file: string, numClasses: number): Predictions;
export function parsePredictionsCsv(text: string, file: string, numClasses?: number): PredictedLabels | Predictions {
  const lines = csvLines(text);
  if (lines.length === 0) throw new UserError(`${file}: empty, expected a header index,true,predicted,...`);
  const header = lines[0].split(',').map((h) => h.trim());
  if (header[0] !== 'index' || header[1] !== 'true' || header[2] !== 'predicted') {
    throw new UserError(`${file}: header must start with index,true,predicted, got '${lines[0].slice(0, 60)}'`);
  }
  const probCols = Array.from({ length: numClasses ?? 0 }, (_, c) => column(header, `p${c}`, file));
  const count = lines.length - 1;
  const index = new Int32Array(count);
  const yTrue = new Int32Array(count);
  const yPred = new Int32Array(count);
  const probs = new Float32Array(count * probCols.length);
  for (let i = 0; i < count; i++) {
    const line = i + 2;
    let row: number[];
    if (numClasses === undefined) {
      const cells = lines[i + 1].split(',', 3);
      if (cells.length < 3) throw new UserError(`${file}: line ${line} has ${cells.length} fields, expected at least index,true,predicted`);
      row = cells.map(Number);
    } else {
      row = parseNumericRow(lines[i + 1], header, file, line);
    }
    for (const [k, name] of [[1, 'true'], [2, 'predicted']] as const) {
      const v = row[k];
      if (!Number.isInteger(v) || v < 0 || (numClasses !== undefined && v >= numClasses)) {
        throw new UserError(`${file}: line ${line}, ${name} = ${v} is not a class index${numClasses === undefined ? '' : ` in 0..${numClasses - 1}`}`);
      }
    }
    if (!Number.isInteger(row[0]) || row[0] < 0) throw new UserError(`${file}: line ${line}, index = ${row[0]} is not an image index (0 or more)`);
    index[i] = row[0];
    yTrue[i] = row[1];
    yPred[i] = row[2];
    probCols.forEach((col, c) => (probs[i * probCols.length + c] = row[col]));
  }
  return numClasses === undefined ? { index, yTrue, yPred, count } : { index, yTrue, yPred, count, probs, numClasses };
}

/** Whether two prediction files are on the same test images: the same image index and true class on every row. */
export function sameTestImages(x: PredictedLabels, y: PredictedLabels): boolean {
  if (x.count !== y.count) return false;
  for (let i = 0; i < x.count; i++) if (x.yTrue[i] !== y.yTrue[i] || x.index[i] !== y.index[i]) return false;
  return true;
}

/** See parsePredictionsCsv. */
export async function readPredictions(file: string): Promise<PredictedLabels>;
export async function readPredictions(file: string, numClasses: number): Promise<Predictions>;
export async function readPredictions(file: string, numClasses?: number): Promise<PredictedLabels | Predictions> {
  const text = await readText(file);
  return numClasses === undefined ? parsePredictionsCsv(text, file) : parsePredictionsCsv(text, file, numClasses);
}

// ---------------------------------------------------------------------------------------------------------
// Whole runs, as the study and the report read them

/** A finished run's config.json and metrics.json, checked whole. */
export interface FinishedRun {
  dir: string;
  experiment: string;
  seed: number;
  config: RunConfig;
  metrics: RunMetrics;
}

/** A finished run as the report shows it: also its history and whether it saved a model. */
export interface RunRecord extends FinishedRun {
  /** Null when neither history.json nor log.csv is usable (a warning says why). */
  history: History | null;
  /** model/model.json exists (knn runs have no model). */
  hasModel: boolean;
}

/** The runs of one runs/<dataset> folder, each read once: the finished ones (by experiment, then seed) and the unfinished. */
export interface RunsFolder<R extends FinishedRun = FinishedRun> {
  datasetDir: string;
  runs: R[];
  /** Run folders without metrics.json (interrupted or failed). */
  incomplete: RunFolderRef[];
}

async function readFinishedRun(ref: RunFolderRef): Promise<FinishedRun> {
  const { config, metrics } = await readRunFiles(ref.dir);
  // named by its folder, as the study planned it
  return { dir: ref.dir, experiment: ref.experiment, seed: ref.seed, config, metrics };
}

/** One finished run: config.json and metrics.json checked whole, the history when usable (else a warning). */
export async function readRun(dir: string, warn: Warn): Promise<RunRecord> {
  const { config, metrics } = await readRunFiles(dir);
  return {
    dir,
    experiment: config.experiment,
    seed: config.seed,
    config,
    metrics,
    history: await readHistory(dir, warn),
    hasModel: existsSync(join(dir, RUN_FILES.model, 'model.json')),
  };
}

const byExperimentThenSeed = (a: FinishedRun, b: FinishedRun): number => a.experiment.localeCompare(b.experiment) || a.seed - b.seed;

/**
 * The study's reading of runs/<dataset>/: every finished run's config and metrics (no histories).
 * Errors: UserError for a missing folder, and for the first unreadable run (the study's numbers would be wrong without it).
 */
export async function readFinishedRuns(datasetDir: string): Promise<RunsFolder> {
  const out: RunsFolder = { datasetDir, runs: [], incomplete: [] };
  for (const ref of await listRunFolders(datasetDir)) {
    if (isRunComplete(ref.dir)) out.runs.push(await readFinishedRun(ref));
    else out.incomplete.push(ref);
  }
  out.runs.sort(byExperimentThenSeed);
  return out;
}

/**
 * The report's reading of runs/<dataset>/<experiment>/seed-<n>/: every finished run with its history,
 * sorted by experiment then seed. Unfinished runs (no metrics.json) are skipped with a warning, as is an
 * unusable history. Errors: UserError for a missing folder, one with no finished run, and the first
 * finished run whose config.json or metrics.json is unreadable (the report's numbers would leave it out
 * silently otherwise; the report failed on it before, when its summary read the runs a second time).
 */
export async function discoverRuns(datasetDir: string, warn: Warn): Promise<RunsFolder<RunRecord>> {
  const out: RunsFolder<RunRecord> = { datasetDir, runs: [], incomplete: [] };
  for (const ref of await listRunFolders(datasetDir)) {
    if (!isRunComplete(ref.dir)) {
      warn(`${ref.dir}: unfinished (no ${RUN_FILES.metrics}), skipped`);
      out.incomplete.push(ref);
      continue;
    }
    out.runs.push(await readRun(ref.dir, warn));
  }
  out.runs.sort(byExperimentThenSeed);
  if (out.runs.length === 0) throw new UserError(`--runs ${datasetDir}: no finished runs (expected <experiment>/seed-<n>/${RUN_FILES.metrics})`);
  return out;
}
