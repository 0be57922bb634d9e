// The training settings `train` and `run` take, each listed once: its flag, parser, help, whether it can change
// a run's numbers, which experiments it applies to, where config.json records it and where resolveTraining takes
// it. The commander options, the argv of a `train` child process (local workers and queued jobs alike), the
// refusal of flags that change nothing and the fields --resume may ignore are all generated from this table.
import type { Command } from 'commander';
import { ALLOW_SOFTWARE_GPU_HELP, ALLOW_SOFTWARE_GPU_OPTION, BACKEND_CHOICES, type BackendChoice } from '../../engine/backend-choice.ts';
import { MAX_THREADS, THREADS_ENV } from '../../engine/threads.ts';
import type { AugmentParams } from '../../run-folder/recorded-settings.ts';
import { OPTIMIZERS, PRESETS } from '../choices.ts';
import type { TrainFlags } from './train-flags.ts';
import { fractionFlag, intOption, oneOfFlag, positiveFlag, threadsFlag } from './flag-values.ts';

/**
 * Which experiments a setting changes something for: 'all'; 'trained' (those that train by gradient descent,
 * not the nearest-neighbour baseline); 'augmented' (trained with augmentation); 'adamw' (trained with AdamW).
 * `train` refuses a setting outside its scope; `run` leaves it out for that experiment's runs.
 */
export type FlagScope = 'all' | 'trained' | 'augmented' | 'adamw';

/** Where resolveTraining takes a setting: a TrainFlags key, or one augmentation range. */
export type TrainFlagPath = Exclude<keyof TrainFlags, 'augmentParams'> | `augmentParams.${keyof AugmentParams}`;

interface SpecBase {
  /** The long flag, e.g. '--batch-size'. */
  flag: string;
  help: string;
  /** Whether another value can change what the run computes (not only where or how fast it runs). */
  changesResults: boolean;
  scope: FlagScope;
  /** The config.json field that records the value (dotted path); absent: not recorded. */
  recordedAs?: string;
  /** Where resolveTraining takes it; absent: the engine's setting (backend, threads), given to initBackend. */
  trainFlag?: TrainFlagPath;
}

/** A flag with a value, parsed (and checked) by `parse`; throws a UserError for a bad one. */
interface ValueSpec<T> extends SpecBase {
  arg: string;
  parse: (raw: string) => T;
}

/** A switch: given or not. */
interface SwitchSpec extends SpecBase {
  arg?: undefined;
  parse?: undefined;
}

