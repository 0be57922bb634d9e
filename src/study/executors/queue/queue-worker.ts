// `kmnist-lab worker`: pulls the study's jobs from the queue and trains each with the normal `train`
// worker process (its checkpoints, its worker.log in the run folder), `jobs` at a time. The run
// folders go to --out, which must be the folder `run --queue` reads (a shared filesystem).
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Queue, Worker, WaitingError, type Job } from 'bullmq';
import { loadDataset } from '../../../data/load.ts';
import { defaultDataDir } from '../../../data/registry.ts';
import type { DatasetName } from '../../../data/types.ts';
import { UserError } from '../../../errors.ts';
import { RUN_FILES } from '../../../run-folder/layout.ts';
import { isRunComplete } from '../../../run-folder/read.ts';
import { runJobFor, runJobs } from '../../scheduler.ts';
import { trainWorker } from '../../worker.ts';
import type { QueueAddress } from './address.ts';
import { bullConnection } from './connection.ts';
import type { RunSpec } from '../../../training/settings/run-spec.ts';
import { MAX_STALLED, QUEUE_NAME, resolvedTrainingOf, type QueueJobData, type QueueJobResult } from './job-data.ts';

export interface QueueWorkerOptions {
  address: QueueAddress;
  /** Absolute --out: the shared runs root. */
  runsRoot: string;
  /** --data-dir; default ./data/<dataset> of each job's dataset. */
  dataDir?: string;
  /** Runs trained at once. */
  jobs: number;
  /** wasm threads per run. */
  threads?: number;
  /** A job whose lock is not renewed for this long is handed to another worker (BullMQ lockDuration). */
  lockMs: number;
  /** Exit once the queue has had no waiting or active job for this long (batch systems); undefined: run until stopped. */
  idleExitMs?: number;
  log: (line: string) => void;
  /** First Ctrl-C: running trainings checkpoint and their jobs go back to the queue. */
  signal: AbortSignal;
  /** Second Ctrl-C: kill them. */
  forceSignal: AbortSignal;
}

export interface QueueWorkerResult {
  done: number;
  failed: number;
  returned: number;
  /** Set when the worker stopped because it cannot take this study's jobs (other data, other settings). */
  refusal?: string;
}

type StudyJob = Job<QueueJobData, QueueJobResult>;

