// The queue executor (`run --queue`): one BullMQ job per planned run, trained by `kmnist-lab worker`
// processes on any machine that shares --out; the grid's progress comes back as the queue's events.
// BullMQ does the scheduling: retries (JOB_ATTEMPTS), stalled-job recovery of a lost worker's run.
import { join } from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { UserError } from '../../../errors.ts';
import { isRunComplete } from '../../../run-folder/read.ts';
import { WORKER_LOG, type RunJob, type RunOutcome } from '../../scheduler.ts';
import { getExperiment } from '../../../models/zoo.ts';
import { runSpecOf } from '../../../training/settings/run-spec.ts';
import type { ExecuteHooks, Executor, StudyContext } from '../executor.ts';
import type { QueueAddress } from './address.ts';
import { bullConnection, connectOnce } from './connection.ts';
import {
  isEpochProgress,
  jobIdOf,
  JOB_ATTEMPTS,
  QUEUE_NAME,
  resolvedTrainingOf,
  type QueueJobData,
  type QueueJobResult,
} from './job-data.ts';
import { acquireStudyLock, type StudyLock } from './study-lock.ts';

/** Safety net beside the events: how often the unfinished jobs' states are read. */
const POLL_MS = 2000;

export interface QueueExecutorOptions {
  address: QueueAddress;
  /** `--out` as given, for the lock holder's description. */
  out: string;
  /** The dataset folder `run` reads, for the worker command it suggests (workers need it too). */
  dataDir: string;
}

/** The `worker` command that serves this study, as `run --queue` suggests it (every flag a worker needs). */
export function workerCommand(o: QueueExecutorOptions): string {
  const quote = (s: string): string => (/^[\w./:@=-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);
  return `kmnist-lab worker --queue ${quote(o.address.display)} --out ${quote(o.out)} --data-dir ${quote(o.dataDir)}`;
}

type JobQueue = Queue<QueueJobData, QueueJobResult>;

/** One job: the run's spec, whole (run-spec.ts), with what a worker checks before training it. */
export function jobData(job: RunJob, context: StudyContext): QueueJobData {
  const spec = runSpecOf(getExperiment(job.experiment), job.seed, context.settings);
  return {
    dataset: context.dataset,
    spec,
    restart: job.restart,
    training: resolvedTrainingOf(spec),
    datasetMd5: { ...context.datasetMd5 },
  };
}

/**
 * Puts the plan in the queue: waiting jobs of an abandoned study are dropped (only one `run --queue`
 * holds the queue), a run still being trained by a worker is followed rather than queued twice, and
 * finished or failed jobs of earlier attempts are replaced. Returns the ids already active.
 */
async function enqueue(queue: JobQueue, jobs: readonly RunJob[], dataOf: (job: RunJob) => QueueJobData, ids: readonly string[]): Promise<Set<string>> {
  await queue.drain(true);
  const active = new Set<string>();
  const toAdd: { name: string; data: QueueJobData; opts: { jobId: string; attempts: number; backoff: { type: 'fixed'; delay: number } } }[] = [];
  for (const [i, job] of jobs.entries()) {
    const id = ids[i];
    const existing = await queue.getJob(id);
    if (existing) {
      if ((await existing.getState()) === 'active') {
        active.add(id);
        continue;
      }
      await existing.remove();
    }
    toAdd.push({ name: id, data: dataOf(job), opts: { jobId: id, attempts: JOB_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 } } });
  }
  await queue.addBulk(toAdd);
  return active;
}

function finishedOutcome(job: RunJob, bull: Job<QueueJobData, QueueJobResult> | undefined, state: 'completed' | 'failed'): RunOutcome {
  const outcome: RunOutcome = { job, status: 'failed', exitCode: null, signal: null, logPath: join(job.dir, WORKER_LOG), seconds: 0 };
  const result = bull?.returnvalue;
  outcome.seconds = result?.seconds ?? (bull?.finishedOn && bull.processedOn ? (bull.finishedOn - bull.processedOn) / 1000 : 0);
  if (state === 'completed') {
    if (isRunComplete(job.dir)) {
      outcome.status = 'done';
      outcome.testAccuracy = result?.testAccuracy;
    } else {
      outcome.reason = `${result?.worker ?? 'a worker'} reported it done, but ${job.dir} has no metrics.json here: is --out the same shared folder for every worker?`;
    }
  } else {
    outcome.reason = `failed ${bull?.attemptsMade ?? JOB_ATTEMPTS} time(s): ${bull?.failedReason ?? 'no reason recorded'}`;
  }
  return outcome;
}

export function queueExecutor(o: QueueExecutorOptions): Executor {
  let client: Redis | null = null;
  let lock: StudyLock | null = null;
  return {
    describe: () => `through the queue at ${o.address.display} (start workers with: ${workerCommand(o)}, --out and --data-dir being the same shared folders on every machine)`,

    async open() {
      client = await connectOnce(o.address);
      lock = await acquireStudyLock(client, QUEUE_NAME, o.out, o.address.display);
    },

    async execute(jobs, context, hooks) {
      const connection = bullConnection(o.address);
      const queue: JobQueue = new Queue(QUEUE_NAME, { connection });
      const events = new QueueEvents(QUEUE_NAME, { connection });
      // A Redis that goes away mid-study is retried by ioredis; say so once instead of crashing.
      let warned = false;
      const onError = (err: Error): void => {
        if (!warned) hooks.onLog?.(`queue: ${err.message} (retrying)`);
        warned = true;
      };
      queue.on('error', onError);
      events.on('error', onError);
      try {
        await events.waitUntilReady();
        return await follow(queue, events, jobs, context, (job) => jobData(job, context), hooks);
      } finally {
        await events.close();
        await queue.close();
      }
    },

    async close() {
      await lock?.release();
      client?.disconnect();
      lock = null;
      client = null;
    },
  };
}

