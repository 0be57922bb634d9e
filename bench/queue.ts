// `npm run bench:queue`: what the job queue costs. The same grid (real `train` runs on a generated
// dataset) runs with 1, 2 and 3 local workers (`run --jobs k`) and through a real redis-server with
// k `kmnist-lab worker` processes (`run --queue`), and prints the wall times and the scheduling
// overhead per job: (queue − local) × k / jobs, and directly from BullMQ's timestamps (a job's time on
// its worker minus its `train` time, plus the wait between a worker's jobs). Numbers, not pass/fail;
// the load average is printed beside them.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { QUEUE_NAME, type QueueJobData, type QueueJobResult } from '../src/study/executors/queue/job-data.ts';
import { startCli } from '../test/helpers/background-cli.ts';
import { runCli } from '../test/helpers/cli.ts';
import { hasRedisServer, startRedis } from '../test/helpers/redis.ts';
import { syntheticDataset, writeIdxDataset } from '../test/training/synthetic.ts';
import { loadAvg } from './lib/machine.ts';
import { fix, table } from './lib/table.ts';

const USAGE = `npm run bench:queue -- [--experiments knn,fcnn] [--seeds 3] [--epochs 1] [--workers 1,2,3] [--data-dir DIR]
  default data: a generated 1,000/200 image dataset (28x28, 10 classes)`;

interface Row {
  workers: number;
  localSeconds: number;
  queueSeconds: number;
  /** (queue − local) × workers / jobs. */
  perJobFromWall: number;
  /** Mean over jobs of (time on the worker − train time) + the wait since that worker's previous job. */
  perJobFromQueue: number;
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

/** Per job: time on its worker beyond `train` itself, plus the gap since that worker finished its previous job. */
async function queueOverhead(connection: { host: string; port: number; db: number }): Promise<number> {
  const queue = new Queue<QueueJobData, QueueJobResult>(QUEUE_NAME, { connection });
  const jobs = await queue.getJobs(['completed']);
  await queue.close();
  const byWorker = new Map<string, typeof jobs>();
  for (const j of jobs) byWorker.set(j.processedBy ?? '?', [...(byWorker.get(j.processedBy ?? '?') ?? []), j]);
  let total = 0;
  for (const list of byWorker.values()) {
    list.sort((a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0));
    list.forEach((j, i) => {
      const onWorker = ((j.finishedOn ?? 0) - (j.processedOn ?? 0)) / 1000 - j.returnvalue.seconds;
      const gap = i === 0 ? 0 : ((j.processedOn ?? 0) - (list[i - 1].finishedOn ?? 0)) / 1000;
      total += onWorker + gap;
    });
  }
  return total / Math.max(1, jobs.length);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      experiments: { type: 'string', default: 'knn,fcnn' },
      seeds: { type: 'string', default: '3' },
      epochs: { type: 'string', default: '1' },
      workers: { type: 'string', default: '1,2,3' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!hasRedisServer) throw new Error('redis-server is not installed (apt-get install redis-server)');
  const root = mkdtempSync(join(tmpdir(), 'kmnist-bench-queue-'));
  let dataDir = values['data-dir'];
  if (dataDir === undefined) {
    dataDir = join(root, 'data');
    mkdirSync(dataDir);
    writeIdxDataset(dataDir, syntheticDataset({ train: 1000, test: 200, size: 28, numClasses: 10, seed: 3 }));
  }
  const grid = ['--experiments', values.experiments, '--seeds', values.seeds, '--epochs', values.epochs, '--data-dir', dataDir];
  const jobCount = values.experiments.split(',').length * Number(values.seeds);
  const loadStart = loadAvg();
  console.log(`grid: ${values.experiments} x ${values.seeds} seeds, ${values.epochs} epoch(s): ${jobCount} jobs; data ${dataDir}`);
  console.log(`load average at start: ${loadStart.join(' ')} (1/5/15 min)`);
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    for (const k of values.workers.split(',').map(Number)) {
      const local = join(root, `local-${k}`);
      const localSeconds = await timed(async () => {
        const r = await runCli(['run', '--jobs', String(k), '--threads', '1', '--out', local, ...grid], { timeoutMs: 3_600_000 });
        if (r.code !== 0) throw new Error(`local run failed:\n${r.stderr}`);
      });
      const url = `${redis.url}/${k}`;
      const out = join(root, `queue-${k}`);
      // Workers are started and connected before the clock starts: a cluster's workers wait for work.
      const workers = Array.from({ length: k }, () => startCli(['worker', '--queue', url, '--out', out, '--data-dir', dataDir, '--threads', '1']));
      await Promise.all(workers.map((w) => w.waitFor(/^worker: \d+ run/m)));
      const queueSeconds = await timed(async () => {
        const r = await runCli(['run', '--queue', url, '--out', out, ...grid], { timeoutMs: 3_600_000 });
        if (r.code !== 0) throw new Error(`queued run failed:\n${r.stderr}`);
      });
      const perJobFromQueue = await queueOverhead({ host: '127.0.0.1', port: redis.port, db: k });
      for (const w of workers) w.kill('SIGINT');
      await Promise.all(workers.map((w) => w.exited));
      const row = { workers: k, localSeconds, queueSeconds, perJobFromWall: ((queueSeconds - localSeconds) * k) / jobCount, perJobFromQueue };
      rows.push(row);
      console.log(`  ${k} worker(s): local ${fix(localSeconds, 1)} s, queue ${fix(queueSeconds, 1)} s (load ${loadAvg().join(' ')})`);
    }
  } finally {
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
  console.log();
  console.log(
    table(
      ['workers', 'local run s', 'run --queue s', 'overhead/job s (wall)', 'overhead/job s (BullMQ timestamps)'],
      rows.map((r) => [r.workers, fix(r.localSeconds, 1), fix(r.queueSeconds, 1), fix(r.perJobFromWall, 2), fix(r.perJobFromQueue, 3)]),
    ),
  );
  console.log(`\nload average: ${loadStart.join(' ')} at start, ${loadAvg().join(' ')} at end (1/5/15 min)`);
}

await main();
