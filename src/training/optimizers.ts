// Optimizers by name, and reading/changing the learning rate of one in place (for reduce-LR-on-plateau).
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import { KerasAdadelta } from './adadelta.ts';
import { FusedAdam } from './fused-adam.ts';
import { OPTIMIZERS } from './choices.ts';

export { isOptimizerName, OPTIMIZERS, type OptimizerName } from './choices.ts';

/** Keras 3 defaults besides the learning rate (Adadelta rho 0.95, epsilon 1e-7). */
export function makeOptimizer(name: string, learningRate: number): tf.Optimizer {
  if (!Number.isFinite(learningRate) || learningRate <= 0) throw new UserError(`--lr must be a positive number, got ${learningRate}`);
  switch (name) {
    case 'adam':
      return new FusedAdam(learningRate, 0.9, 0.999, 1e-7); // tf.train.adam's result, fewer kernel calls on wasm
    case 'adadelta':
      return new KerasAdadelta(learningRate, 0.95, 1e-7); // tfjs's own deviates from Keras: see adadelta.ts
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