async function follow(
  queue: JobQueue,
  events: QueueEvents,
  jobs: readonly RunJob[],
  context: StudyContext,
  dataOf: (job: RunJob) => QueueJobData,
  hooks: ExecuteHooks,
): Promise<RunOutcome[]> {
  const ids = jobs.map((j) => jobIdOf(context.dataset, j.experiment, j.seed));
  const index = new Map(ids.map((id, i) => [id, i]));
  const outcomes: (RunOutcome | null)[] = jobs.map(() => null);
  const started = new Set<string>();
  let left = jobs.length;
  let wake: () => void = () => {};
  /** When the poll first saw a job completed or failed (its event may still be on the way). */
  const finalSince = new Map<string, number>();

  const start = (id: string): void => {
    const i = index.get(id);
    if (i === undefined || outcomes[i] !== null) return;
    started.add(id);
    hooks.onEvent?.({ type: 'start', job: jobs[i] });
  };
  const finish = async (id: string, state: 'completed' | 'failed'): Promise<void> => {
    const i = index.get(id);
    if (i === undefined || outcomes[i] !== null) return;
    const bull = await queue.getJob(id);
    if (outcomes[i] !== null) return;
    if (!started.has(id)) start(id);
    const outcome = finishedOutcome(jobs[i], bull, state);
    outcomes[i] = outcome;
    left--;
    hooks.onEvent?.({ type: 'end', outcome });
    wake();
  };

  // Events are handled one after the other, in the stream's order (finish reads the job first).
  let chain = Promise.resolve();
  const inOrder = (f: () => void | Promise<void>): void => {
    chain = chain.then(f).catch((err: unknown) => hooks.onLog?.(`queue: ${(err as Error).message}`));
  };
  events.on('active', ({ jobId }) => inOrder(() => start(jobId)));
  events.on('progress', ({ jobId, data }) =>
    inOrder(() => {
      const i = index.get(jobId);
      if (i === undefined || outcomes[i] !== null || !isEpochProgress(data)) return;
      if (!started.has(jobId)) start(jobId);
      hooks.onEvent?.({ type: 'epoch', job: jobs[i], progress: data });
    }),
  );
  events.on('completed', ({ jobId }) => inOrder(() => finish(jobId, 'completed')));
  events.on('failed', ({ jobId }) => inOrder(() => finish(jobId, 'failed')));
  events.on('stalled', ({ jobId }) => {
    if (index.has(jobId)) hooks.onLog?.(`worker lost: ${jobId} is back in the queue; the next worker resumes it from its last checkpoint`);
  });
  // A failed attempt with attempts left goes back to the queue after the backoff ('delayed').
  events.on('delayed', ({ jobId }) =>
    inOrder(async () => {
      const i = index.get(jobId);
      const j = i === undefined || outcomes[i] !== null ? undefined : await queue.getJob(jobId);
      if (!j?.failedReason) return;
      hooks.onLog?.(`retrying ${jobId}: attempt ${j.attemptsMade} of ${JOB_ATTEMPTS} failed (${j.failedReason})`);
    }),
  );

  for (const id of await enqueue(queue, jobs, dataOf, ids)) {
    hooks.onLog?.(`${id} is already being trained by a worker: following it`);
    start(id);
  }

  const stopped = new Promise<void>((resolve) => {
    if (hooks.signal?.aborted) resolve();
    hooks.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  while (left > 0 && !hooks.signal?.aborted) {
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
    });
    await Promise.race([woken, stopped, new Promise((r) => setTimeout(r, POLL_MS))]);
    // Events can be missed (a reconnect); the job states cannot. A job's own events finish it, after its earlier
    // events (a retry's 'delayed'): the poll finishes it only once its state has been final for a poll interval,
    // and in the events' order, so a lagging event stream under load loses no "retrying" line.
    for (const [i, id] of ids.entries()) {
      if (outcomes[i] !== null) continue;
      const state = await queue.getJobState(id);
      if (state === 'completed' || state === 'failed') {
        const seen = finalSince.get(id);
        if (seen === undefined) finalSince.set(id, Date.now());
        else if (Date.now() - seen >= POLL_MS) inOrder(() => finish(id, state));
      } else if (state === 'unknown') throw new UserError(`--queue: job ${id} vanished from the queue (was the Redis database flushed?); re-run to queue it again`);
    }
  }
  if (left > 0) {
    // Ctrl-C: queued runs leave the queue; runs on workers finish there (their folders are kept).
    await queue.drain(true);
  }
  return outcomes.map((o, i) => o ?? stoppedOutcome(jobs[i], started.has(ids[i])));
}

function stoppedOutcome(job: RunJob, running: boolean): RunOutcome {
  return {
    job,
    status: running ? 'interrupted' : 'not-started',
    exitCode: null,
    signal: null,
    logPath: join(job.dir, WORKER_LOG),
    seconds: 0,
    reason: running ? 'still training on a worker, which finishes it into --out (re-run to follow or resume it)' : 'removed from the queue',
  };
}
