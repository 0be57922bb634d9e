// Runs independent (experiment, seed) runs as worker processes, at most `jobs` at once.
// Each worker's stdout and stderr go to <run dir>/worker.log; its stdout JSON lines become progress events.
// One failing run never stops the others; an abort forwards SIGINT so workers can checkpoint.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { PARENT_PIPE_ENV, parseWorkerLine, type BatchProgress, type EpochProgress } from '../protocol/train-worker.ts';
import { isRunComplete, readRunFiles } from '../run-folder/read.ts';
import { runDir } from '../run-folder/layout.ts';

export const WORKER_LOG = 'worker.log';
/** Live logs sit outside runs/<dataset>/ while a worker runs: train may delete and recreate its run folder. */
export const LIVE_LOG_DIR = '.worker-logs';

export interface RunJob {
  experiment: string;
  seed: number;
  dir: string;
  /** The folder holds an unfinished run: the worker continues it from its checkpoint. */
  resume: boolean;
  /** The folder holds an unfinished run to start over (--no-resume): the worker overwrites it. */
  restart: boolean;
  /** Where the worker's output goes while it runs (named after the scheduler's pid); appended to <dir>/worker.log when it exits. */
  liveLog: string;
}

export interface WorkerSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the command line of one run's worker; injectable so tests can use a fake worker. `threads`,
 * when given (SchedulerOptions.coresShare), is the run's share of the cores, and the worker must accept
 * more later as {"type":"threads","threads":n} lines on its stdin (`train --grow-threads`).
 */
export type WorkerFactory = (job: RunJob, threads?: number) => WorkerSpec;

export type RunStatus = 'done' | 'failed' | 'interrupted' | 'not-started';

export interface RunOutcome {
  job: RunJob;
  status: RunStatus;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  logPath: string;
  seconds: number;
  /** From the worker's {"type":"done"} line, when it printed one. */
  testAccuracy?: number;
  /** Why a run failed, in one line. */
  reason?: string;
  /** A finished run's metrics.json warnings (e.g. not learning). */
  warnings?: string[];
  /** The worker's last stderr line (its error message, for a failed run). */
  lastError?: string;
}

export type { BatchProgress, EpochProgress } from '../protocol/train-worker.ts';

export type SchedulerEvent =
  | { type: 'start'; job: RunJob }
  | { type: 'batch'; job: RunJob; progress: BatchProgress }
  | { type: 'epoch'; job: RunJob; progress: EpochProgress }
  | { type: 'end'; outcome: RunOutcome };

export interface SchedulerOptions {
  jobs: number;
  worker: WorkerFactory;
  onEvent?: (e: SchedulerEvent) => void;
  /** Graceful stop: start nothing new, send SIGINT to running workers, wait for them. */
  signal?: AbortSignal;
  /** Hard stop: SIGKILL running workers (a second Ctrl-C). */
  forceSignal?: AbortSignal;
  /**
   * Threads per worker when `concurrent` workers share the machine. Given, each worker starts with the
   * share of the workers that will run beside it, and once nothing is queued the running ones are
   * given the cores that finished runs free (the last runs of a study do not leave cores idle).
   */
  coresShare?: (concurrent: number) => number;
}

export interface PlanOptions {
  runsRoot: string;
  dataset: string;
  experiments: readonly string[];
  seeds: readonly number[];
  /** Continue unfinished run folders from their checkpoint (otherwise they restart from scratch). */
  resume: boolean;
  /** Experiments whose result does not depend on the seed (knn): run for the first seed only. */
  deterministic?: readonly string[];
}

export interface Plan {
  toRun: RunJob[];
  /** Complete runs (metrics.json present): never run again. */
  complete: { experiment: string; seed: number; dir: string }[];
}

/** The job of one unfinished run: resumed from its folder, or restarted (--no-resume), when it has one. */
export function runJobFor(runsRoot: string, dataset: string, experiment: string, seed: number, resume: boolean): RunJob {
  const dir = runDir(runsRoot, dataset, experiment, seed);
  const exists = existsSync(dir);
  const liveLog = join(runsRoot, LIVE_LOG_DIR, dataset, experiment, `seed-${seed}.${process.pid}.log`);
  return { experiment, seed, dir, resume: resume && exists, restart: !resume && exists, liveLog };
}

