// Training protocols (presets) and how a run's settings are resolved: flag > preset > defaults.
import { UserError } from '../errors.ts';
import type { Experiment, PresetName } from '../models/zoo.ts';
import { STUDY_AUGMENT } from './augment.ts';
import { STUDY_CALLBACKS } from './callbacks.ts';
import { isOptimizerName, OPTIMIZERS, PRESETS, type OptimizerName } from './choices.ts';
import { FILL_MODE, type AugmentSettings, type CallbackSettings, type LrScheduleSettings } from '../run-folder/recorded-settings.ts';
import type { TrainFlags } from './settings/train-flags.ts';
import { FLAG_ROWS, inScope, rowOfTrainFlag, type FlagScope, type ScopeContext } from './settings/flag-spec.ts';

export { PRESETS };

/** Keras AdamW's default weight_decay (keras.optimizers.AdamW). */
export const KERAS_ADAMW_WEIGHT_DECAY = 0.004;

/** The settings the study's presets share: no weight decay, no label smoothing, a constant rate (callbacks may cut it). */
const PLAIN = { weightDecay: null, labelSmoothing: 0, lrSchedule: null } as const;

/** A preset's settings: everything a run resolves except the preset's name and the augmentation. */
type Protocol = Omit<ResolvedTraining, 'preset' | 'augment' | 'augmentation'>;

const PROTOCOLS: Record<PresetName, Protocol> = {
  // Ours: Adam, a held-out validation split from train, the test set used once at the end.
  default: {
    optimizer: 'adam',
    learningRate: 1e-3,
    epochs: 30,
    batchSize: 128,
    valSplit: 0.1,
    validationOn: 'val',
    augmentFactor: 1,
    callbacks: STUDY_CALLBACKS,
    ...PLAIN,
  },
  // The original study: Adadelta at Keras 3's default lr (0.001), 10x augmented epochs, and its leak:
  // early stopping and the best checkpoint watch the TEST set.
  seed: {
    optimizer: 'adadelta',
    learningRate: 1e-3,
    epochs: 30,
    batchSize: 128,
    valSplit: 0,
    validationOn: 'test',
    augmentFactor: 10,
    callbacks: STUDY_CALLBACKS,
    ...PLAIN,
  },
  // rois-codh's Keras simple-CNN benchmark: Adadelta lr 1.0, 12 epochs, no callbacks, last weights.
  'keras-benchmark': {
    optimizer: 'adadelta',
    learningRate: 1.0,
    epochs: 12,
    batchSize: 128,
    valSplit: 0.1,
    validationOn: 'val',
    augmentFactor: 1,
    callbacks: { ...STUDY_CALLBACKS, earlyStopping: false, reduceLr: false, restoreBest: false },
    ...PLAIN,
  },
  // cnn-modern's recipe (any experiment can take it): AdamW with decoupled weight decay, Keras's
  // CosineDecay with a linear warm-up, label smoothing 0.1, a fixed number of epochs and the last
  // weights (the schedule, not val_loss, decides: no early stopping, no plateau cuts, no best-epoch restore).
  // Standard values, not searched; 30 epochs because one such run of cnn-modern reached 0.991 on the
  // validation split of kmnist-10k (README, "How far a CNN goes").
  modern: {
    optimizer: 'adamw',
    learningRate: 3e-3,
    epochs: 30,
    batchSize: 128,
    valSplit: 0.1,
    validationOn: 'val',
    augmentFactor: 1,
    callbacks: { ...STUDY_CALLBACKS, earlyStopping: false, reduceLr: false, restoreBest: false },
    weightDecay: 0.05,
    labelSmoothing: 0.1,
    lrSchedule: { name: 'CosineDecay', warmupEpochs: 2, initialFraction: 0, alpha: 0 },
  },
};

export type { TrainFlags } from './settings/train-flags.ts';

export interface ResolvedTraining {
  preset: PresetName;
  optimizer: OptimizerName;
  learningRate: number;
  epochs: number;
  batchSize: number;
  valSplit: number;
  validationOn: 'val' | 'test';
  augment: boolean;
  /** Epoch size multiplier when augmenting. */
  augmentFactor: number;
  /** The ranges and fill mode when augmenting, else null. */
  augmentation: AugmentSettings | null;
  callbacks: CallbackSettings;
  /** AdamW's weight decay; null for the optimizers without one. */
  weightDecay: number | null;
  /** Label smoothing of the cross-entropy (0: none). */
  labelSmoothing: number;
  /** The learning-rate schedule (the rate is the peak), or null for a constant rate (callbacks may cut it). */
  lrSchedule: LrScheduleSettings | null;
}

/** A given TrainFlags value with its flag (from the table) and scope; programmatic augmentation ranges have no flag. */
interface GivenFlag {
  flag: string;
  scope: FlagScope;
}

