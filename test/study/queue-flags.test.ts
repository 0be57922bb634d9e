// `run --queue` with `train`'s training flags (--batch-size, --lr, --optimizer, --augment ...): each queued job
// carries them, a real `kmnist-lab worker` trains with them (config.json records them), and the results equal a
// local `run` given the same flags. Real redis-server, real training on a small generated dataset.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/background-cli.ts';
import { useRedisServer } from '../helpers/redis-suite.ts';
import { hasRedisServer, REDIS_SKIP_MESSAGE } from '../helpers/redis.ts';
import { tempDir } from '../data/fixtures.ts';
import { syntheticDataset, writeIdxDataset } from '../training/synthetic.ts';

const root = tempDir('kmnist-queue-flags-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');
mkdirSync(data);
writeIdxDataset(data, syntheticDataset({ train: 300, test: 100, size: 28, numClasses: 10, seed: 5 }));
// knn is in the grid too: it takes none of these flags (`train` refuses flags that change nothing for it).
const FLAGS = ['--batch-size', '16', '--lr', '0.002', '--optimizer', 'rmsprop', '--augment', '--augment-factor', '2', '--shear', '0.05', '--val-split', '0.2'];
const GRID = ['--experiments', 'fcnn,knn', '--seeds', '1', '--epochs', '2', '--data-dir', data, ...FLAGS];

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

  it('a queued fcnn trains with --batch-size, --lr, --optimizer, the augmentation flags and --val-split, as a local run does', async () => {
    const out = join(root, 'queue-runs');
    const local = join(root, 'local-runs');
    const worker = startCli(['worker', '--queue', server().url, '--out', out, '--data-dir', data, '--threads', '1', '--idle-exit', '5']);
    const queued = startCli(['run', '--queue', server().url, '--out', out, ...GRID]);
    const reference = startCli(['run', '--jobs', '1', '--threads', '1', '--out', local, ...GRID]);
    const [queuedCode, referenceCode] = await Promise.all([queued.exited, reference.exited]);
    expect(queuedCode, queued.output()).toBe(0);
    expect(referenceCode, reference.output()).toBe(0);
    expect(await worker.exited, worker.output()).toBe(0);

    const config = readJson(join(out, 'kmnist', 'fcnn', 'seed-1', 'config.json'));
    expect(config).toMatchObject({ epochs: 2, batchSize: 16, learningRate: 0.002, optimizer: 'rmsprop', augment: true, augmentFactor: 2, valSplit: 0.2 });
    expect(config.augmentation).toMatchObject({ shearRange: 0.05 });
    for (const run of ['fcnn/seed-1', 'knn/seed-1']) expect(results(out, run), run).toEqual(results(local, run));
  }, 600_000);
});

if (!hasRedisServer) console.log(REDIS_SKIP_MESSAGE);
