// Learning-rate schedules, as Keras names and computes them (keras.optimizers.schedules). TF.js 4.22 has
// none: fit() sets the optimizer's rate from the schedule before every step, from the global step alone,
// so a resumed run follows exactly the same rates.
import type { CosineDecayConfig, LrScheduleSettings } from '../run-folder/recorded-settings.ts';

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
