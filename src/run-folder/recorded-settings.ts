// The training settings a run records in config.json (RunConfig's augmentation, callbacks and
// learningRateSchedule): types only, so the run-folder contract depends on nothing in training, which
// implements them (augment.ts, callbacks.ts, lr-schedule.ts).

// Augmentation (src/training/augment.ts)

import type { AugmentParams } from '../data/augment-params.ts';

export type { AugmentParams };

/** How applyAffine fills pixels that map outside the image (Keras fill_mode; the only one implemented). */
export const FILL_MODE = 'nearest';

/** Augmentation as config.json records it: the ranges and the fill mode. */
export interface AugmentSettings extends AugmentParams {
  fillMode: typeof FILL_MODE;
}

// Callbacks (src/training/callbacks.ts)

export interface CallbackSettings {
  earlyStopping: boolean;
  /** Epochs without improvement before stopping (Keras patience). */
  earlyStoppingPatience: number;
  /** At the end, go back to the weights of the best val_loss epoch (Keras restore_best_weights). */
  restoreBest: boolean;
  reduceLr: boolean;
  reduceLrFactor: number;
  reduceLrPatience: number;
  /** Keras ReduceLROnPlateau's min_delta default: a smaller drop does not count as improvement. */
  reduceLrMinDelta: number;
  minLr: number;
}

// Learning-rate schedules (src/training/lr-schedule.ts)

/**
 * A schedule as a preset states it, in epochs (the step counts follow from the training set's size):
 * Keras's CosineDecay with a linear warm-up from `initialFraction` of the peak to the peak (the run's
 * learning rate, Keras's warmup_target) over `warmupEpochs`, then a cosine decay over the remaining
 * epochs down to `alpha` times the peak.
 */
export interface LrScheduleSettings {
  name: 'CosineDecay';
  warmupEpochs: number;
  /** Keras's initial_learning_rate as a fraction of the peak (0: the warm-up starts from 0, as Keras's example). */
  initialFraction: number;
  /** Keras's alpha: the final rate as a fraction of the peak. */
  alpha: number;
}

/** keras.optimizers.schedules.CosineDecay's arguments (camelCase), as config.json records them. */
export interface CosineDecayConfig {
  name: 'CosineDecay';
  initialLearningRate: number;
  /** Steps of the cosine decay, after the warm-up. */
  decaySteps: number;
  alpha: number;
  /** The peak reached after the warm-up; null: no warm-up, the decay starts from initialLearningRate. */
  warmupTarget: number | null;
  warmupSteps: number;
}
