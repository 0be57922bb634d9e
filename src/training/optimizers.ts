// Optimizers by name, and reading/changing the learning rate of one in place (for reduce-LR-on-plateau).
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import { KerasAdadelta } from './adadelta.ts';
import { AdamW } from './adamw.ts';
import { FusedAdam } from './fused-adam.ts';
import { OPTIMIZERS, type OptimizerName } from './choices.ts';

export { isOptimizerName, OPTIMIZERS, type OptimizerName } from './choices.ts';

/**
 * Each optimizer's hyperparameters besides the learning rate (and AdamW's weight decay, a run setting):
 * Keras 3's defaults (keras.optimizers.Adam, AdamW, Adadelta, SGD, RMSprop). The one table both
 * makeOptimizer and config.json read.
 */
export const OPTIMIZER_PARAMS = {
  adam: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  adamw: { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  adadelta: { rho: 0.95, epsilon: 1e-7 },
  sgd: { momentum: 0 },
  rmsprop: { rho: 0.9, momentum: 0, epsilon: 1e-7 },
} as const satisfies Record<OptimizerName, Record<string, number>>;

/**
 * An optimizer's full configuration as config.json records it, e.g. { name: 'adam', learningRate, beta1,
 * beta2, epsilon }; AdamW's adds weightDecay. With a schedule, learningRate is its peak.
 */
export function optimizerConfig(name: OptimizerName, learningRate: number, weightDecay: number | null = null): Record<string, string | number> {
  return { name, learningRate, ...OPTIMIZER_PARAMS[name], ...(name === 'adamw' ? { weightDecay: weightDecay ?? 0 } : {}) };
}

/** `weightDecay`: AdamW's (ignored by the others; resolveTraining refuses it for them). */
export function makeOptimizer(name: string, learningRate: number, weightDecay = 0): tf.Optimizer {
  if (!Number.isFinite(learningRate) || learningRate <= 0) throw new UserError(`--lr must be a positive number, got ${learningRate}`);
  switch (name) {
    case 'adamw': {
      const p = OPTIMIZER_PARAMS.adamw;
      return new AdamW(learningRate, p.beta1, p.beta2, p.epsilon, weightDecay);
    }
    case 'adam': {
      const p = OPTIMIZER_PARAMS.adam;
      return new FusedAdam(learningRate, p.beta1, p.beta2, p.epsilon); // tf.train.adam's result, fewer kernel calls on wasm
    }
    case 'adadelta': {
      const p = OPTIMIZER_PARAMS.adadelta;
      return new KerasAdadelta(learningRate, p.rho, p.epsilon); // tfjs's own deviates from Keras: see adadelta.ts
    }
    case 'sgd':
      return tf.train.sgd(learningRate); // plain SGD: OPTIMIZER_PARAMS.sgd.momentum is 0
    case 'rmsprop': {
      const p = OPTIMIZER_PARAMS.rmsprop;
      return tf.train.rmsprop(learningRate, p.rho, p.momentum, p.epsilon);
    }
    default:
      throw new UserError(`--optimizer: unknown optimizer "${name}"; choose one of: ${OPTIMIZERS.join(', ')}`);
  }
}

// Every tfjs optimizer reads its public `learningRate` field at each step, so assigning it takes effect;
// SGD caches it in a scalar and offers setLearningRate for that.
interface HasLearningRate {
  learningRate: number;
  setLearningRate?: (lr: number) => void;
}

export function getLearningRate(opt: tf.Optimizer): number {
  return (opt as unknown as HasLearningRate).learningRate;
}

export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as HasLearningRate;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

// Adam keeps beta1^t and beta2^t in variables that getWeights leaves out; its setWeights recomputes them
// with pow(), which differs in the last bit from the repeated products of an uninterrupted run. We save
// and restore them exactly so a resumed run is bit-identical.
const HIDDEN = ['accBeta1', 'accBeta2'] as const;
type WithHidden = Partial<Record<(typeof HIDDEN)[number], tf.Variable>>;

export async function getOptimizerState(opt: tf.Optimizer): Promise<{ name: string; tensor: tf.Tensor }[]> {
  const hidden = HIDDEN.flatMap((key) => {
    const v = (opt as unknown as WithHidden)[key];
    return v ? [{ name: `__${key}`, tensor: v }] : [];
  });
  return [...(await opt.getWeights()), ...hidden];
}

export async function setOptimizerState(opt: tf.Optimizer, state: { name: string; tensor: tf.Tensor }[]): Promise<void> {
  const isHidden = (name: string): boolean => HIDDEN.some((key) => name === `__${key}`);
  await opt.setWeights(state.filter((s) => !isHidden(s.name)));
  for (const key of HIDDEN) {
    const saved = state.find((s) => s.name === `__${key}`);
    const v = (opt as unknown as WithHidden)[key];
    if (saved && v) v.assign(saved.tensor as tf.Scalar);
  }
}
