// The training flags `train` and `run` share (run forwards them to every worker's `train`): one
// definition, so the two commands accept and check the same values with the same words.
import type { Command } from 'commander';
import { ALLOW_SOFTWARE_GPU_HELP, ALLOW_SOFTWARE_GPU_OPTION, BACKEND_CHOICES, MAX_THREADS, THREADS_ENV, type BackendChoice } from '../engine/threads.ts';
import { OPTIMIZERS } from '../training/choices.ts';
import { PRESETS, type TrainFlags } from '../training/options.ts';
import { fractionFlag, intOption, oneOfFlag, positiveFlag, threadsFlag } from './flags.ts';

/** The parsed values; undefined = not given (the experiment's preset decides). */
export interface TrainingCliFlags {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: string;
  backend?: BackendChoice;
  allowSoftwareGpu?: boolean;
  threads?: number;
  preset?: string;
  augment?: boolean;
  augmentFactor?: number;
  shear?: number;
  valSplit?: number;
  weightDecay?: number;
  labelSmoothing?: number;
}

/** Adds --epochs, --batch-size, --lr, --optimizer, --weight-decay, --label-smoothing, --backend, --allow-software-gpu, --threads, --preset and the augmentation flags. */
export function addTrainingOptions(cmd: Command): Command {
  return cmd
    .option('--epochs <n>', 'maximum epochs (default: the preset\'s: 30; keras-benchmark: 12)', intOption('--epochs'))
    .option('--batch-size <n>', 'batch size (default: 128)', intOption('--batch-size'))
    .option('--lr <rate>', 'learning rate, the peak of a schedule (default: adam 1e-3; seed 1e-3; keras-benchmark 1.0; modern 3e-3)', (v: string) =>
      positiveFlag('--lr', v),
    )
    .option('--optimizer <name>', `${OPTIMIZERS.join(', ')} (default: adam; seed and keras-benchmark: adadelta; modern: adamw)`, (v: string) =>
      oneOfFlag('--optimizer', v, OPTIMIZERS),
    )
    .option('--weight-decay <rate>', "AdamW's decoupled weight decay, Keras weight_decay (default: modern 0.05, else Keras's 0.004); adamw only", (v: string) =>
      fractionFlag('--weight-decay', v),
    )
    .option('--label-smoothing <e>', 'label smoothing of the cross-entropy, Keras label_smoothing (default: modern 0.1, else 0)', (v: string) =>
      fractionFlag('--label-smoothing', v),
    )
    .option('--backend <name>', `${BACKEND_CHOICES.join(', ')} (default auto: a hardware GPU via WebGPU, else tfjs-node, else wasm)`, (v: string) =>
      oneOfFlag('--backend', v, BACKEND_CHOICES),
    )
    .option(ALLOW_SOFTWARE_GPU_OPTION, ALLOW_SOFTWARE_GPU_HELP)
    .option(
      '--threads <n>',
      `wasm: threads for the matrix products of each training process, 1-${MAX_THREADS} (default: $${THREADS_ENV}, else the cores shared among the runs)`,
      threadsFlag,
    )
    .option('--preset <name>', `${PRESETS.join(', ')}: "seed" reproduces the original study, validation leak included`, (v: string) =>
      oneOfFlag('--preset', v, PRESETS),
    )
    .option('--augment', 'augment batches on the fly (rotation, shift, shear, zoom), as the -aug experiments do')
    .option('--augment-factor <k>', 'one epoch = k augmented passes over the training set (default 1; seed: 10)', intOption('--augment-factor'))
    .option('--shear <factor>', 'max shear factor when augmenting (default 0.1; Keras shear_range=0.1 means 0.1°, i.e. 0.00175)', (v: string) =>
      fractionFlag('--shear', v),
    )
    .option('--val-split <fraction>', 'stratified validation fraction of the training set (default 0.1)', (v: string) => fractionFlag('--val-split', v));
}

/**
 * The flags that change what a run computes, as resolveTraining takes them (not --backend, --allow-software-gpu,
 * --threads: where and how fast it runs); what a queued job carries to its worker (options.ts's trainFlagsArgs).
 */
export function trainFlagsOf(f: TrainingCliFlags): TrainFlags {
  const flags: TrainFlags = {
    epochs: f.epochs,
    batchSize: f.batchSize,
    learningRate: f.lr,
    optimizer: f.optimizer,
    weightDecay: f.weightDecay,
    labelSmoothing: f.labelSmoothing,
    preset: f.preset,
    augment: f.augment,
    augmentFactor: f.augmentFactor,
    valSplit: f.valSplit,
    ...(f.shear === undefined ? {} : { augmentParams: { shearRange: f.shear } }),
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as TrainFlags;
}

/** The same flags as `train` arguments (what `run` passes to its workers); flags not given are left out. */
export function trainingArgs(f: TrainingCliFlags): string[] {
  const args: string[] = [];
  const add = (flag: string, value: string | number | undefined): void => {
    if (value !== undefined) args.push(flag, String(value));
  };
  add('--epochs', f.epochs);
  add('--batch-size', f.batchSize);
  add('--lr', f.lr);
  add('--optimizer', f.optimizer);
  add('--weight-decay', f.weightDecay);
  add('--label-smoothing', f.labelSmoothing);
  add('--backend', f.backend);
  if (f.allowSoftwareGpu) args.push(ALLOW_SOFTWARE_GPU_OPTION);
  add('--threads', f.threads);
  add('--preset', f.preset);
  if (f.augment) args.push('--augment');
  add('--augment-factor', f.augmentFactor);
  add('--shear', f.shear);
  add('--val-split', f.valSplit);
  return args;
}
