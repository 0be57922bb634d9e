// `npm run bench -- --vs-pytorch`: the study's cnn and fcnn trained by kmnist-lab and by PyTorch on the
// same cores, back to back, interleaved over several rounds (the order alternating each round), so that
// both sides see the same load. Each side is a fresh worker process speaking suite-worker.ts's protocol
// (pytorch-worker.py for PyTorch): warm-up steps, then timed steps of 128 synthetic images.
// Ratios are kmnist-lab / PyTorch img/s (> 1: we are faster), from each side's median step, and for the
// suite, `run --jobs 2` (two 1-thread workers at once) against two 1-thread PyTorch processes at once.
// Beside them, images per CPU-second: on a machine shared with other work, wall-clock ratios move with
// the load (PyTorch's OpenMP threads suffer more from it), the CPU time each side needs much less.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median } from './throughput.ts';
import { loadAvg } from './machine.ts';
import { KMNIST_LAB_WORKER, runSuite, type SuiteOptions, type SuiteRun, type WorkerCommand } from './suite.ts';
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

/** One round: img/s of each side, their ratio, the same per CPU-second, the 1-minute load average after it. */
export interface Round {
  ours: number;
  pytorch: number;
  ratio: number;
  /** Images per CPU-second (user + system time of all threads): the work each side needs, whatever the load. */
  oursPerCpuSecond: number;
  pytorchPerCpuSecond: number;
  cpuRatio: number;
  load1: number;
}

export interface Comparison {
  name: string;
  rounds: Round[];
  medianRatio: number;
  minRatio: number;
  maxRatio: number;
  medianCpuRatio: number;
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

const medianImgPerSec = (run: SuiteRun, batchSize: number): number => (batchSize * 1000) / median(run.stepMs);

/**
 * Runs both sides once, in the given order (alternated by the caller), and compares them: by the median
 * step (one worker) or by the aggregate (several at once, as `run --jobs` trains).
 */
async function round(so: SuiteOptions, jobs: number, threads: number, ours: WorkerCommand, theirs: WorkerCommand, oursFirst: boolean): Promise<Round> {
  const first = await runSuite(so, jobs, oursFirst ? ours : theirs, threads);
  const second = await runSuite(so, jobs, oursFirst ? theirs : ours, threads);
  const [us, them] = oursFirst ? [first, second] : [second, first];
  const rate = (r: SuiteRun): number => (so.workers === 1 ? medianImgPerSec(r, so.batchSize) : r.imgPerSec);
  return {
    ours: rate(us), pytorch: rate(them), ratio: rate(us) / rate(them),
    oursPerCpuSecond: us.imgPerCpuSecond, pytorchPerCpuSecond: them.imgPerCpuSecond, cpuRatio: us.imgPerCpuSecond / them.imgPerCpuSecond,
    load1: loadAvg()[0],
  };
}

function summarize(name: string, rounds: Round[]): Comparison {
  const ratios = rounds.map((r) => r.ratio);
  return {
    name, rounds, medianRatio: median(ratios), minRatio: Math.min(...ratios), maxRatio: Math.max(...ratios),
    medianCpuRatio: median(rounds.map((r) => r.cpuRatio)),
  };
}

const describeRound = (r: Round): string =>
  `kmnist-lab ${fix(r.ours)} img/s, PyTorch ${fix(r.pytorch)} img/s, ratio ${fix(r.ratio, 2)}; ` +
  `per CPU-second ${fix(r.oursPerCpuSecond)} vs ${fix(r.pytorchPerCpuSecond)}, ratio ${fix(r.cpuRatio, 2)} (load ${r.load1})`;

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
  const base = { backend: 'wasm', warmup: 2, batchSize: 128 };
  const plans = [
    ...(['cnn', 'fcnn'] as const).map((model) => ({
      name: `${model} training, ${o.threads} threads each`, so: { ...base, model, workers: 1, steps: o.steps[model] }, jobs: 1, threads: o.threads,
    })),
    ...(o.suite ? [{ name: 'suite: run --jobs 2 (cnn, 1 thread each) vs 2 PyTorch processes', so: { ...base, model: 'cnn', workers: 2, steps: o.steps.cnn }, jobs: 2, threads: 1 }] : []),
  ];
  const comparisons: Comparison[] = [];
  for (const p of plans) {
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++) {
      // alternate who goes first, so that a load trend does not favour one side
      rounds.push(await round(p.so, p.jobs, p.threads, ours, theirs, r % 2 === 0));
      log(`  ${p.name}, round ${r + 1}: ${describeRound(rounds[r])}`);
    }
    comparisons.push(summarize(p.name, rounds));
  }

  log(
    table(
      ['comparison', 'median ratio', 'range', 'per CPU-second (median)', 'kmnist-lab img/s (median)', 'PyTorch img/s (median)', 'load (1 min) per round'],
      comparisons.map((c) => [
        c.name, `${fix(c.medianRatio, 2)}x`, `${fix(c.minRatio, 2)}-${fix(c.maxRatio, 2)}x`, `${fix(c.medianCpuRatio, 2)}x`,
        fix(median(c.rounds.map((r) => r.ours))), fix(median(c.rounds.map((r) => r.pytorch))), c.rounds.map((r) => r.load1).join(' '),
      ]),
    ),
  );
  return { torch, python: o.python, comparisons };
}
