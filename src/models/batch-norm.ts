// BatchNormalization for the zoo: tfjs-layers' layer (Keras's defaults: momentum 0.99, epsilon 1e-3,
// moving mean 0 and variance 1 to start), with its training-mode pass and gradient computed on the wasm
// heap (src/engine/wasm-kernels/batch-norm.ts) instead of TF.js's moments/batchNorm/Tile kernels. Same
// class name and config, so saved models load as a plain BatchNormalization anywhere; inference (the
// moving statistics) is the parent's code. Other backends, and layouts other than channels-last with
// both gamma and beta, run the parent's code.
import * as tf from '@tensorflow/tfjs';
import { batchNormTrainingWasm } from '../engine/wasm-kernels/batch-norm.ts';

type BatchNormLayer = ReturnType<typeof tf.layers.batchNormalization>;
type BatchNormArgs = NonNullable<Parameters<typeof tf.layers.batchNormalization>[0]>;
type Kwargs = Parameters<BatchNormLayer['call']>[1];

const BatchNormalization = Object.getPrototypeOf(tf.layers.batchNormalization({})).constructor as new (args: BatchNormArgs) => BatchNormLayer;

/** The parent's fields this class reads (tfjs-layers keeps them protected). */
interface BatchNormFields {
  axis: number;
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable | null;
  beta: tf.LayerVariable | null;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

class WasmBatchNormalization extends BatchNormalization {
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const training = (kwargs as { training?: boolean }).training === true;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const f = this as unknown as BatchNormFields;
    const lastAxis = f.axis === -1 || f.axis === x.rank - 1;
    if (!training || !lastAxis || !f.center || !f.scale || f.gamma === null || f.beta === null) return super.call(inputs, kwargs);
    const gamma = f.gamma.read() as tf.Tensor1D;
    const beta = f.beta.read() as tf.Tensor1D;
    const r = batchNormTrainingWasm(x, gamma, beta, f.epsilon);
    if (r === undefined) return super.call(inputs, kwargs);
    // The moving averages, in the parent's ops: moving - (moving - batch) · (1 - momentum).
    tf.tidy(() => {
      const decay = 1 - f.momentum;
      for (const [variable, value] of [[f.movingMean, r.mean], [f.movingVariance, r.variance]] as const) {
        const old = variable.read();
        variable.write(tf.sub(old, tf.mul(tf.sub(old, tf.tensor1d(value)), decay)));
      }
    });
    return r.y;
  }
}

/** tf.layers.batchNormalization (Keras's BatchNormalization), trained on the wasm heap when the backend is wasm. */
export function batchNormalization(args: BatchNormArgs = {}): BatchNormLayer {
  return new WasmBatchNormalization(args);
}
