// The local executor: the runs as `train` worker processes on this machine, `jobs` at a time
// (the process pool in ../../scheduler.ts).
import { getExperiment } from '../../../models/zoo.ts';
import { runSpecOf } from '../../../training/settings/run-spec.ts';
import { runJobs, type WorkerFactory } from '../../scheduler.ts';
import { trainWorker } from '../../worker.ts';
import type { Executor } from '../executor.ts';

export interface LocalExecutorOptions {
  /** Runs in parallel. */
  jobs: number;
  /** wasm threads per worker, fixed; or coresShare: */
  threads?: number;
  /** Threads per worker when n run at once, growing as the last runs free cores (the scheduler's coresShare). */
  coresShare?: (concurrent: number) => number;
  /** Why `jobs` is what it is, when it was not given (e.g. "one GPU"), for the plan line. */
  jobsNote?: string;
  /** Defaults to the real `kmnist-lab train` worker. */
  worker?: WorkerFactory;
}

export function localExecutor(o: LocalExecutorOptions): Executor {
  return {
    describe(runCount) {
      const atOnce = Math.min(o.jobs, Math.max(1, runCount));
      const threadsEach =
        o.threads !== undefined
          ? `${o.threads} thread(s) each`
          : o.coresShare !== undefined
            ? `${o.coresShare(atOnce)} thread(s) each, more for the last runs as cores free up`
            : 'default thread(s) each';
      return `${atOnce} at a time${o.jobsNote ? ` (${o.jobsNote})` : ''}, ${threadsEach}`;
    },
    open: () => Promise.resolve(),
    execute(jobs, context, hooks) {
      const worker =
        o.worker ??
        trainWorker({
          dataset: context.dataset,
          dataDir: context.dataDir,
          runsRoot: context.runsRoot,
          specOf: (job) => runSpecOf(getExperiment(job.experiment), job.seed, context.settings),
          threads: o.threads,
        });
      return runJobs(jobs, {
        jobs: o.jobs,
        worker,
        coresShare: o.coresShare,
        onEvent: hooks.onEvent,
        signal: hooks.signal,
        forceSignal: hooks.forceSignal,
      });
    },
    close: () => Promise.resolve(),
  };
}
