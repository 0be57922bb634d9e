// Reads and validates run folders (see run-folder.ts): a malformed file is a UserError naming it.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.ts';
import { RUN_FILES, type RunConfig, type RunMetrics } from './run-folder.ts';

export interface RunFolderRef {
  experiment: string;
  seed: number;
  dir: string;
}

const SEED_DIR = /^seed-(\d+)$/;

/** metrics.json is written last, so its presence means the run finished. */
export function isRunComplete(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.metrics));
}

/** Every runs/<dataset>/<experiment>/seed-<n>/ folder, complete or not, sorted by experiment then seed. */
export async function listRunFolders(datasetDir: string): Promise<RunFolderRef[]> {
  if (!existsSync(datasetDir)) throw new UserError(`${datasetDir}: no such runs folder (run \`kmnist-lab run\` first)`);
  const refs: RunFolderRef[] = [];
  for (const exp of await readdir(datasetDir, { withFileTypes: true })) {
    if (!exp.isDirectory()) continue;
    for (const seedDir of await readdir(join(datasetDir, exp.name), { withFileTypes: true })) {
      const m = SEED_DIR.exec(seedDir.name);
      if (!seedDir.isDirectory() || !m) continue;
      refs.push({ experiment: exp.name, seed: Number(m[1]), dir: join(datasetDir, exp.name, seedDir.name) });
    }
  }
  return refs.sort((a, b) => (a.experiment === b.experiment ? a.seed - b.seed : a.experiment < b.experiment ? -1 : 1));
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read the file`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UserError(`${path}: expected a JSON object`);
  return value as Record<string, unknown>;
}

function requireFields(path: string, obj: Record<string, unknown>, fields: Record<string, 'number' | 'string' | 'boolean'>): void {
  for (const [name, type] of Object.entries(fields)) {
    const v = obj[name];
    if (typeof v !== type || (type === 'number' && !Number.isFinite(v))) {
      throw new UserError(`${path}: field '${name}' must be a ${type === 'number' ? 'finite number' : type}, got ${JSON.stringify(v)}`);
    }
  }
}

export async function readRunMetrics(dir: string): Promise<RunMetrics> {
  const path = join(dir, RUN_FILES.metrics);
  const obj = await readJson(path);
  requireFields(path, obj, {
    testAccuracy: 'number',
    balancedAccuracy: 'number',
    macroF1: 'number',
    epochsRun: 'number',
    trainImagesPerSecond: 'number',
    paramCount: 'number',
  });
  return obj as unknown as RunMetrics;
}

export async function readRunConfig(dir: string): Promise<RunConfig> {
  const path = join(dir, RUN_FILES.config);
  const obj = await readJson(path);
  requireFields(path, obj, { experiment: 'string', dataset: 'string', seed: 'number', epochs: 'number', validationOn: 'string' });
  return obj as unknown as RunConfig;
}

export interface TestPredictions {
  /** Row index into the test set, as written by training. */
  index: Int32Array;
  truth: Int32Array;
  predicted: Int32Array;
}

/** The first three columns of predictions-test.csv (index,true,predicted,p0,...). */
export async function readTestPredictions(dir: string): Promise<TestPredictions> {
  const path = join(dir, RUN_FILES.predictionsTest);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`${path}: cannot read the file`);
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',');
  if (header[0] !== 'index' || header[1] !== 'true' || header[2] !== 'predicted') {
    throw new UserError(`${path}: header must start with index,true,predicted, got '${(lines[0] ?? '').slice(0, 60)}'`);
  }
  const n = lines.length - 1;
  const out: TestPredictions = { index: new Int32Array(n), truth: new Int32Array(n), predicted: new Int32Array(n) };
  for (let i = 0; i < n; i++) {
    const cols = lines[i + 1].split(',', 3);
    const [idx, t, p] = cols.map(Number);
    if (cols.length < 3 || !Number.isInteger(idx) || !Number.isInteger(t) || !Number.isInteger(p)) {
      throw new UserError(`${path}: line ${i + 2}: expected integer index,true,predicted, got '${lines[i + 1].slice(0, 60)}'`);
    }
    out.index[i] = idx;
    out.truth[i] = t;
    out.predicted[i] = p;
  }
  return out;
}
