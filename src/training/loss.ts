// The training loss: categorical cross-entropy on the model's softmax probabilities, with Keras's
// label smoothing (keras.losses.CategoricalCrossentropy(label_smoothing=ε); Szegedy et al. 2016,
// "Rethinking the Inception Architecture", §7): the one-hot targets become
//   y' = y · (1 - ε) + ε / K   (K classes),
// and the loss is -Σ_k y'_k · log(p_k), p clipped to [1e-7, 1 - 1e-7] as Keras and TF.js clip
// probabilities. torch.nn.CrossEntropyLoss(label_smoothing=ε) is the same function of the logits.
import * as tf from '@tensorflow/tfjs';

/** Keras's epsilon(): the clip of probabilities in the cross-entropy. */
const EPSILON = 1e-7;

export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** model.compile's loss: the plain 'categoricalCrossentropy' without smoothing, else the smoothed one (per example). */
export function trainingLoss(labelSmoothing: number): 'categoricalCrossentropy' | LossFunction {
  if (labelSmoothing === 0) return 'categoricalCrossentropy';
  return (yTrue, yPred) =>
    tf.tidy(() => {
      const k = yTrue.shape[yTrue.shape.length - 1] as number;
      const smoothed = tf.add(tf.mul(yTrue, 1 - labelSmoothing), labelSmoothing / k);
      return tf.metrics.categoricalCrossentropy(smoothed, yPred);
    });
}

/**
 * The mean smoothed cross-entropy of predicted probabilities (count x numClasses, row-major) against
 * integer labels, as trainingLoss computes it: what Keras's val_loss is for such a model. ε = 0 gives
 * the plain cross-entropy (evaluate.ts's `loss`).
 */
export function smoothedCrossEntropy(probs: Float32Array, labels: Int32Array, numClasses: number, labelSmoothing: number): number {
  const off = labelSmoothing / numClasses;
  const on = 1 - labelSmoothing + off;
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    // Keras first rescales the row to sum to 1, then clips.
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += probs[i * numClasses + k];
    for (let k = 0; k < numClasses; k++) {
      const y = k === labels[i] ? on : off;
      if (y === 0) continue;
      const p = Math.min(Math.max(probs[i * numClasses + k] / sum, EPSILON), 1 - EPSILON);
      total -= y * Math.log(p);
    }
  }
  return total / Math.max(labels.length, 1);
}
