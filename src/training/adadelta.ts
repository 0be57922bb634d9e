// Adadelta exactly as Keras computes it. tfjs 4.22's AdadeltaOptimizer scales each step with the
// accumulated squared gradient from BEFORE this step (Keras and the paper use the updated one), so its
// first step is the raw gradient times the learning rate: at Keras's benchmark lr of 1.0 that kills the
// network (measured: 0.10 accuracy after an epoch on kmnist-10k). Same state layout as tfjs's.
import * as tf from '@tensorflow/tfjs';

type Gradients = Parameters<tf.Optimizer['applyGradients']>[0];
type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

export class KerasAdadelta extends tf.Optimizer {
  static get className(): string {
    return 'Adadelta';
  }

  private accumulatedGrads: Slot[] = [];
  private accumulatedUpdates: Slot[] = [];

  constructor(
    public learningRate: number,
    readonly rho = 0.95,
    readonly epsilon = 1e-7,
  ) {
    super();
  }

  applyGradients(variableGradients: Gradients): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
      if (gradient == null) return;
      this.accumulatedGrads[i] ??= { originalName: `${name}/accum_grad`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      this.accumulatedUpdates[i] ??= { originalName: `${name}/accum_var`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const accGrad = this.accumulatedGrads[i].variable;
      const accUpdate = this.accumulatedUpdates[i].variable;
      tf.tidy(() => {
        const newAccGrad = accGrad.mul(this.rho).add(gradient.square().mul(1 - this.rho));
        const update = accUpdate.add(this.epsilon).sqrt().div(newAccGrad.add(this.epsilon).sqrt()).mul(gradient);
        accGrad.assign(newAccGrad);
        accUpdate.assign(accUpdate.mul(this.rho).add(update.square().mul(1 - this.rho)));
        value.assign(value.sub(update.mul(this.learningRate)));
      });
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const s of [...this.accumulatedGrads, ...this.accumulatedUpdates]) s.variable.dispose();
    this.accumulatedGrads = [];
    this.accumulatedUpdates = [];
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const slots = [...this.accumulatedGrads, ...this.accumulatedUpdates];
    return [await this.saveIterations(), ...slots.map((s) => ({ name: s.originalName, tensor: s.variable as tf.Tensor }))];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const values = await this.extractIterations(weightValues);
    const half = values.length / 2;
    this.dispose();
    const slot = (v: NamedTensor): Slot => ({ originalName: v.name, variable: v.tensor.variable(false) });
    this.accumulatedGrads = values.slice(0, half).map(slot);
    this.accumulatedUpdates = values.slice(half).map(slot);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { learningRate: this.learningRate, rho: this.rho, epsilon: this.epsilon };
  }
}