function givenFlags(f: TrainFlags): GivenFlag[] {
  const given: GivenFlag[] = [];
  // Only the table's keys: `f` may be a whole TrainRunOptions (experiment, seed, backend...).
  for (const row of FLAG_ROWS) {
    if (row.trainFlag === undefined || row.trainFlag.startsWith('augmentParams.')) continue;
    if (f[row.trainFlag as Exclude<keyof TrainFlags, 'augmentParams'>] !== undefined) given.push({ flag: row.flag, scope: row.scope });
  }
  for (const key of Object.keys(f.augmentParams ?? {})) {
    const row = rowOfTrainFlag(`augmentParams.${key}`);
    given.push({ flag: row?.flag ?? `augmentParams.${key}`, scope: row?.scope ?? 'augmented' });
  }
  return given;
}

/**
 * The flags given that change nothing in this setup are refused, as Keras refuses unknown arguments: a flag whose
 * scope (training/settings/flag-spec.ts) does not hold for the run. Checked in this order, one message per reason.
 */
function refuseIneffective(e: Experiment, f: TrainFlags, c: ScopeContext): void {
  const given = givenFlags(f);
  const outside = (scope: FlagScope): string[] => given.filter((g) => g.scope === scope && !inScope(scope, c)).map((g) => g.flag);
  const adamwOnly = outside('adamw');
  if (c.trains && adamwOnly.length > 0) {
    throw new UserError(`${adamwOnly.join(', ')}: no effect with --optimizer ${c.optimizer} (decoupled weight decay is AdamW's); add --optimizer adamw`);
  }
  if (!c.trains && given.length > 0) {
    const flags = given.map((g) => g.flag);
    throw new UserError(`${flags.join(', ')}: no effect on ${e.name}, a nearest-neighbour baseline that does not train; drop ${flags.length === 1 ? 'it' : 'them'}`);
  }
  const augmentOnly = outside('augmented');
  if (augmentOnly.length > 0) throw new UserError(`${augmentOnly.join(', ')} needs augmentation: use an -aug experiment or add --augment`);
}

/** The programmatic API's check of a count (the CLI parses its flags with commands/flags.ts, same wording). */
function positiveInt(value: number | undefined, flag: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) throw new UserError(`${flag}: '${value}' is not an integer >= 1`);
}

export function resolveTraining(e: Experiment, f: TrainFlags): ResolvedTraining {
  const presetName = f.preset ?? e.preset;
  if (!(PRESETS as readonly string[]).includes(presetName)) {
    throw new UserError(`--preset: unknown preset "${presetName}"; choose one of: ${PRESETS.join(', ')}`);
  }
  const preset = presetName as PresetName;
  const p = PROTOCOLS[preset];
  positiveInt(f.epochs, '--epochs');
  positiveInt(f.batchSize, '--batch-size');
  positiveInt(f.augmentFactor, '--augment-factor');
  if (f.learningRate !== undefined && !(f.learningRate > 0 && Number.isFinite(f.learningRate))) {
    throw new UserError(`--lr must be a positive number, got ${f.learningRate}`);
  }
  const optimizer = f.optimizer ?? p.optimizer;
  if (!isOptimizerName(optimizer)) throw new UserError(`--optimizer: unknown optimizer "${optimizer}"; choose one of: ${OPTIMIZERS.join(', ')}`);
  if (f.weightDecay !== undefined && !(f.weightDecay >= 0 && f.weightDecay < 1)) throw new UserError(`--weight-decay: '${f.weightDecay}' is not a number in [0, 1)`);
  if (f.labelSmoothing !== undefined && !(f.labelSmoothing >= 0 && f.labelSmoothing < 1)) {
    throw new UserError(`--label-smoothing: '${f.labelSmoothing}' is not a number in [0, 1)`);
  }
  const augment = f.augment === true || e.augment;
  refuseIneffective(e, f, { trains: e.capabilities.acceptsTrainingFlags, augments: augment, optimizer });
  const valSplit = p.validationOn === 'test' ? 0 : (f.valSplit ?? p.valSplit);
  if (p.validationOn === 'test' && f.valSplit !== undefined) {
    throw new UserError(`--val-split cannot be combined with --preset ${preset}, which validates on the test set`);
  }
  if (p.validationOn === 'val' && !(valSplit > 0 && valSplit < 1)) {
    throw new UserError(`--val-split must be a fraction in (0, 1) (the callbacks watch val_loss), got ${valSplit}`);
  }
  return {
    preset,
    optimizer,
    learningRate: f.learningRate ?? p.learningRate,
    epochs: f.epochs ?? p.epochs,
    batchSize: f.batchSize ?? p.batchSize,
    valSplit,
    validationOn: p.validationOn,
    augment,
    augmentFactor: augment ? (f.augmentFactor ?? p.augmentFactor) : 1,
    augmentation: augment ? { ...STUDY_AUGMENT, ...f.augmentParams, fillMode: FILL_MODE } : null,
    callbacks: p.callbacks,
    weightDecay: optimizer === 'adamw' ? (f.weightDecay ?? (p.optimizer === 'adamw' ? p.weightDecay : null) ?? KERAS_ADAMW_WEIGHT_DECAY) : null,
    labelSmoothing: f.labelSmoothing ?? p.labelSmoothing,
    lrSchedule: p.lrSchedule,
  };
}
