// Optimizers by name, and reading/changing the learning rate of one in place (for reduce-LR-on-plateau).
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';

export const OPTIMIZERS = ['adam', 'adadelta', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export function isOptimizerName(name: string): name is OptimizerName {
  return (OPTIMIZERS as readonly string[]).includes(name);
}

/** Keras 3 defaults besides the learning rate (Adadelta rho 0.95, epsilon 1e-7). */
export function makeOptimizer(name: string, learningRate: number): tf.Optimizer {
  if (!Number.isFinite(learningRate) || learningRate <= 0) throw new UserError(`--lr must be a positive number, got ${learningRate}`);
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
    case 'adadelta':
      return tf.train.adadelta(learningRate, 0.95, 1e-7);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, 0, 1e-7);
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