/** Seed-major order, so an interrupted study still has whole seeds to compare. */
export function planRuns(opts: PlanOptions): Plan {
  const plan: Plan = { toRun: [], complete: [] };
  const once = new Set(opts.deterministic ?? []);
  for (const [k, seed] of opts.seeds.entries()) {
    for (const experiment of opts.experiments) {
      if (k > 0 && once.has(experiment)) continue;
      const dir = runDir(opts.runsRoot, opts.dataset, experiment, seed);
      if (isRunComplete(dir)) plan.complete.push({ experiment, seed, dir });
      else plan.toRun.push(runJobFor(opts.runsRoot, opts.dataset, experiment, seed, opts.resume));
    }
  }
  return plan;
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    // Workers lead their own process group (detached), so the whole group gets the signal exactly once.
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}

/** A running worker whose thread count can still grow. */
interface LiveWorker {
  threads: number;
  setThreads(threads: number): void;
}

/** What runJobs shares with each runOne: pids (for signals) and the workers whose threads can grow. */
interface Pool {
  running: Set<number>;
  live: Set<LiveWorker>;
  /** Threads for a worker starting now. */
  threadsForNext(): number | undefined;
  /** A worker ended: give its cores to the others once nothing is queued. */
  rebalance(): void;
}

async function runOne(job: RunJob, opts: SchedulerOptions, pool: Pool): Promise<RunOutcome> {
  const { running } = pool;
  const logPath = join(job.dir, WORKER_LOG);
  await mkdir(dirname(job.liveLog), { recursive: true });
  const log = createWriteStream(job.liveLog, { flags: 'w' });
  const threads = pool.threadsForNext();
  const spec = opts.worker(job, threads);
  log.write(`--- ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
  const started = Date.now();
  const outcome: RunOutcome = { job, status: 'failed', exitCode: null, signal: null, logPath, seconds: 0 };
  opts.onEvent?.({ type: 'start', job });

  await new Promise<void>((resolve) => {
    // stdin is a pipe the worker watches (training/parent-watch.ts): it dies with this process.
    const child = spawn(spec.command, spec.args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
      env: { ...(spec.env ?? process.env), [PARENT_PIPE_ENV]: '1' },
    });
    if (child.pid !== undefined) running.add(child.pid);
    let worker: LiveWorker | undefined;
    const stdin = child.stdin;
    stdin.on('error', () => {}); // a worker that already exited cannot take more threads: nothing lost
    // stdin stays open even without --grow-threads: its end-of-file means this process is gone (parent-watch).
    if (threads !== undefined) {
      worker = {
        threads,
        setThreads(n) {
          this.threads = n;
          log.write(`--- ${new Date().toISOString()} threads: ${n}\n`);
          stdin.write(`${JSON.stringify({ type: 'threads', threads: n })}\n`);
        },
      };
      pool.live.add(worker);
    }
    // An abort that landed while this worker was being spawned still reaches it.
    if (opts.signal?.aborted) signalGroup(child.pid, 'SIGINT');
    child.stderr.pipe(log, { end: false });
    let stderrTail = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
      const last = stderrTail.trimEnd().split('\n').at(-1)?.trim();
      if (last) outcome.lastError = last;
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      const p = parseWorkerLine(line);
      if (p?.type === 'batch') opts.onEvent?.({ type: 'batch', job, progress: p.progress });
      else if (p?.type === 'epoch') opts.onEvent?.({ type: 'epoch', job, progress: p.progress });
      else if (p?.type === 'done') outcome.testAccuracy = p.testAccuracy;
    });
    child.on('error', (err) => {
      outcome.reason = `could not start the worker: ${err.message}`;
      log.write(`${outcome.reason}\n`);
    });
    child.on('close', (code, signal) => {
      if (child.pid !== undefined) running.delete(child.pid);
      if (worker) pool.live.delete(worker);
      pool.rebalance();
      outcome.exitCode = code;
      outcome.signal = signal;
      resolve();
    });
  });

  outcome.seconds = (Date.now() - started) / 1000;
  if (outcome.exitCode === 0 && isRunComplete(job.dir)) {
    outcome.status = 'done';
    outcome.warnings = await runWarnings(job.dir);
  } else if (opts.signal?.aborted) {
    outcome.status = 'interrupted';
    outcome.reason = 'stopped by the user (re-run to resume)';
  } else {
    outcome.status = 'failed';
    outcome.reason ??=
      outcome.exitCode === 0
        ? 'the worker exited 0 without writing metrics.json'
        : outcome.signal !== null
          ? `the worker was killed by ${outcome.signal}`
          : `the worker exited with code ${outcome.exitCode}`;
  }
  log.write(`--- ${new Date().toISOString()} ${outcome.status}${outcome.reason ? `: ${outcome.reason}` : ''}\n`);
  await new Promise<void>((resolve) => log.end(resolve));
  // After the worker: it may have cleared the run folder.
  await adoptOrphanLogs(job.liveLog, logPath);
  await moveLog(job.liveLog, logPath);
  opts.onEvent?.({ type: 'end', outcome });
  return outcome;
}

async function runWarnings(dir: string): Promise<string[] | undefined> {
  try {
    return (await readRunFiles(dir)).metrics.warnings;
  } catch {
    return undefined; // The report and summary say what is wrong with an unreadable metrics.json.
  }
}

/**
 * Live logs of this run left by a scheduler that was killed (the study lock says none is running) go to
 * worker.log first, so the killed attempt's output is kept, in order.
 */
async function adoptOrphanLogs(liveLog: string, target: string): Promise<void> {
  const [seedPart] = basename(liveLog).split('.');
  const orphans = (await readdir(dirname(liveLog))).filter((f) => f.startsWith(`${seedPart}.`) && f.endsWith('.log') && f !== basename(liveLog));
  for (const orphan of orphans.sort()) await moveLog(join(dirname(liveLog), orphan), target, false);
}

/** Appends the live log to the run folder's worker.log (earlier attempts stay above it). */
async function moveLog(live: string, target: string, dropEmptyFolders = true): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  await appendFile(target, await readFile(live));
  await rm(live);
  if (!dropEmptyFolders) return;
  // Drop emptied .worker-logs/<dataset>/<experiment> folders; a non-empty one stays.
  let dir = dirname(live);
  for (let i = 0; i < 3; i++, dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      break;
    }
  }
}

/** Runs the jobs, at most opts.jobs at once; resolves with one outcome per job, in job order. */
export async function runJobs(jobs: readonly RunJob[], opts: SchedulerOptions): Promise<RunOutcome[]> {
  if (!Number.isInteger(opts.jobs) || opts.jobs < 1) throw new Error(`runJobs: jobs must be a positive integer, got ${opts.jobs}`);
  const outcomes: RunOutcome[] = jobs.map((job) => ({
    job,
    status: 'not-started',
    exitCode: null,
    signal: null,
    logPath: join(job.dir, WORKER_LOG),
    seconds: 0,
  }));
  const running = new Set<number>();
  let next = 0;
  let active = 0;
  const pool: Pool = {
    running,
    live: new Set(),
    threadsForNext() {
      // The runs started (this one included) and the ones still queued: that many share the cores for now.
      return opts.coresShare?.(Math.min(opts.jobs, active + (jobs.length - next)));
    },
    rebalance() {
      if (!opts.coresShare || next < jobs.length || opts.signal?.aborted || pool.live.size === 0) return;
      const share = opts.coresShare(pool.live.size);
      for (const w of pool.live) if (share > w.threads) w.setThreads(share);
    },
  };
  const onAbort = (): void => {
    for (const pid of running) signalGroup(pid, 'SIGINT');
  };
  const onForce = (): void => {
    for (const pid of running) signalGroup(pid, 'SIGKILL');
  };
  // Never leave orphaned workers behind if this process exits early.
  const onExit = (): void => onForce();
  opts.signal?.addEventListener('abort', onAbort);
  opts.forceSignal?.addEventListener('abort', onForce);
  process.on('exit', onExit);
  try {
    const lane = async (): Promise<void> => {
      while (next < jobs.length && !opts.signal?.aborted) {
        const i = next++;
        active++;
        try {
          outcomes[i] = await runOne(jobs[i], opts, pool);
        } finally {
          active--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.jobs, jobs.length) }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    opts.forceSignal?.removeEventListener('abort', onForce);
    process.off('exit', onExit);
  }
  return outcomes;
}
