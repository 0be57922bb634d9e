// Peak RSS of the real CLI training cnn-aug with --augment-factor 10 on full Fashion-MNIST. `train` has no
// batch cap, and one such epoch is 540k images (far too long for a bench), so it runs as a child process
// for a fixed window of training, sampling /proc/<pid>/status, and is then killed. Not Ctrl-C: train's
// SIGINT handler only runs between epochs (the batch loop never yields to the event loop), which here
// means after ~540k images. The end-of-epoch phases (validation, checkpoint) are not reached in the window;
// `--memory-seconds 0` runs the command to completion instead (one full epoch: ~25 min on 2 cores).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/kmnist-lab.js', import.meta.url));
const MIB = 2 ** 20;

export interface MemoryRun {
  command: string;
  /** Peak RSS (VmHWM) over the whole child, data loading included. */
  peakRssMiB: number;
  /** VmHWM when training began (after loading data and building the model). */
  peakRssAtTrainStartMiB: number | null;
  /** RSS at the last sample before the kill: shows whether memory still grows with the batches. */
  lastRssMiB: number;
  trainSeconds: number;
  totalSeconds: number;
  /** SIGKILL when the window ran out (expected); an exit code means train stopped by itself. */
  exit: string;
  /** RSS samples (seconds since spawn, MiB), every ~0.5 s. */
  samples: [number, number][];
  targetMiB: number;
  note?: string;
}

/** VmHWM and VmRSS in bytes, or null once the process is gone. */
function procMemory(pid: number): { hwm: number; rss: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return null;
  }
}

export interface MemoryOptions {
  dataDir: string;
  backend: string;
  allowSoftwareGpu?: boolean;
  /** Seconds of training (after the "training ..." note) before the kill; 0: run to completion (the whole
   * epoch, validation, checkpoint, predictions and metrics). */
  trainSeconds: number;
}

export async function measureTrainMemory(o: MemoryOptions): Promise<MemoryRun | { skipped: string }> {
  if (!existsSync(o.dataDir)) return { skipped: `${o.dataDir} not found (needs the full Fashion-MNIST)` };
  if (process.platform !== 'linux') return { skipped: 'needs /proc (Linux)' };
  const out = mkdtempSync(join(os.tmpdir(), 'kmnist-bench-mem-'));
  const args = [CLI, 'train', 'cnn-aug', '--augment-factor', '10', '--epochs', '1', '--dataset', 'fashion-mnist', '--data-dir', o.dataDir];
  args.push('--backend', o.backend, ...(o.allowSoftwareGpu ? ['--allow-software-gpu'] : []), '--out', out, '--progress', 'lines');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the train child process');
  const t0 = performance.now();
  const since = (): number => (performance.now() - t0) / 1000;
  const samples: [number, number][] = [];
  let hwm = 0;
  let lastRss = 0;
  let trainStart: number | null = null;
  let hwmAtTrainStart: number | null = null;
  let stderr = '';
  const sample = (): void => {
    const m = procMemory(pid);
    if (!m) return;
    hwm = Math.max(hwm, m.hwm);
    lastRss = m.rss;
    samples.push([Math.round(since() * 10) / 10, Math.round(m.rss / MIB)]);
  };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    if (trainStart === null && /^training /m.test(stderr)) {
      sample();
      trainStart = since();
      hwmAtTrainStart = hwm;
    }
  });
  const timer = setInterval(() => {
    sample();
    // VmHWM was just read: nothing is lost by killing (the run folder is a temp dir, removed below).
    const toCompletion = o.trainSeconds === 0;
    const done = !toCompletion && trainStart !== null && since() - trainStart >= o.trainSeconds;
    const neverStarted = trainStart === null && since() > o.trainSeconds + 120; // a child that never starts training
    if (done || neverStarted) child.kill('SIGKILL');
  }, 500);
  const exit = await new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)));
  clearInterval(timer);
  const total = since();
  rmSync(out, { recursive: true, force: true });
  const started: number | null = trainStart;
  const atStart: number | null = hwmAtTrainStart;
  const command = `kmnist-lab ${args.slice(1).join(' ').replace(out, '<tmp>')}`;
  const run: MemoryRun = {
    command,
    peakRssMiB: Math.round(hwm / MIB),
    peakRssAtTrainStartMiB: atStart === null ? null : Math.round(atStart / MIB),
    lastRssMiB: Math.round(lastRss / MIB),
    trainSeconds: started === null ? 0 : Math.round((total - started) * 10) / 10,
    totalSeconds: Math.round(total * 10) / 10,
    exit,
    samples,
    targetMiB: 1536,
  };
  if (started === null) run.note = `training never started: ${stderr.trim().split('\n').pop() ?? ''}`;
  return run;
}
