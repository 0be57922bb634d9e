// `npm run bench -- --vs-pytorch`: the study's cnn and fcnn trained by kmnist-lab and by PyTorch on the
// same cores, back to back, interleaved over several rounds (the order alternating each round), so that
// both sides see the same load. Each side is a fresh worker process speaking suite-worker.ts's protocol
// (pytorch-worker.py for PyTorch): warm-up steps, then timed steps of 128 synthetic images.
// Ratios are kmnist-lab / PyTorch img/s (> 1: we are faster), from each side's median step, and for the
// suite, `run --jobs 2` (two 1-thread workers at once) against two 1-thread PyTorch processes at once.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './throughput.ts';
import { loadAvg } from './machine.ts';
import { KMNIST_LAB_WORKER, runSuite, type SuiteOptions, type WorkerCommand } from './suite.ts';
import { fix, table } from './table.ts';

const PYTORCH_WORKER = fileURLToPath(new URL('./pytorch-worker.py', import.meta.url));

export interface VsPytorchOptions {
  python: string;
  rounds: number;
  /** Threads of each side in the per-model comparison (the target: 2 each). */
  threads: number;
  /** Timed steps per measurement, per model. */
  steps: Record<'cnn' | 'fcnn', number>;
  suite: boolean;
}

export interface Comparison {
  name: string;
  /** Per round: kmnist-lab img/s, PyTorch img/s, their ratio, the 1-minute load average after the round. */
  rounds: { ours: number; pytorch: number; ratio: number; load1: number }[];
  medianRatio: number;
  minRatio: number;
  maxRatio: number;
}

export type VsPytorchResult = { skipped: string } | { torch: string; python: string; comparisons: Comparison[] };

/** torch's version under `python`, or undefined when it cannot import torch. */
function torchVersion(python: string): string | undefined {
  try {
    return execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

const pytorchCommand = (python: string): WorkerCommand => (o, threads) => ({
  file: python,
  args: [PYTORCH_WORKER, '--model', o.model, '--threads', String(threads), '--steps', String(o.steps), '--warmup', String(o.warmup), '--batch', String(o.batchSize)],
});

const medianImgPerSec = (stepMs: number[], batchSize: number): number => (batchSize * 1000) / median(stepMs);

function summarize(name: string, rounds: Comparison['rounds']): Comparison {
  const ratios = rounds.map((r) => r.ratio);
  return { name, rounds, medianRatio: median(ratios), minRatio: Math.min(...ratios), maxRatio: Math.max(...ratios) };
}

export async function vsPytorch(o: VsPytorchOptions, log: (s?: string) => void): Promise<VsPytorchResult> {
  const torch = torchVersion(o.python);
  if (torch === undefined) {
    const skipped = `${o.python} cannot import torch; on Debian/Ubuntu: sudo apt-get install python3-torch (or pass --python PATH)`;
    log(`vs PyTorch: skipped: ${skipped}`);
    return { skipped };
  }
  log(`vs PyTorch: torch ${torch} (${o.python}), ${o.rounds} interleaved rounds, synthetic batches of 128; ratio = kmnist-lab / PyTorch img/s`);
  const ours = KMNIST_LAB_WORKER;
  const theirs = pytorchCommand(o.python);
  const comparisons: Comparison[] = [];
  const base = { backend: 'wasm', warmup: 2, batchSize: 128 };

  for (const model of ['cnn', 'fcnn'] as const) {
    const so: SuiteOptions = { ...base, model, workers: 1, steps: o.steps[model] };
    const rounds: Comparison['rounds'] = [];
    for (let r = 0; r < o.rounds; r++) {
      // alternate who goes first, so that a load trend does not favour one side
      const order = r % 2 === 0 ? [ours, theirs] : [theirs, ours];
      const [a, b] = [await runSuite(so, 1, order[0], o.threads), await runSuite(so, 1, order[1], o.threads)];
      const [us, them] = r % 2 === 0 ? [a, b] : [b, a];
      const row = { ours: medianImgPerSec(us.stepMs, 128), pytorch: medianImgPerSec(them.stepMs, 128), ratio: 0, load1: loadAvg()[0] };
      row.ratio = row.ours / row.pytorch;
      rounds.push(row);
      log(`  ${model} (${o.threads} threads each) round ${r + 1}: kmnist-lab ${fix(row.ours)} img/s, PyTorch ${fix(row.pytorch)} img/s, ratio ${fix(row.ratio, 2)} (load ${row.load1})`);
    }
    comparisons.push(summarize(`${model} training, ${o.threads} threads each`, rounds));
  }

  if (o.suite) {
    const so: SuiteOptions = { ...base, model: 'cnn', workers: 2, steps: o.steps.cnn };
    const rounds: Comparison['rounds'] = [];
    for (let r = 0; r < o.rounds; r++) {
      const order = r % 2 === 0 ? [ours, theirs] : [theirs, ours];
      const [a, b] = [await runSuite(so, 2, order[0], 1), await runSuite(so, 2, order[1], 1)];
      const [us, them] = r % 2 === 0 ? [a, b] : [b, a];
      const row = { ours: us.imgPerSec, pytorch: them.imgPerSec, ratio: us.imgPerSec / them.imgPerSec, load1: loadAvg()[0] };
      rounds.push(row);
      log(`  suite (2 cnn processes x 1 thread at once) round ${r + 1}: kmnist-lab ${fix(row.ours)} img/s, PyTorch ${fix(row.pytorch)} img/s, ratio ${fix(row.ratio, 2)} (load ${row.load1})`);
    }
    comparisons.push(summarize('suite: run --jobs 2 (cnn, 1 thread each) vs 2 PyTorch processes', rounds));
  }

  log(
    table(
      ['comparison', 'median ratio', 'range', 'kmnist-lab img/s (median)', 'PyTorch img/s (median)', 'load (1 min) per round'],
      comparisons.map((c) => [
        c.name, `${fix(c.medianRatio, 2)}x`, `${fix(c.minRatio, 2)}-${fix(c.maxRatio, 2)}x`,
        fix(median(c.rounds.map((r) => r.ours))), fix(median(c.rounds.map((r) => r.pytorch))), c.rounds.map((r) => r.load1).join(' '),
      ]),
    ),
  );
  return { torch, python: o.python, comparisons };
}
