// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter 2019, "Decoupled Weight Decay
// Regularization", Algorithm 2). TF.js 4.22 has none. Each step first shrinks every variable it updates,
//   w ← w · (1 - lr · weight_decay),
// then takes the Adam step from the gradient (computed before the shrink): torch.optim.AdamW's order
// and formula (its docs, "Algorithm"), and keras.optimizers.AdamW's (Keras 3 applies
// `variable - variable * weight_decay * lr` before the update; its Adam puts epsilon outside the bias
// correction of v, a difference of eps·(1 - sqrt(1 - beta2^t)) in the denominator). Like Keras's and
// PyTorch's defaults every variable is decayed (BatchNormalization's gamma and beta, and biases, too).
// The Adam step is FusedAdam's (tf.train.adam's arithmetic), so state, resume and the wasm path are its.
import * as tf from '@tensorflow/tfjs';
import { FusedAdam } from './fused-adam.ts';

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export class AdamW extends FusedAdam {
  static override get className(): string {
    return 'AdamW';
  }

  constructor(
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    /** Keras's weight_decay (PyTorch's too): the decay per unit of learning rate. */
    readonly weightDecay: number,
  ) {
    super(learningRate, beta1, beta2, epsilon);
  }

  override applyGradients(variableGradients: Gradients): void {
    // Only the variables this step updates (a missing gradient leaves a variable alone, as in PyTorch).
    const names = Array.isArray(variableGradients)
      ? variableGradients.filter((v) => v.tensor != null).map((v) => v.name)
      : Object.keys(variableGradients).filter((name) => variableGradients[name] != null);
    const keep = 1 - this.learningRate * this.weightDecay;
    if (keep !== 1) {
      tf.tidy(() => {
        for (const name of names) {
          const value = tf.engine().registeredVariables[name];
          value.assign(tf.mul(value, keep));
        }
      });
    }
    super.applyGradients(variableGradients);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }
}
