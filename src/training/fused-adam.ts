// tf.train.adam with each variable's update as one SIMD pass on the wasm backend (adam-update.ts)
// instead of ~10 elementwise kernels; bit-identical results. Other backends run the parent's code.
// State lives in the parent's fields, so getWeights/setWeights (checkpoint resume) work unchanged.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { adamUpdateWasm, adamUpdateWasmAvailable, type AdamConstants } from '../engine/wasm-kernels/adam-update.ts';

interface Slot {
  originalName: string;
  variable: tf.Variable;
}

/** The parent's private state, read and updated exactly as the parent does. */
interface AdamState {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Slot[];
  accumulatedSecondMoment: Slot[];
}

const fr = Math.fround;

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

export class FusedAdam extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    const backend = tf.getBackend() === 'wasm' ? (tf.backend() as BackendWasm) : undefined;
    if (backend === undefined || !adamUpdateWasmAvailable(backend)) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    // The SIMD pass reads float32 only; anything else takes the parent's (dtype-generic) path.
    const gradientOf = (name: string, i: number): tf.Tensor | undefined =>
      Array.isArray(variableGradients) ? variableGradients[i].tensor : variableGradients[name];
    if (!names.every((name, i) => tf.engine().registeredVariables[name].dtype === 'float32' && (gradientOf(name, i)?.dtype ?? 'float32') === 'float32')) {
      super.applyGradients(variableGradients);
      return;
    }
    const scalar = (v: tf.Variable): number => (backend.typedArrayFromHeap(v) as Float32Array)[0];
    // The same float32 scalars the parent's ops see (1 - accBeta is a float32 subtraction).
    const k: AdamConstants = {
      b1: fr(s.beta1),
      b2: fr(s.beta2),
      c1: fr(1 - s.beta1),
      c2: fr(1 - s.beta2),
      ob1: fr(1 - scalar(s.accBeta1)),
      ob2: fr(1 - scalar(s.accBeta2)),
      eps: fr(s.epsilon),
      nlr: fr(-s.learningRate),
    };
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      s.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      s.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = gradientOf(name, i);
      if (gradient == null) return;
      const m = s.accumulatedFirstMoment[i].variable;
      const v = s.accumulatedSecondMoment[i].variable;
      // Fresh outputs, never in place: other tensors may share a variable's data. Allocate before
      // taking views: a heap growth would detach views taken earlier.
      const outs = [m, v, value].map((t) => backend.makeOutput(t.shape, 'float32'));
      const view = (t: tf.TensorInfo): Float32Array => backend.typedArrayFromHeap(t) as Float32Array;
      adamUpdateWasm(backend, k, {
        g: view(gradient), m: view(m), v: view(v), w: view(value),
        mOut: view(outs[0]), vOut: view(outs[1]), wOut: view(outs[2]),
      });
      const [mNew, vNew, wNew] = outs.map((o) => tf.engine().makeTensorFromTensorInfo(o));
      m.assign(mNew);
      v.assign(vNew);
      value.assign(wNew);
      tf.dispose([mNew, vNew, wNew]);
    });
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}
