// GPU/thread counts (and backend-choice.ts's names, re-exported): what the CLI needs to parse --backend/--threads and write its help, without
// TF.js (backend.ts, which starts a backend, re-exports all of it).
import { availableParallelism } from 'node:os';
import { UserError } from '../errors.ts';

export {
  ALLOW_SOFTWARE_GPU_HELP,
  ALLOW_SOFTWARE_GPU_OPTION,
  BACKEND_CHOICES,
  checkAllowSoftwareGpuApplies,
  type BackendChoice,
} from './backend-choice.ts';

/**
 * Runs that share one GPU by default in `run` (--jobs overrides). Not measured: the project's machines
 * have no GPU. Why 2: TF.js's webgpu backend issues each training step as many small dispatches from one
 * JS thread, and batches are assembled and augmented on the CPU, so one process leaves the GPU idle
 * between dispatches; a second one fills those gaps, while more would mostly add GPU context switches
 * and memory. Each process needs about one CPU core.
 */
export const RUNS_PER_GPU = 2;

export const THREADS_ENV = 'KMNIST_LAB_WASM_THREADS';

/** The --backend choices --threads applies to: wasm's matrix products (auto may pick wasm). */
export const THREADED_BACKENDS: readonly string[] = ['auto', 'wasm'];

/** --threads given with a backend it does nothing for is refused, like any flag without effect. */
export function checkThreadsApply(backend: string, threadsGiven: boolean): void {
  if (threadsGiven && !THREADED_BACKENDS.includes(backend)) {
    throw new UserError(`--threads: no effect with --backend ${backend} (it sets the wasm backend's matrix-product threads); drop it`);
  }
}
export const MAX_THREADS = 8;

/** Checks a thread count from a flag or the environment (`source` names it in the error). */
export function checkThreads(n: number, source: string): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new UserError(`${source}: expected a whole number of threads from 1 to ${MAX_THREADS}`);
  }
  return n;
}

export function threadsFromEnv(): number | undefined {
  const raw = process.env[THREADS_ENV];
  if (raw === undefined || raw === '') return undefined;
  return checkThreads(Number(raw), `${THREADS_ENV}=${raw}`);
}

/**
 * Threads per process when `jobs` processes share this machine: $KMNIST_LAB_WASM_THREADS, else the
 * cores divided among the jobs (at least 1, at most MAX_THREADS). What `train` (1 job) and `run` use.
 */
export function threadsPerJob(jobs: number): number {
  return threadsFromEnv() ?? Math.max(1, Math.min(MAX_THREADS, Math.floor(availableParallelism() / jobs)));
}

