// The suite's aggregate img/s: K identical training workloads as separate worker processes (as
// `kmnist-lab run --jobs` runs them, threads included), one at a time vs all at once. Workers warm up first and start
// their timed steps together, so the figure is steady-state training, not Node/tfjs start-up; the wall
// time with start-up is reported beside it.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { threadsPerJob } from '../../src/engine/backend.ts';
import type { WorkerResult } from './suite-worker.ts';

const WORKER = fileURLToPath(new URL('./suite-worker.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface SuiteOptions {
  backend: string;
  allowSoftwareGpu?: boolean;
  model: string;
  workers: number;
  steps: number;
  warmup: number;
  batchSize: number;
}

export interface SuiteRun {
  jobs: number;
  workers: number;
  images: number;
  /** Timed training only: sum of windows (jobs 1) or first start to last end (parallel). */
  trainSeconds: number;
  imgPerSec: number;
  /** Spawn to last exit, Node + tfjs start-up and warm-up included. */
  wallSeconds: number;
  wallImgPerSec: number;
}

interface Worker {
  ready: Promise<void>;
  result: Promise<WorkerResult>;
  go: () => void;
}

function startWorker(o: SuiteOptions, threads: number): Worker {
  const args = ['--import', 'tsx', WORKER, '--backend', o.backend, '--model', o.model, '--threads', String(threads)];
  if (o.allowSoftwareGpu) args.push('--allow-software-gpu');
  args.push('--steps', String(o.steps), '--warmup', String(o.warmup), '--batch', String(o.batchSize));
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const result = new Promise<WorkerResult>((resolve, reject) => {
    let got: WorkerResult | null = null;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { type: string };
      if (msg.type === 'ready') onReady();
      if (msg.type === 'result') got = msg as WorkerResult;
    });
    child.on('exit', (code) => {
      if (got) resolve(got);
      else reject(new Error(`suite worker exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
  result.catch(() => onReady()); // a crashed worker must not leave the barrier waiting
  return { ready, result, go: () => child.stdin.end('go\n') };
}

function summary(jobs: number, results: WorkerResult[], trainSeconds: number, wallSeconds: number): SuiteRun {
  const images = results.reduce((a, r) => a + r.images, 0);
  return { jobs, workers: results.length, images, trainSeconds, imgPerSec: images / trainSeconds, wallSeconds, wallImgPerSec: images / wallSeconds };
}

export async function runSuite(o: SuiteOptions, jobs: number): Promise<SuiteRun> {
  const t0 = performance.now();
  const results: WorkerResult[] = [];
  if (jobs === 1) {
    for (let i = 0; i < o.workers; i++) {
      const w = startWorker(o, threadsPerJob(1));
      await w.ready;
      w.go();
      results.push(await w.result);
    }
    const train = results.reduce((a, r) => a + (r.endMs - r.startMs), 0) / 1000;
    return summary(1, results, train, (performance.now() - t0) / 1000);
  }
  if (jobs !== o.workers) throw new Error('parallel suite runs use one worker per job');
  const ws = Array.from({ length: o.workers }, () => startWorker(o, threadsPerJob(jobs)));
  await Promise.all(ws.map((w) => w.ready));
  ws.forEach((w) => w.go());
  results.push(...(await Promise.all(ws.map((w) => w.result))));
  const train = (Math.max(...results.map((r) => r.endMs)) - Math.min(...results.map((r) => r.startMs))) / 1000;
  return summary(jobs, results, train, (performance.now() - t0) / 1000);
}
