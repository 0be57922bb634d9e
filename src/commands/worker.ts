// `kmnist-lab worker`: trains the runs a `run --queue` put in the queue, on this machine, until stopped.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { MAX_THREADS, threadsPerJob } from '../engine/threads.ts';
import { UserError } from '../errors.ts';
import { parseQueueUrl } from '../study/executors/queue/address.ts';
import { intFlag, positiveFlag, threadsFlag } from './flags.ts';
import { GRACE_MS, stopSignals } from './stop-signals.ts';

interface WorkerFlags {
  queue: string;
  out: string;
  dataDir?: string;
  jobs: string;
  threads?: string;
  lockSeconds: string;
  idleExit?: string;
}

async function action(flags: WorkerFlags): Promise<void> {
  const address = parseQueueUrl(flags.queue);
  const jobs = intFlag('--jobs', flags.jobs);
  const threads = flags.threads === undefined ? threadsPerJob(jobs) : threadsFlag(flags.threads);
  const lockMs = positiveFlag('--lock-seconds', flags.lockSeconds) * 1000;
  const idleExitMs = flags.idleExit === undefined ? undefined : positiveFlag('--idle-exit', flags.idleExit) * 1000;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const stop = stopSignals({
    onFirst: () => log(`interrupted: running trainings checkpoint and go back to the queue (ending within ${GRACE_MS / 1000} s; Ctrl-C again to kill them)...`),
    leftBehind:
      `runs in progress keep their last checkpoint in ${resolve(flags.out)}; any not returned to the queue ` +
      '(Redis did not answer in time) are taken over by another worker after the lock time (--lock-seconds), which resumes them',
  });
  try {
    // An unreachable Redis is reported before the training code (TF.js, BullMQ) is even loaded.
    const { connectOnce } = await import('../study/executors/queue/connection.ts'); // ioredis
    (await connectOnce(address)).disconnect();
    const { runQueueWorker } = await import('../study/executors/queue/queue-worker.ts');
    log(`worker: ${jobs} run(s) at a time, ${threads} thread(s) each, from ${address.display} into ${resolve(flags.out)}`);
    const r = await runQueueWorker({
      address,
      runsRoot: resolve(flags.out),
      ...(flags.dataDir === undefined ? {} : { dataDir: flags.dataDir }),
      jobs,
      threads,
      lockMs,
      ...(idleExitMs === undefined ? {} : { idleExitMs }),
      log,
      signal: stop.graceful,
      forceSignal: stop.force,
    });
    log(`worker: ${r.done} run(s) done, ${r.failed} failed attempt(s), ${r.returned} returned to the queue`);
  } finally {
    stop.dispose();
  }
  if (stop.graceful.aborted) throw new UserError('interrupted: the worker stopped; its unfinished runs are back in the queue', 130);
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('train the runs a `run --queue` queued, on this machine, into --out (a folder shared with the `run --queue` machine)')
    .requiredOption('--queue <url>', 'redis://HOST:PORT[/DB], as given to `run --queue`')
    .option('--out <dir>', 'runs root: the same shared folder (NFS, a Kubernetes volume, a cluster home) as `run --queue --out`', 'runs')
    .option('--data-dir <dir>', "this machine's copy of the dataset (default: ./data/<dataset>); its md5s must match the study's")
    .option('--jobs <n>', 'runs trained at once', '1')
    .option('--threads <n>', `wasm threads per run, 1-${MAX_THREADS} (default: the cores divided among the jobs)`)
    .option('--lock-seconds <s>', "a run whose worker stops answering for this long is handed to another worker (BullMQ's lockDuration)", '30')
    .option('--idle-exit <s>', 'exit once the queue has been empty this long (batch jobs: Kubernetes, Slurm); default: run until stopped')
    .action(action);
}
