// Class probabilities for input images from one run, or from several (an ensemble: the mean of their
// probabilities, as scikit-learn's VotingClassifier(voting='soft') averages), and the top-k table.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';
import type { InputImage } from './image-input.ts';
import type { RunModel } from './run-model.ts';

/** count x numClasses, row-major: each run's softmax output, averaged over the runs. */
export async function predictProbabilities(runs: RunModel[], images: InputImage[], chunk = 512): Promise<Float32Array> {
  const { height, width, config } = runs[0];
  const k = config.numClasses;
  const px = height * width;
  for (const img of images) {
    if (img.pixels.length !== px) throw new UserError(`${img.name}: ${img.pixels.length} pixels, but the model takes ${height}x${width} images`);
  }
  const sum = new Float32Array(images.length * k);
  for (const run of runs) {
    for (let s = 0; s < images.length; s += chunk) {
      const part = images.slice(s, s + chunk);
      const x = new Float32Array(part.length * px);
      part.forEach((img, i) => img.pixels.forEach((v, p) => (x[i * px + p] = v / 255)));
      const out = tf.tidy(() => run.model.predict(tf.tensor4d(x, [part.length, height, width, 1])) as tf.Tensor);
      const probs = await out.data<'float32'>();
      out.dispose();
      for (let i = 0; i < probs.length; i++) sum[s * k + i] += probs[i];
    }
  }
  return sum.map((v) => v / runs.length);
}

export interface RankedClass {
  rank: number;
  classIndex: number;
  /** The class's display name (config.json's classNames). */
  name: string;
  /** The modern character, when the dataset's class map gives one. */
  char?: string;
  probability: number;
}

/** The k most probable classes of one row, most probable first (ties: lower class index first). */
export function topK(row: ArrayLike<number>, k: number, classNames: readonly string[], classChars?: readonly string[]): RankedClass[] {
  return Array.from({ length: row.length }, (_, c) => c)
    .sort((a, b) => row[b] - row[a] || a - b)
    .slice(0, k)
    .map((c, i) => ({ rank: i + 1, classIndex: c, name: classNames[c], ...(classChars?.[c] ? { char: classChars[c] } : {}), probability: row[c] }));
}
