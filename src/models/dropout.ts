// Dropout for the zoo: tfjs-layers' Dropout, with its training mask made on the wasm heap (dropout-mask.ts)
// instead of value by value in JS. Same class name and config, so saved models load as plain Dropout
// anywhere (the web page, Keras-style tools); inference is the identity either way. The mask's seed is
// drawn from Math.random, as tf.dropout's is, so the training loop's seeded Math.random keeps runs
// reproducible and resumable. Other backends (cpu, tfjs-node) run the parent's code.
import * as tf from '@tensorflow/tfjs';
import { dropoutMask } from '../engine/wasm-kernels/dropout-mask.ts';

type DropoutLayer = ReturnType<typeof tf.layers.dropout>;
type DropoutArgs = Parameters<typeof tf.layers.dropout>[0];
type Kwargs = Parameters<DropoutLayer['call']>[1];

const Dropout = Object.getPrototypeOf(tf.layers.dropout({ rate: 0.5 })).constructor as new (args: DropoutArgs) => DropoutLayer;

class WasmMaskDropout extends Dropout {
  private readonly dropRate: number;
  private readonly customNoise: boolean;

  constructor(args: DropoutArgs) {
    super(args);
    this.dropRate = args.rate;
    this.customNoise = args.noiseShape !== undefined || args.seed !== undefined;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const training = (kwargs as { training?: boolean }).training === true;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!training || this.customNoise || !(this.dropRate > 0 && this.dropRate < 1) || x.dtype !== 'float32') {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const mask = dropoutMask(x.shape, this.dropRate, Math.floor(Math.random() * 2 ** 32));
      return mask === undefined ? super.call(inputs, kwargs) : tf.mul(x, mask);
    });
  }
}

/** tf.layers.dropout, with the mask made in wasm when training on the wasm backend. */
export function dropout(args: DropoutArgs): DropoutLayer {
  return new WasmMaskDropout(args);
}