/** Every training setting, in `--help` order. */
export const TRAINING_FLAGS = {
  epochs: {
    flag: '--epochs',
    arg: '<n>',
    parse: intOption('--epochs'),
    help: "maximum epochs (default: the preset's: 30; keras-benchmark: 12)",
    changesResults: true,
    scope: 'trained',
    recordedAs: 'epochs',
    trainFlag: 'epochs',
  },
  batchSize: {
    flag: '--batch-size',
    arg: '<n>',
    parse: intOption('--batch-size'),
    help: 'batch size (default: 128)',
    changesResults: true,
    scope: 'trained',
    recordedAs: 'batchSize',
    trainFlag: 'batchSize',
  },
  lr: {
    flag: '--lr',
    arg: '<rate>',
    parse: (v: string): number => positiveFlag('--lr', v),
    help: 'learning rate, the peak of a schedule (default: adam 1e-3; seed 1e-3; keras-benchmark 1.0; modern 3e-3)',
    changesResults: true,
    scope: 'trained',
    recordedAs: 'learningRate',
    trainFlag: 'learningRate',
  },
  optimizer: {
    flag: '--optimizer',
    arg: '<name>',
    parse: (v: string): string => oneOfFlag('--optimizer', v, OPTIMIZERS),
    help: `${OPTIMIZERS.join(', ')} (default: adam; seed and keras-benchmark: adadelta; modern: adamw)`,
    changesResults: true,
    scope: 'trained',
    recordedAs: 'optimizer',
    trainFlag: 'optimizer',
  },
  weightDecay: {
    flag: '--weight-decay',
    arg: '<rate>',
    parse: (v: string): number => fractionFlag('--weight-decay', v),
    help: "AdamW's decoupled weight decay, Keras weight_decay (default: modern 0.05, else Keras's 0.004); adamw only",
    changesResults: true,
    scope: 'adamw',
    recordedAs: 'optimizerConfig.weightDecay',
    trainFlag: 'weightDecay',
  },
  labelSmoothing: {
    flag: '--label-smoothing',
    arg: '<e>',
    parse: (v: string): number => fractionFlag('--label-smoothing', v),
    help: 'label smoothing of the cross-entropy, Keras label_smoothing (default: modern 0.1, else 0)',
    changesResults: true,
    scope: 'trained',
    recordedAs: 'labelSmoothing',
    trainFlag: 'labelSmoothing',
  },
  backend: {
    flag: '--backend',
    arg: '<name>',
    parse: (v: string): BackendChoice => oneOfFlag('--backend', v, BACKEND_CHOICES),
    help: `${BACKEND_CHOICES.join(', ')} (default auto: a hardware GPU via WebGPU, else tfjs-node, else wasm)`,
    // Another backend computes in other floating-point order: --resume refuses a switch.
    changesResults: true,
    scope: 'all',
    recordedAs: 'backend',
  },
  allowSoftwareGpu: {
    flag: ALLOW_SOFTWARE_GPU_OPTION,
    help: ALLOW_SOFTWARE_GPU_HELP,
    // Only lets webgpu take a software adapter; the adapter used is recorded as gpuAdapter.
    changesResults: false,
    scope: 'all',
  },
  threads: {
    flag: '--threads',
    arg: '<n>',
    parse: threadsFlag,
    help: `wasm: threads for the matrix products of each training process, 1-${MAX_THREADS} (default: $${THREADS_ENV}, else the cores shared among the runs)`,
    // wasm results are bit-identical on any thread count (train-cli.test.ts).
    changesResults: false,
    scope: 'all',
    recordedAs: 'versions.wasmThreads',
  },
  preset: {
    flag: '--preset',
    arg: '<name>',
    parse: (v: string): string => oneOfFlag('--preset', v, PRESETS),
    help: `${PRESETS.join(', ')}: "seed" reproduces the original study, validation leak included`,
    changesResults: true,
    scope: 'trained',
    recordedAs: 'preset',
    trainFlag: 'preset',
  },
  augment: {
    flag: '--augment',
    help: 'augment batches on the fly (rotation, shift, shear, zoom), as the -aug experiments do',
    changesResults: true,
    scope: 'trained',
    recordedAs: 'augment',
    trainFlag: 'augment',
  },
  augmentFactor: {
    flag: '--augment-factor',
    arg: '<k>',
    parse: intOption('--augment-factor'),
    help: 'one epoch = k augmented passes over the training set (default 1; seed: 10)',
    changesResults: true,
    scope: 'augmented',
    recordedAs: 'augmentFactor',
    trainFlag: 'augmentFactor',
  },
  shear: {
    flag: '--shear',
    arg: '<factor>',
    parse: (v: string): number => fractionFlag('--shear', v),
    help: 'max shear factor when augmenting (default 0.1; Keras shear_range=0.1 means 0.1°, i.e. 0.00175)',
    changesResults: true,
    scope: 'augmented',
    recordedAs: 'augmentation.shearRange',
    trainFlag: 'augmentParams.shearRange',
  },
  valSplit: {
    flag: '--val-split',
    arg: '<fraction>',
    parse: (v: string): number => fractionFlag('--val-split', v),
    help: 'stratified validation fraction of the training set (default 0.1)',
    changesResults: true,
    scope: 'trained',
    recordedAs: 'valSplit',
    trainFlag: 'valSplit',
  },
} as const satisfies Record<string, ValueSpec<unknown> | SwitchSpec>;

