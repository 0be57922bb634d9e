// The worker command of one run: the real CLI's `train`, in a fresh Node process (its share of the cores).
import { fileURLToPath } from 'node:url';
import { THREADED_BACKENDS } from '../engine/backend.ts';
import { EXPERIMENTS } from '../models/zoo.ts';
import type { WorkerFactory } from './scheduler.ts';

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
  epochs?: number;
  backend?: string;
  /** wasm threads per worker (`train --threads`). */
  threads?: number;
  /** More `train` flags for one experiment's runs (--batch-size 64, --lr 0.01, ...). */
  trainArgsFor?: (experiment: string) => readonly string[];
  /** webgpu: let workers take a software adapter (`train --allow-software-gpu`). */
  allowSoftwareGpu?: boolean;
  /** Script run by process.execPath; defaults to $KMNIST_LAB_WORKER or the real CLI. */
  script?: string;
}

export function trainWorker(o: TrainWorkerOptions): WorkerFactory {
  const script = o.script ?? process.env[WORKER_SCRIPT_ENV] ?? CLI_PATH;
  // Threads from the scheduler (its share of the cores, growing later), else the fixed --threads.
  const threadArgs = (threads: number | undefined): string[] =>
    threads !== undefined ? ['--threads', String(threads), '--grow-threads'] : o.threads === undefined ? [] : ['--threads', String(o.threads)];
  return (job, threads) => ({
    command: process.execPath,
    args: [
      script,
      'train',
      job.experiment,
      '--seed',
      String(job.seed),
      '--dataset',
      o.dataset,
      '--data-dir',
      o.dataDir,
      '--out',
      o.runsRoot,
      '--progress',
      'json',
      // knn does not train, and `train` refuses flags that change nothing.
      ...(o.epochs === undefined || EXPERIMENTS[job.experiment]?.kind === 'knn' ? [] : ['--epochs', String(o.epochs)]),
      ...(o.backend === undefined ? [] : ['--backend', o.backend]),
      ...(THREADED_BACKENDS.includes(o.backend ?? 'auto') ? threadArgs(threads) : []),
      ...(o.trainArgsFor?.(job.experiment) ?? []),
      ...(o.allowSoftwareGpu ? ['--allow-software-gpu'] : []),
      ...(job.resume ? ['--resume'] : []),
      ...(job.restart ? ['--force'] : []),
    ],
  });
}
