// `kmnist-lab train <experiment>`: one training run into runs/<dataset>/<experiment>/seed-<n>/.
import type { Command } from 'commander';
import { addDataOptions, resolveDataOptions, type DataOptions } from '../data/cli-options.ts';
import { checkThreadsApply, MAX_THREADS, THREADS_ENV, threadsPerJob } from '../engine/backend.ts';
import { EXPERIMENTS } from '../models/zoo.ts';
import { OPTIMIZERS } from '../training/optimizers.ts';
import { PRESETS } from '../training/options.ts';
import { exitWithParent } from '../training/parent-watch.ts';
import { PROGRESS_MODES, type ProgressMode } from '../training/progress.ts';
import { trainRun, type TrainRunOptions } from '../training/train-run.ts';
import { addBackendOptions, parseBackendFlags, type BackendFlags } from './backend-options.ts';
import { folderFlag, fractionFlag, intOption, oneOfFlag, positiveFlag, threadsFlag } from './flags.ts';

export interface TrainCliFlags extends DataOptions, BackendFlags {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  seed: number;
  threads?: number;
  preset?: string;
  augment?: boolean;
  augmentFactor?: number;
  shear?: number;
  valSplit?: number;
  out: string;
  resume?: boolean;
  force?: boolean;
  progress: string;
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description('train one experiment (see `kmnist-lab models`) and write its run folder')
    .argument('<experiment>', `one of: ${Object.keys(EXPERIMENTS).join(', ')}`)
    .option('--epochs <n>', 'maximum epochs (default: 30; keras-benchmark: 12)', intOption('--epochs'))
    .option('--batch-size <n>', 'batch size (default: 128)', intOption('--batch-size'))
    .option('--lr <rate>', 'learning rate (default: adam 1e-3; seed 1e-3; keras-benchmark 1.0)', (v: string) => positiveFlag('--lr', v))
    .option('--optimizer <name>', `${OPTIMIZERS.join(', ')} (default: adam; seed and keras-benchmark: adadelta)`)
    .option('--seed <n>', 'seeds weights, shuffling, dropout, augmentation and the validation split', intOption('--seed', 0), 0)
    .option('--threads <n>', `wasm: threads for the matrix products, 1-${MAX_THREADS} (default: $${THREADS_ENV}, else all cores)`, threadsFlag)
    .option('--preset <name>', `${PRESETS.join(', ')}: "seed" reproduces the original study, validation leak included`)
    .option('--augment', 'augment batches on the fly (rotation, shift, shear, zoom), as the -aug experiments do')
    .option('--augment-factor <k>', 'one epoch = k augmented passes over the training set (default 1; seed: 10)', intOption('--augment-factor'))
    .option('--shear <factor>', 'max shear factor when augmenting (default 0.1; Keras shear_range=0.1 means 0.1°, i.e. 0.00175)', (v: string) => fractionFlag('--shear', v))
    .option('--val-split <fraction>', 'stratified validation fraction of the training set (default 0.1)', (v: string) => fractionFlag('--val-split', v))
    .option('--out <dir>', 'runs root', 'runs')
    .option('--resume', 'continue an interrupted run from its last finished epoch')
    .option('--force', 'overwrite an existing run folder')
    .option('--progress <mode>', `${PROGRESS_MODES.join(', ')} (auto: a bar in a terminal, lines otherwise)`, 'auto');
  addBackendOptions(cmd);
  addDataOptions(cmd).action(async (experiment: string, flags: TrainCliFlags) => {
    exitWithParent();
    await trainRun(trainRunOptions(experiment, flags));
  });
}

/** The parsed flags as trainRun's options (flags left out stay undefined, so trainRun can tell given from default). */
export function trainRunOptions(experiment: string, flags: TrainCliFlags): TrainRunOptions {
  const data = resolveDataOptions(flags);
  const { backend, allowSoftwareGpu } = parseBackendFlags(flags);
  checkThreadsApply(backend, flags.threads !== undefined);
  return {
    experiment,
    dataset: data.dataset,
    dataDir: data.dataDir,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    learningRate: flags.lr,
    optimizer: flags.optimizer,
    seed: flags.seed,
    backend,
    allowSoftwareGpu,
    threads: flags.threads ?? threadsPerJob(1),
    preset: flags.preset,
    augment: flags.augment,
    augmentFactor: flags.augmentFactor,
    ...(flags.shear !== undefined ? { augmentParams: { shearRange: flags.shear } } : {}),
    valSplit: flags.valSplit,
    out: folderFlag('--out', flags.out),
    resume: flags.resume,
    force: flags.force,
    progress: oneOfFlag<ProgressMode>('--progress', flags.progress, PROGRESS_MODES),
  };
}
