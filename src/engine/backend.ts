// Backend choice: each TF.js backend sits behind one interface in ./backends/<name>/ (engine-backend.ts);
// this module picks one from the user's --backend and reports what it picked.
// auto: a hardware WebGPU adapter, else tfjs-node ('tensorflow') when installed, else wasm, else cpu.
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import { CpuEngine } from './backends/cpu/index.ts';
import { silenceNodeBackendAdvice } from './backends/cpu/quiet.ts';
import type { BackendDetails, EngineBackend, StartOptions } from './backends/engine-backend.ts';
import { TensorflowEngine } from './backends/tensorflow/index.ts';
import { WasmEngine } from './backends/wasm/index.ts';
import { adapterLabel } from './backends/webgpu/adapter.ts';
import { probeHardwareAdapter, WebGpuEngine } from './backends/webgpu/index.ts';

import type { BackendChoice } from './backend-choice.ts';
import { RUNS_PER_GPU, threadsFromEnv } from './threads.ts';

export type { GpuAdapterDescription } from './backends/engine-backend.ts';
// The light halves live in backend-choice.ts (names) and threads.ts (thread counts) so the CLI can parse flags
// without loading TF.js; threads.ts re-exports backend-choice.ts.
export * from './threads.ts';

// TF.js falls back to its cpu backend for any tensor made before (or without) initBackend: never let it advise tfjs-node.
silenceNodeBackendAdvice();

export interface BackendInfo extends BackendDetails {
  name: string;
  tfjsVersion: string;
}

export interface InitBackendOptions {
  /**
   * Threads for wasm's matrix products. Default: $KMNIST_LAB_WASM_THREADS, else 1 (the study runs one process
   * per core with --jobs; more threads only pay off on otherwise idle cores).
   */
  threads?: number;
  /** webgpu: accept a software adapter (llvmpipe, lavapipe, SwiftShader); for tests. */
  allowSoftwareGpu?: boolean;
  /** wasm: start the threaded build even for one thread, so that setWasmThreads can add threads later. */
  growable?: boolean;
}

export interface JobsDefault {
  jobs: number;
  /** Why, for the console: "4 cores" or "webgpu on <adapter>: 2 runs per GPU (default, unmeasured)". */
  why: string;
}

/** How many runs `run` starts at once when --jobs is not given, for the backend the workers will use. */
export async function defaultJobs(choice: BackendChoice): Promise<JobsDefault> {
  const cores = availableParallelism();
  const onCpu = { jobs: cores, why: `one per core, ${cores} cores` };
  if (choice !== 'webgpu' && choice !== 'auto') return onCpu;
  const adapter = await probeHardwareAdapter();
  if (choice === 'auto' && adapter === undefined) return onCpu;
  const on = adapter ? `webgpu on ${adapterLabel(adapter)}` : 'webgpu';
  return { jobs: Math.min(cores, RUNS_PER_GPU), why: `${on}: ${RUNS_PER_GPU} runs per GPU (a default, not measured; --jobs overrides)` };
}

const ENGINES: Record<Exclude<BackendChoice, 'auto'>, () => EngineBackend> = {
  webgpu: () => new WebGpuEngine(),
  tensorflow: () => new TensorflowEngine(),
  wasm: () => new WasmEngine(),
  cpu: () => new CpuEngine(),
};

/** What `auto` tries, in order (webgpu only takes a hardware adapter there). */
const AUTO_ORDER = ['webgpu', 'tensorflow', 'wasm', 'cpu'] as const;

/** Engines started in this process, by name: a GPU device is made once and kept until closeBackend(). */
const started = new Map<string, EngineBackend>();

/** Makes `name` TF.js's active backend, starting its engine the first time; returns why it could not. */
async function activate(name: Exclude<BackendChoice, 'auto'>, options: StartOptions): Promise<string | undefined> {
  const running = started.get(name);
  if (running && name === 'webgpu') return (await tf.setBackend(name)) ? undefined : 'the webgpu backend failed to restart';
  const engine = running ?? ENGINES[name]();
  const failure = await engine.start(options);
  if (failure === undefined) started.set(name, engine);
  return failure;
}

/**
 * Runs `start`, then removes the process-wide error handlers it added. TF.js's wasm module (Emscripten) adds
 * 'uncaughtException' and 'unhandledRejection' handlers that rethrow, so any later uncaught error would make
 * Node print the module's minified source and exit with code 7 instead of the CLI's one line and code 1.
 */
async function withoutAddedErrorHandlers<T>(start: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return await start();
  } finally {
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.get(event)?.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

/** Activates a backend and returns the name of the one in use. Throws UserError when a named one cannot start. */
export function initBackend(choice: BackendChoice, options: InitBackendOptions = {}): Promise<string> {
  return withoutAddedErrorHandlers(() => startBackend(choice, options));
}

async function startBackend(choice: BackendChoice, options: InitBackendOptions): Promise<string> {
  // Silences TF.js's console hints (e.g. "install tfjs-node" on the cpu backend): we log the backend ourselves.
  tf.enableProdMode();
  const startOptions = (explicit: boolean): StartOptions => ({
    threads: options.threads ?? threadsFromEnv() ?? 1,
    allowSoftwareGpu: options.allowSoftwareGpu ?? false,
    growable: options.growable ?? false,
    explicit,
  });
  if (choice !== 'auto') {
    const failure = await activate(choice, startOptions(true));
    if (failure !== undefined) throw new UserError(`--backend ${choice}: ${failure}; use --backend ${choice === 'wasm' ? 'cpu' : 'wasm'}`);
  } else if (!(await someBackend(startOptions(false)))) {
    throw new UserError('no TF.js backend could start, not even cpu');
  }
  await tf.ready();
  return tf.getBackend();
}

async function someBackend(options: StartOptions): Promise<boolean> {
  for (const name of AUTO_ORDER) {
    if ((await activate(name, options)) === undefined) return true;
  }
  return false;
}

/**
 * Grows the wasm matrix products to `threads` threads (never shrinks) and returns the count now in use; 1
 * on other backends. Only the threaded build can grow (initBackend with threads > 1 or `growable`).
 */
export async function setWasmThreads(threads: number): Promise<number> {
  const engine = started.get('wasm');
  return tf.getBackend() === 'wasm' && engine instanceof WasmEngine ? engine.growThreads(threads) : 1;
}

/** What a run records in config.json about the engine. */
export async function backendInfo(): Promise<BackendInfo> {
  const engine = started.get(tf.getBackend());
  const details = engine ? await engine.details() : {};
  return { name: tf.getBackend(), tfjsVersion: tf.version.tfjs, ...details };
}

/** One line for the console: the backend and, on webgpu, the adapter. */
export async function describeBackend(): Promise<string> {
  const info = await backendInfo();
  return info.gpuAdapter ? `webgpu on ${adapterLabel(info.gpuAdapter)}` : info.name;
}

/**
 * Releases the started backends' resources that would keep Node running (the GPU device); call when a
 * command is done with TF.js. A later initBackend starts a backend afresh.
 */
export async function closeBackend(): Promise<void> {
  const engines = [...started.values()];
  started.clear();
  for (const engine of engines) await engine.close();
}
