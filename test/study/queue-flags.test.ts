// The same small grid through both routes, `run` (local workers) and `run --queue` with a real `kmnist-lab worker`,
// given every training flag of the table (training/settings/flag-spec.ts): each setting the table says config.json
// records is compared flag by flag, the list generated from the table, and the results are equal.
// Real redis-server, real training on a small generated dataset.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/background-cli.ts';
import { useRedisServer } from '../helpers/redis-suite.ts';
import { hasRedisServer, REDIS_SKIP_MESSAGE } from '../helpers/redis.ts';
import { tempDir } from '../data/fixtures.ts';
import { getExperiment } from '../../src/models/zoo.ts';
import { FLAG_ROWS, settingsArgs, type SettingKey, type TrainingSettings } from '../../src/training/settings/flag-spec.ts';
import { runSpecOf } from '../../src/training/settings/run-spec.ts';
import { syntheticDataset, writeIdxDataset } from '../training/synthetic.ts';

const root = tempDir('kmnist-queue-flags-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');
mkdirSync(data);
writeIdxDataset(data, syntheticDataset({ train: 300, test: 100, size: 28, numClasses: 10, seed: 5 }));
/** Every training setting, given to both routes; knn is in the grid too and keeps only those that apply to it. */
const GIVEN: TrainingSettings = {
  ...{ epochs: 2, batchSize: 16, lr: 0.002, optimizer: 'adamw', weightDecay: 0.01, labelSmoothing: 0.1, preset: 'default' },
  ...{ augment: true, augmentFactor: 2, shear: 0.05, valSplit: 0.2, backend: 'wasm', threads: 1 },
};
/** Settings the grid cannot give, and why (covered by queue-job-data.test.ts instead). */
const NOT_GIVEN: Partial<Record<SettingKey, string>> = { allowSoftwareGpu: 'needs --backend webgpu; the argv of a queued job is checked to carry it' };
const GRID = ['--experiments', 'fcnn,knn', '--seeds', '1', '--data-dir', data, ...settingsArgs(GIVEN)];

function at(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** metrics.json without the timings, and the test predictions. */
function results(out: string, run: string): { metrics: Record<string, unknown>; predictions: string } {
  const metrics = readJson(join(out, 'kmnist', run, 'metrics.json'));
  for (const key of Object.keys(metrics)) if (/Seconds|PerSecond/.test(key)) delete metrics[key];
  return { metrics, predictions: readFileSync(join(out, 'kmnist', run, 'predictions-test.csv'), 'utf8') };
}

describe.skipIf(!hasRedisServer)('queue: training flags reach the workers', () => {
  const server = useRedisServer();

  it('the grid gives every setting of the table (a new one must be given or say why not)', () => {
    const given = [...Object.keys(GIVEN), ...Object.keys(NOT_GIVEN)].sort();
    expect(given).toEqual(FLAG_ROWS.map((r) => r.key).sort());
  });

  it('a queued grid records every setting as the local one does, flag by flag, and computes the same results', async () => {
    const out = join(root, 'queue-runs');
    const local = join(root, 'local-runs');
    const worker = startCli(['worker', '--queue', server().url, '--out', out, '--data-dir', data, '--threads', '1', '--idle-exit', '5']);
    const queued = startCli(['run', '--queue', server().url, '--out', out, ...GRID]);
    const reference = startCli(['run', '--jobs', '1', '--out', local, ...GRID]);
    const [queuedCode, referenceCode] = await Promise.all([queued.exited, reference.exited]);
    expect(queuedCode, queued.output()).toBe(0);
    expect(referenceCode, reference.output()).toBe(0);
    expect(await worker.exited, worker.output()).toBe(0);

    // The worker's --threads 1 replaces the study's on the queue route; the same count, so versions.wasmThreads agrees too.
    for (const run of ['fcnn/seed-1', 'knn/seed-1']) {
      const queuedConfig = readJson(join(out, 'kmnist', run, 'config.json'));
      const localConfig = readJson(join(local, 'kmnist', run, 'config.json'));
      const spec = runSpecOf(getExperiment(run.split('/')[0]), 1, GIVEN);
      for (const row of FLAG_ROWS.filter((r) => r.recordedAs !== undefined)) {
        const path = row.recordedAs as string;
        expect(at(queuedConfig, path), `${run} ${row.flag} (${path})`).toEqual(at(localConfig, path));
        const value = spec.settings[row.key];
        if (run.startsWith('fcnn')) expect(value, `fcnn takes ${row.flag}`).toBeDefined();
        if (value !== undefined) expect(String(at(queuedConfig, path)), `${run} ${row.flag} (${path})`).toBe(String(value));
      }
      const { createdAt: _q, ...queuedRest } = queuedConfig;
      const { createdAt: _l, ...localRest } = localConfig;
      expect(queuedRest, run).toEqual(localRest);
      expect(results(out, run), run).toEqual(results(local, run));
    }
  }, 600_000);
});

if (!hasRedisServer) console.log(REDIS_SKIP_MESSAGE);
