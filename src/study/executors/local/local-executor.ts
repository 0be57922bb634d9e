// The local executor: the runs as `train` worker processes on this machine, `jobs` at a time
// (the process pool in ../../scheduler.ts).
import { runJobs, type WorkerFactory } from '../../scheduler.ts';
import { trainWorker } from '../../worker.ts';
import type { Executor } from '../executor.ts';

export interface LocalExecutorOptions {
  /** Runs in parallel. */
  jobs: number;
  /** wasm threads per worker. */
  threads?: number;
  /** webgpu: let workers take a software adapter (tests). */
  allowSoftwareGpu?: boolean;
  /** Why `jobs` is what it is, when it was not given (e.g. "one GPU"), for the plan line. */
  jobsNote?: string;
  /** Defaults to the real `kmnist-lab train` worker. */
  worker?: WorkerFactory;
}

export function localExecutor(o: LocalExecutorOptions): Executor {
  return {
    describe: (runCount) =>
      `${Math.min(o.jobs, Math.max(1, runCount))} at a time${o.jobsNote ? ` (${o.jobsNote})` : ''}, ${o.threads ?? 'default'} thread(s) each`,
    open: () => Promise.resolve(),
    execute(jobs, context, hooks) {
      const worker =
        o.worker ??
        trainWorker({
          dataset: context.dataset,
          dataDir: context.dataDir,
          runsRoot: context.runsRoot,
          epochs: context.epochs,
          backend: context.backend,
          threads: o.threads,
          allowSoftwareGpu: o.allowSoftwareGpu,
        });
      return runJobs(jobs, { jobs: o.jobs, worker, onEvent: hooks.onEvent, signal: hooks.signal, forceSignal: hooks.forceSignal });
    },
    close: () => Promise.resolve(),
  };
}
