// `kmnist-lab train <experiment>`: one training run into runs/<dataset>/<experiment>/seed-<n>/.
import { Option, type Command } from 'commander';
import { addDataOptions, resolveDataOptions, type DataOptions } from './data-options.ts';
import { checkThreadsApply, threadsPerJob } from '../engine/threads.ts';
import { PROGRESS_MODES, type ProgressMode } from '../training/choices.ts';
import { exitWithParent } from '../training/parent-watch.ts';
import type { TrainRunOptions } from '../training/train-run.ts';
import { parseBackendFlags } from './backend-options.ts';
import { folderFlag, intOption, oneOfFlag } from './flags.ts';
import { addTrainingOptions, trainFlagsOf, type TrainingSettings } from '../training/settings/flag-spec.ts';

export interface TrainCliFlags extends DataOptions, TrainingSettings {
  seed: number;
  out: string;
  resume?: boolean;
  force?: boolean;
  progress: string;
  growThreads?: boolean;
}

export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description('train one experiment (see `kmnist-lab models`) and write its run folder')
    .argument('<experiment>', 'an experiment of the model zoo (`kmnist-lab models` lists them)')
    .option('--seed <n>', 'seeds weights, shuffling, dropout, augmentation and the validation split', intOption('--seed', 0), 0)
    .option('--out <dir>', 'runs root', 'runs')
    .option('--resume', 'continue an interrupted run from its last finished epoch')
    .option('--force', 'overwrite an existing run folder')
    .option('--progress <mode>', `${PROGRESS_MODES.join(', ')} (auto: a bar in a terminal, lines otherwise)`, 'auto')
    // For `run`'s workers: more threads arrive on stdin when the study's other runs finish.
    .addOption(new Option('--grow-threads').hideHelp());
  addDataOptions(addTrainingOptions(cmd)).action(async (experiment: string, flags: TrainCliFlags) => {
    exitWithParent();
    const options = trainRunOptions(experiment, flags); // flags checked before TF.js loads
    const { trainRun } = await import('../training/train-run.ts'); // TF.js: loaded only when training
    await trainRun(options);
  });
}

/** The parsed flags as trainRun's options (flags left out stay undefined, so trainRun can tell given from default). */
export function trainRunOptions(experiment: string, flags: TrainCliFlags): TrainRunOptions {
  const data = resolveDataOptions(flags);
  const { backend, allowSoftwareGpu } = parseBackendFlags({ backend: flags.backend ?? 'auto', allowSoftwareGpu: flags.allowSoftwareGpu });
  checkThreadsApply(backend, flags.threads !== undefined);
  return {
    experiment,
    dataset: data.dataset,
    dataDir: data.dataDir,
    ...trainFlagsOf(flags),
    seed: flags.seed,
    backend,
    allowSoftwareGpu,
    threads: flags.threads ?? threadsPerJob(1),
    out: folderFlag('--out', flags.out),
    resume: flags.resume,
    force: flags.force,
    progress: oneOfFlag<ProgressMode>('--progress', flags.progress, PROGRESS_MODES),
    growThreads: flags.growThreads,
  };
}
