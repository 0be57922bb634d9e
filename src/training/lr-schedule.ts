// Learning-rate schedules, as Keras names and computes them (keras.optimizers.schedules). TF.js 4.22 has
// none: fit() sets the optimizer's rate from the schedule before every step, from the global step alone,
// so a resumed run follows exactly the same rates.

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

/** The Keras arguments of a schedule for `epochs` epochs of `stepsPerEpoch` steps peaking at `learningRate`. */
export function cosineDecayConfig(s: LrScheduleSettings, learningRate: number, epochs: number, stepsPerEpoch: number): CosineDecayConfig {
  const warmupSteps = Math.min(s.warmupEpochs, epochs) * stepsPerEpoch;
  const totalSteps = epochs * stepsPerEpoch;
  if (warmupSteps === 0) {
    return { name: 'CosineDecay', initialLearningRate: learningRate, decaySteps: totalSteps, alpha: s.alpha, warmupTarget: null, warmupSteps: 0 };
  }
  return {
    name: 'CosineDecay',
    initialLearningRate: s.initialFraction * learningRate,
    decaySteps: Math.max(totalSteps - warmupSteps, 1),
    alpha: s.alpha,
    warmupTarget: learningRate,
    warmupSteps,
  };
}

/**
 * The learning rate at global step `step` (0 for the first update, as Keras's optimizer.iterations),
 * exactly as keras.optimizers.schedules.CosineDecay.__call__ (Keras 3, keras/src/optimizers/schedules/
 * learning_rate_schedule.py; Loshchilov & Hutter 2017, "SGDR", eq. 5 with no restarts):
 *   warm-up (step < warmupSteps): initial + (warmupTarget - initial) · step / warmupSteps;
 *   decay: peak · ((1 - alpha) · ½(1 + cos(π · min(s, decaySteps) / decaySteps)) + alpha), s = step - warmupSteps,
 * with peak = warmupTarget, or initialLearningRate when there is no warm-up.
 */
export function cosineDecay(c: CosineDecayConfig, step: number): number {
  const decayed = (s: number, from: number): number => {
    const fraction = Math.min(s, c.decaySteps) / c.decaySteps;
    return from * ((1 - c.alpha) * 0.5 * (1 + Math.cos(Math.PI * fraction)) + c.alpha);
  };
  if (c.warmupTarget === null) return decayed(step, c.initialLearningRate);
  if (step < c.warmupSteps) return c.initialLearningRate + ((c.warmupTarget - c.initialLearningRate) * step) / c.warmupSteps;
  return decayed(step - c.warmupSteps, c.warmupTarget);
}
