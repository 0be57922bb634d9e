// Class probabilities for a whole image set (in chunks, so 60k images never sit in one tensor), and the
// loss/accuracy Keras would report for them.
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.ts';
import { argmaxRows, classificationReport, macroRocAucOvr } from '../metrics/classification.ts';
import { batchPixels } from './batches.ts';

export interface Predictions {
  /** count x numClasses, row-major. */
  probs: Float32Array;
  predicted: Int32Array;
  /** Mean categorical cross-entropy, probabilities clipped to [1e-7, 1 - 1e-7] as Keras does. */
  loss: number;
  accuracy: number;
  seconds: number;
}

const EPS = 1e-7;

export function scorePredictions(probs: Float32Array, labels: Int32Array, numClasses: number, seconds: number): Predictions {
  const predicted = argmaxRows(probs, numClasses);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probs[i * numClasses + labels[i]], EPS), 1 - EPS);
    loss -= Math.log(p);
    if (predicted[i] === labels[i]) correct++;
  }
  const n = Math.max(labels.length, 1);
  return { probs, predicted, loss: loss / n, accuracy: correct / n, seconds };
}

export async function predictSet(model: tf.LayersModel, set: ImageSet, numClasses: number, chunk = 1024): Promise<Predictions> {
  const start = performance.now();
  const probs = new Float32Array(set.count * numClasses);
  for (let s = 0; s < set.count; s += chunk) {
    const n = Math.min(chunk, set.count - s);
    const indices = Array.from({ length: n }, (_, k) => s + k);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(batchPixels(set, indices), [n, set.height, set.width, 1]);
      return model.predict(x, { batchSize: chunk }) as tf.Tensor;
    });
    probs.set(await out.data<'float32'>(), s * numClasses);
    out.dispose();
  }
  return scorePredictions(probs, set.labels, numClasses, (performance.now() - start) / 1000);
}

/** The macro averages logged per epoch (history.json's val_precision, val_recall, val_macro_f1, val_auc). */
export interface ValidationMetrics {
  precision: number;
  recall: number;
  macroF1: number;
  /** One-vs-rest macro ROC AUC; NaN when a class has no sample in the set. */
  auc: number;
}

export function validationMetrics(pred: Predictions, labels: Int32Array, numClasses: number): ValidationMetrics {
  const { macroAvg } = classificationReport(labels, pred.predicted, numClasses);
  return { precision: macroAvg.precision, recall: macroAvg.recall, macroF1: macroAvg.f1, auc: macroRocAucOvr(labels, pred.probs, numClasses) };
}
