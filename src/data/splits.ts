// Seeded, stratified splits: the validation set comes from training data, so the test set never selects models.
import { UserError } from '../errors.ts';
import { mulberry32, shuffleInPlace } from './rng.ts';
import type { ImageSet } from './types.ts';

/** Copies the listed images (in the given order) into a new set. */
export function subset(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const px = set.height * set.width;
  const images = new Uint8Array(indices.length * px);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(set.images.subarray(i * px, (i + 1) * px), k * px);
    labels[k] = set.labels[i];
  }
  return { images, labels, count: indices.length, height: set.height, width: set.width };
}

/**
 * Chooses, per class, round(n * fraction) random members for the held-out part (seeded), keeping at
 * least one member of every class in the kept part. Both index lists come back in ascending order.
 */
export function stratifiedIndices(labels: Int32Array, fraction: number, seed: number): { kept: number[]; held: number[] } {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const rand = mulberry32(seed);
  const heldMask = new Uint8Array(labels.length);
  for (const cls of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = byClass.get(cls) ?? [];
    shuffleInPlace(members, rand);
    const nHeld = Math.min(Math.round(members.length * fraction), members.length - 1);
    for (let k = 0; k < nHeld; k++) heldMask[members[k]] = 1;
  }
  const kept: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < labels.length; i++) (heldMask[i] ? held : kept).push(i);
  return { kept, held };
}

function checkFraction(fraction: number, what: string): void {
  if (!Number.isFinite(fraction) || fraction < 0 || fraction >= 1) {
    throw new UserError(`${what} must be a fraction in [0, 1), got ${fraction}`);
  }
}

/** Deterministic stratified train/validation split of a training set. */
export function stratifiedSplit(set: ImageSet, valFraction: number, seed: number): { train: ImageSet; val: ImageSet } {
  checkFraction(valFraction, 'validation split (--val-split)');
  const { kept, held } = stratifiedIndices(set.labels, valFraction, seed);
  return { train: subset(set, kept), val: subset(set, held) };
}

/** Seeded stratified train/test split, for datasets with no official split (kkanji). */
export function stratifiedTrainTest(set: ImageSet, testFraction: number, seed: number): { train: ImageSet; test: ImageSet } {
  checkFraction(testFraction, 'test fraction');
  const { kept, held } = stratifiedIndices(set.labels, testFraction, seed);
  return { train: subset(set, kept), test: subset(set, held) };
}
