// The study's grid through a real redis-server and 3 `kmnist-lab worker` processes training for real:
// one worker is SIGKILLed mid-run, BullMQ's stalled-job recovery hands its run to another worker,
// which resumes it from the checkpoint in the shared --out; every run's results are bit-identical to
// a local `run` with the same seeds.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { QUEUE_NAME } from '../../src/study/executors/queue/job-data.ts';
import { startCli, type BackgroundCli } from '../helpers/background-cli.ts';
import { useRedisServer } from '../helpers/redis-suite.ts';
import { hasRedisServer, REDIS_SKIP_MESSAGE } from '../helpers/redis.ts';
import { tempDir } from '../data/fixtures.ts';
import { syntheticDataset, writeIdxDataset } from '../training/synthetic.ts';

const root = tempDir('kmnist-queue-grid-');
const data = join(root, 'data');
mkdirSync(data);
// 28x28, 10 classes: 2,000 training images make an fcnn epoch long enough to be killed in.
writeIdxDataset(data, syntheticDataset({ train: 2000, test: 400, size: 28, numClasses: 10, seed: 7 }));
const GRID = ['--experiments', 'fcnn,knn', '--seeds', '2', '--epochs', '3', '--data-dir', data];
// knn is deterministic: one run stands for every seed (study/run-study.ts)
const RUNS = ['fcnn/seed-1', 'knn/seed-1', 'fcnn/seed-2'];

/** metrics.json without the timings (which differ between any two runs). */
function results(out: string, run: string): { metrics: Record<string, unknown>; predictions: string } {
  const dir = join(out, 'kmnist', run);
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
  for (const key of Object.keys(metrics)) if (/Seconds|PerSecond/.test(key)) delete metrics[key];
  return { metrics, predictions: readFileSync(join(dir, 'predictions-test.csv'), 'utf8') };
}

describe.skipIf(!hasRedisServer)('queue: the grid on 3 workers, one SIGKILLed', () => {
  const server = useRedisServer();

  it('completes with results bit-identical to a local run', async () => {
    const out = join(root, 'queue-runs');
    const local = join(root, 'local-runs');
    const connection = { host: '127.0.0.1', port: server().port, db: 0 };
    const workers: BackgroundCli[] = [0, 1, 2].map(() =>
      startCli(['worker', '--queue', server().url, '--out', out, '--data-dir', data, '--threads', '1', '--lock-seconds', '4', '--idle-exit', '10']),
    );
    // Kill the worker training an fcnn run as soon as that run reports its first epoch (checkpointed).
    const events = new QueueEvents(QUEUE_NAME, { connection });
    const queue = new Queue(QUEUE_NAME, { connection });
    let killed: { run: string; worker: number } | null = null;
    events.on('progress', ({ jobId, data: p }) => {
      if (killed || !jobId.includes('/fcnn/') || (p as { epoch?: number }).epoch !== 1) return;
      killed = { run: jobId, worker: -1 };
      void queue.getJob(jobId).then((job) => {
        const pid = Number(job?.processedBy?.replace(`${hostname()}:`, ''));
        const victim = workers.find((w) => w.child.pid === pid);
        if (killed && victim) {
          killed.worker = workers.indexOf(victim);
          victim.kill('SIGKILL');
        }
      });
    });
    await events.waitUntilReady();

    const queued = startCli(['run', '--queue', server().url, '--out', out, ...GRID]);
    const reference = startCli(['run', '--jobs', '2', '--threads', '1', '--out', local, ...GRID]);
    const [queuedCode, referenceCode] = await Promise.all([queued.exited, reference.exited]);
    await events.close();
    await queue.close();
    expect(queuedCode, queued.output()).toBe(0);
    expect(referenceCode, reference.output()).toBe(0);

    // The kill happened mid-run, and the run was taken over and resumed, not started over.
    expect(killed).not.toBeNull();
    const { run, worker } = killed as unknown as { run: string; worker: number };
    expect(worker).toBeGreaterThanOrEqual(0);
    expect(await workers[worker].exited).toBe(137);
    expect(queued.output()).toContain(`worker lost: ${run} is back in the queue`);
    const log = readFileSync(join(out, run, 'worker.log'), 'utf8');
    expect(log.match(/^--- .* train fcnn .*--resume$/gm)?.length).toBeGreaterThanOrEqual(1);
    expect(log).not.toContain('nothing to resume');

    for (const r of RUNS) expect(results(out, r), r).toEqual(results(local, r));
    for (const root of [out, local]) expect(existsSync(join(root, 'kmnist', 'knn', 'seed-2')), root).toBe(false);
    expect(readFileSync(join(out, 'kmnist', 'summary.md'), 'utf8')).toContain('| fcnn | 2 |');
    for (const w of workers) w.kill('SIGINT');
  }, 600_000);
});

if (!hasRedisServer) console.log(REDIS_SKIP_MESSAGE);
