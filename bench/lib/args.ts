// Command-line options of `npm run bench`, with the --quick budget (about a minute) vs the default (about three).
import os from 'node:os';
import { parseArgs } from 'node:util';
import { BACKEND_CHOICES, checkThreads, threadsPerJob, type BackendChoice } from '../../src/engine/backend.ts';
import { UserError } from '../../src/errors.ts';
import { intFlag } from '../../src/commands/flags.ts';

export const USAGE = `npm run bench -- [--backend ${BACKEND_CHOICES.join('|')}] [--allow-software-gpu] [--data-dir DIR] [--dataset NAME] [--quick]
  [--models cnn,cnn-no-pool,fcnn] [--threads T] [--jobs N] [--memory-data-dir ../shared/data/fashion-mnist]
  [--memory-seconds S (0: to completion)] [--no-memory] [--no-suite] [--out bench.json]
  [--gpu-null (our WebGPU engine's step figures on Dawn's null backend; also KMNIST_LAB_GPU_NULL=1)]
npm run bench -- --vs-pytorch [--rounds R] [--threads T] [--python /usr/bin/python3] [--no-suite] [--quick]
  the cnn and fcnn trained by kmnist-lab and by PyTorch (Debian's python3-torch), interleaved rounds`;

export interface BenchArgs {
  backend: BackendChoice;
  /** webgpu: accept a software adapter (to try the bench without a GPU; its figures mean nothing for a GPU). */
  allowSoftwareGpu: boolean;
  dataDir?: string;
  dataset?: string;
  quick: boolean;
  models: string[];
  jobs: number;
  /** wasm threads of the in-process measurements (default: all cores, as `train`). */
  threads: number;
  memoryDataDir: string;
  memorySeconds: number;
  memory: boolean;
  suite: boolean;
  out: string;
  /** Only the interleaved comparison with PyTorch (vs-pytorch.ts). */
  vsPytorch: boolean;
  python: string;
  rounds: number;
  warmupSteps: number;
  timedSteps: number;
  minSeconds: number;
  inferImages: number;
  suiteSteps: number;
  profileTop: number;
  /** Our WebGPU engine's step figures on Dawn's null backend (CPU cost only). */
  gpuNull: boolean;
}

export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      backend: { type: 'string', default: 'auto' },
      'allow-software-gpu': { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      dataset: { type: 'string' },
      quick: { type: 'boolean', default: false },
      models: { type: 'string', default: 'cnn,cnn-no-pool,fcnn' },
      jobs: { type: 'string', default: String(os.cpus().length) },
      threads: { type: 'string' },
      'memory-data-dir': { type: 'string', default: '../shared/data/fashion-mnist' },
      'memory-seconds': { type: 'string' },
      'no-memory': { type: 'boolean', default: false },
      'no-suite': { type: 'boolean', default: false },
      out: { type: 'string', default: 'bench.json' },
      'vs-pytorch': { type: 'boolean', default: false },
      python: { type: 'string', default: '/usr/bin/python3' },
      rounds: { type: 'string' },
      'gpu-null': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.help) return 'help';
  if (!(BACKEND_CHOICES as readonly string[]).includes(v.backend)) {
    throw new UserError(`--backend: '${v.backend}' is not one of ${BACKEND_CHOICES.join(', ')}`);
  }
  const quick = v.quick;
  return {
    backend: v.backend as BackendChoice,
    allowSoftwareGpu: v['allow-software-gpu'],
    dataDir: v['data-dir'],
    dataset: v.dataset,
    quick,
    models: v.models.split(',').filter(Boolean),
    jobs: intFlag('--jobs', v.jobs),
    threads: v.threads === undefined ? threadsPerJob(1) : checkThreads(intFlag('--threads', v.threads), '--threads'),
    memoryDataDir: v['memory-data-dir'],
    memorySeconds: v['memory-seconds'] === undefined ? (quick ? 8 : 30) : intFlag('--memory-seconds', v['memory-seconds'], 0),
    memory: !v['no-memory'],
    suite: !v['no-suite'],
    out: v.out,
    vsPytorch: v['vs-pytorch'],
    python: v.python,
    rounds: v.rounds === undefined ? (quick ? 3 : 5) : intFlag('--rounds', v.rounds),
    warmupSteps: 2,
    timedSteps: quick ? 3 : 8,
    minSeconds: quick ? 1 : 3,
    inferImages: quick ? 512 : 2048,
    suiteSteps: quick ? 6 : 24,
    profileTop: 10,
    gpuNull: v['gpu-null'],
  };
}