type Table = typeof TRAINING_FLAGS;
export type SettingKey = keyof Table;
type ValueOf<S> = S extends { parse: (raw: string) => infer T } ? T : boolean;

/** The parsed training settings (commander's values for the flags above); undefined = not given (the preset decides). */
export type TrainingSettings = { [K in SettingKey]?: ValueOf<Table[K]> };

/** One row of the table, with its key. */
export type FlagRow = SpecBase & { key: SettingKey; arg?: string; parse?: (raw: string) => unknown };

/** The table as rows, in `--help` order. */
export const FLAG_ROWS: readonly FlagRow[] = Object.entries(TRAINING_FLAGS).map(([key, spec]) => ({ key: key as SettingKey, ...spec }));

/** What decides whether a scope holds for one run: the experiment trains, augments, and its optimizer. */
export interface ScopeContext {
  trains: boolean;
  augments: boolean;
  optimizer: string;
}

/** Whether a setting of this scope changes something for such a run. */
export function inScope(scope: FlagScope, c: ScopeContext): boolean {
  if (scope === 'all') return true;
  if (!c.trains) return false;
  if (scope === 'augmented') return c.augments;
  if (scope === 'adamw') return c.optimizer === 'adamw';
  return true;
}

/** Adds every training flag of the table to `cmd` (`train` and `run`). */
export function addTrainingOptions(cmd: Command): Command {
  for (const row of FLAG_ROWS) {
    if (row.parse) cmd.option(`${row.flag} ${row.arg}`, row.help, row.parse);
    else cmd.option(row.flag, row.help);
  }
  return cmd;
}

/** Only the table's settings out of a command's parsed options (which hold other flags too: --out, --seeds...). */
export function trainingSettingsOf(options: TrainingSettings): TrainingSettings {
  const s: Record<string, unknown> = {};
  for (const row of FLAG_ROWS) if (options[row.key] !== undefined) s[row.key] = options[row.key];
  return s as TrainingSettings;
}

/** The `train` arguments that give these settings (`--lr 0.01`, `--augment`, ...); settings not given are left out. */
export function settingsArgs(s: TrainingSettings): string[] {
  const args: string[] = [];
  for (const row of FLAG_ROWS) {
    const value: unknown = s[row.key];
    if (value === undefined || value === false) continue;
    args.push(row.flag, ...(row.parse ? [String(value)] : []));
  }
  return args;
}

/** The settings resolveTraining takes (those with a trainFlag), as it takes them; engine settings are left out. */
export function trainFlagsOf(s: TrainingSettings): TrainFlags {
  const flags: Record<string, unknown> = {};
  const augmentParams: Record<string, unknown> = {};
  for (const row of FLAG_ROWS) {
    const value: unknown = s[row.key];
    if (value === undefined || row.trainFlag === undefined) continue;
    if (row.trainFlag.startsWith('augmentParams.')) augmentParams[row.trainFlag.slice('augmentParams.'.length)] = value;
    else flags[row.trainFlag] = value;
  }
  if (Object.keys(augmentParams).length > 0) flags.augmentParams = augmentParams;
  return flags as TrainFlags;
}

/** The row resolveTraining's `path` comes from, if a flag gives it (programmatic augmentation ranges have none). */
export function rowOfTrainFlag(path: string): FlagRow | undefined {
  return FLAG_ROWS.find((r) => r.trainFlag === path);
}

/**
 * The config.json fields --resume may ignore because the table says their setting cannot change the numbers
 * (dotted paths, e.g. 'versions.wasmThreads').
 */
export const RESUME_NEUTRAL_FIELDS: readonly string[] = FLAG_ROWS.filter((r) => !r.changesResults && r.recordedAs !== undefined).map((r) => r.recordedAs as string);
