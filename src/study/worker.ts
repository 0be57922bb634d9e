// The worker command of one run: the real CLI's `train`, in a fresh Node process (its share of the cores).
import { fileURLToPath } from 'node:url';
import { THREADED_BACKENDS } from '../engine/backend.ts';
import { runArgs, type RunSpec } from '../training/settings/run-spec.ts';
import type { RunJob, WorkerFactory } from './scheduler.ts';

export const CLI_PATH = fileURLToPath(new URL('../../bin/kmnist-lab.js', import.meta.url));

/**
 * Test hook: a Node script run in place of bin/kmnist-lab.js, with the same arguments
 * (`train <experiment> --seed N ...`), so CLI tests can drive `run` with a fake worker.
 */
export const WORKER_SCRIPT_ENV = 'KMNIST_LAB_WORKER';

export interface TrainWorkerOptions {
  dataset: string;
  dataDir: string;
  runsRoot: string;
  /** What each job trains: its experiment, seed and settings (training/settings/run-spec.ts), carried whole. */
  specOf: (job: RunJob) => RunSpec;
  /** wasm threads per worker on this machine, replacing the spec's (`worker --threads`, or `run`'s fixed count). */
  threads?: number;
  /** Script run by process.execPath; defaults to $KMNIST_LAB_WORKER or the real CLI. */
  script?: string;
}

export function trainWorker(o: TrainWorkerOptions): WorkerFactory {
  const script = o.script ?? process.env[WORKER_SCRIPT_ENV] ?? CLI_PATH;
  // Threads from the scheduler (its share of the cores, growing later), else this machine's fixed count, else the spec's.
  const threadArgs = (backend: string, threads: number | undefined): string[] | undefined => {
    if (!THREADED_BACKENDS.includes(backend)) return [];
    if (threads !== undefined) return ['--threads', String(threads), '--grow-threads'];
    return o.threads === undefined ? undefined : ['--threads', String(o.threads)];
  };
  return (job, threads) => {
    const spec = o.specOf(job);
    return {
      command: process.execPath,
      args: [
        script,
        ...runArgs(spec, threadArgs(spec.settings.backend ?? 'auto', threads)),
        ...['--dataset', o.dataset, '--data-dir', o.dataDir, '--out', o.runsRoot, '--progress', 'json'],
        ...(job.resume ? ['--resume'] : []),
        ...(job.restart ? ['--force'] : []),
      ],
    };
  };
}