/** A refusal: this worker can never train the job (its data or its code differ), so it stops taking jobs. */
class Refusal extends Error {}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Trains the queue's jobs until stopped (or idle, or refusing); the caller checked Redis is reachable (connectOnce). */
export async function runQueueWorker(o: QueueWorkerOptions): Promise<QueueWorkerResult> {
  const name = `${hostname()}:${process.pid}`;
  const result: QueueWorkerResult = { done: 0, failed: 0, returned: 0 };
  const md5s = new Map<string, Promise<Record<string, string>>>();
  const running = new Set<AbortController>();

  /** The md5s of this machine's copy of the job's dataset, read once per folder. */
  const localMd5 = (dataset: DatasetName, dataDir: string): Promise<Record<string, string>> => {
    let p = md5s.get(dataDir);
    if (!p) {
      p = loadDataset({ dataset, dataDir }).then((d) => d.fileMd5);
      md5s.set(dataDir, p);
    }
    return p;
  };

  /** Throws a Refusal when this machine's data or settings differ from the study's. */
  const check = async (data: QueueJobData, dataDir: string): Promise<void> => {
    let here: Record<string, string>;
    try {
      here = await localMd5(data.dataset, dataDir);
    } catch (err) {
      throw new Refusal(`${name} has no usable ${data.dataset} at ${dataDir} (${(err as Error).message}); give the worker --data-dir`);
    }
    for (const [file, md5] of Object.entries(data.datasetMd5)) {
      if (here[file] !== md5) {
        throw new Refusal(`${name} refuses ${data.spec.experiment} seed ${data.spec.seed}: ${resolve(dataDir, file)} has md5 ${here[file] ?? '(no such file)'}, the study's is ${md5}`);
      }
    }
    const spec = data.spec as RunSpec | undefined; // a job queued by an older kmnist-lab has none
    if (typeof spec !== 'object' || spec === null || typeof spec.settings !== 'object' || spec.settings === null) {
      throw new Refusal(`${name} cannot read a queued ${data.dataset} job (it has no run spec): run the study's kmnist-lab version`);
    }
    let training;
    try {
      training = resolvedTrainingOf(spec);
    } catch (err) {
      throw new Refusal(`${name} cannot resolve ${spec.experiment}'s settings: ${(err as Error).message} (is this worker's kmnist-lab the study's version?)`);
    }
    if (!sameJson(training, data.training)) {
      throw new Refusal(`${name} resolves other training settings for ${data.spec.experiment} than the study (${JSON.stringify(training)}); run the study's kmnist-lab version`);
    }
  };

  const train = async (job: StudyJob, token: string | undefined): Promise<QueueJobResult> => {
    const data = job.data;
    const dataDir = resolve(o.dataDir ?? defaultDataDir(data.dataset));
    await check(data, dataDir);
    const run = runJobFor(o.runsRoot, data.dataset, data.spec.experiment, data.spec.seed, true);
    // A worker lost after metrics.json was written but before the job was acknowledged.
    if (isRunComplete(run.dir)) return { ...finishedResult(run.dir), seconds: 0, worker: name };
    // --no-resume restarts the folder on the job's first start only; a lost worker's retry resumes.
    if (data.restart && job.attemptsStarted <= 1 && existsSync(run.dir)) {
      run.restart = true;
      run.resume = false;
    }
    const stop = new AbortController();
    running.add(stop);
    if (o.signal.aborted) stop.abort();
    try {
      // The same argv as the local executor's, from the same spec; this machine's --threads replaces the study's.
      const worker = trainWorker({ dataset: data.dataset, dataDir, runsRoot: o.runsRoot, specOf: () => data.spec, threads: o.threads });
      const [outcome] = await runJobs([run], {
        jobs: 1,
        worker,
        signal: stop.signal,
        forceSignal: o.forceSignal,
        onEvent: (e) => {
          if (e.type === 'epoch') job.updateProgress(e.progress).catch(() => {});
        },
      });
      if (outcome.status === 'done') return { testAccuracy: outcome.testAccuracy, seconds: outcome.seconds, worker: name };
      if (outcome.status === 'interrupted' || outcome.status === 'not-started') {
        // Ctrl-C: the run checkpointed; the job goes back to the queue without counting as a failure.
        await job.moveToWait(token);
        result.returned++;
        o.log(`returned ${job.id} to the queue (checkpointed)`);
        throw new WaitingError();
      }
      const said = outcome.lastError ? ` (${outcome.lastError})` : '';
      // The run's worker.log (in the shared --out) holds the whole output; `run --queue` names it.
      throw new Error(`${outcome.reason ?? 'failed'}${said} on ${name}`);
    } finally {
      running.delete(stop);
    }
  };

  const worker = new Worker<QueueJobData, QueueJobResult>(
    QUEUE_NAME,
    async (job, token) => {
      try {
        return await train(job, token);
      } catch (err) {
        if (err instanceof Refusal) {
          result.refusal = err.message;
          void worker.close();
        }
        throw err;
      }
    },
    {
      connection: bullConnection(o.address),
      name,
      concurrency: o.jobs,
      lockDuration: o.lockMs,
      stalledInterval: o.lockMs,
      maxStalledCount: MAX_STALLED,
      autorun: false,
    },
  );
  let warned = false;
  worker.on('error', (err) => {
    if (!warned) o.log(`queue: ${err.message} (retrying)`);
    warned = true;
  });
  worker.on('active', (job) => o.log(`start   ${job.id} (attempt ${job.attemptsStarted})`));
  worker.on('completed', (job, r) => {
    result.done++;
    o.log(`done    ${job.id} in ${r.seconds.toFixed(1)} s${r.testAccuracy === undefined ? '' : `, test accuracy ${r.testAccuracy.toFixed(4)}`}`);
  });
  worker.on('failed', (job, err) => {
    if (err instanceof WaitingError || err.name === 'WaitingError') return;
    result.failed++;
    o.log(`FAILED  ${job?.id ?? '?'}: ${err.message}`);
  });
  // The lock was lost (Redis away longer than lockMs): another worker may now own the run; stop ours.
  worker.on('lockRenewalFailed', (ids) => {
    o.log(`lost the lock of ${ids.join(', ')}: stopping that training (another worker takes it over)`);
    for (const c of running) c.abort();
  });

  const onStop = (): void => {
    for (const c of running) c.abort();
    void worker.close();
  };
  const onForce = (): void => void worker.close(true);
  o.signal.addEventListener('abort', onStop, { once: true });
  o.forceSignal.addEventListener('abort', onForce, { once: true });
  const idle = o.idleExitMs === undefined ? null : watchIdle(worker, o.address, o.idleExitMs, o.log);
  try {
    await worker.run();
  } finally {
    await idle?.stop();
    o.signal.removeEventListener('abort', onStop);
    o.forceSignal.removeEventListener('abort', onForce);
    await worker.close();
  }
  if (result.refusal) throw new UserError(result.refusal);
  return result;
}

function finishedResult(dir: string): { testAccuracy?: number } {
  try {
    const m = JSON.parse(readFileSync(`${dir}/${RUN_FILES.metrics}`, 'utf8')) as { testAccuracy?: unknown };
    return typeof m.testAccuracy === 'number' ? { testAccuracy: m.testAccuracy } : {};
  } catch {
    return {};
  }
}

/** Closes the worker once the queue has had nothing waiting, delayed or active for `ms`. */
function watchIdle(worker: Worker<QueueJobData, QueueJobResult>, address: QueueAddress, ms: number, log: (line: string) => void): { stop(): Promise<void> } {
  const queue = new Queue(QUEUE_NAME, { connection: bullConnection(address) });
  queue.on('error', () => {});
  let idleSince = Date.now();
  const timer = setInterval(() => {
    queue
      .getJobCounts('waiting', 'active', 'delayed', 'prioritized')
      .then((counts) => {
        const pending = Object.values(counts).reduce((a, b) => a + b, 0);
        if (pending > 0) idleSince = Date.now();
        else if (Date.now() - idleSince >= ms) {
          log(`the queue has been empty for ${Math.round(ms / 1000)} s: exiting (--idle-exit)`);
          clearInterval(timer);
          void worker.close();
        }
      })
      .catch(() => {});
  }, Math.min(1000, ms));
  return {
    async stop() {
      clearInterval(timer);
      await queue.close();
    },
  };
}
