// Which experiments the study runs by default, and which pairs answer its questions.

/** The original study's five, then the strong baseline, the non-neural baseline, the parameter-matched pair and a modern CNN recipe. */
export const DEFAULT_EXPERIMENTS = ['cnn', 'fcnn', 'cnn-aug', 'fcnn-aug', 'cnn-no-pool', 'keras-cnn', 'knn', 'fcnn-matched', 'cnn-matched', 'cnn-modern'] as const;

export interface StudyPair {
  a: string;
  b: string;
  /** The question the comparison answers, in plain words. */
  question: string;
  /** Added to the study with `run --compare` (study-pairs.ts), not one of its own questions. */
  added?: boolean;
}

export const STUDY_PAIRS: readonly StudyPair[] = [
  { a: 'cnn', b: 'fcnn', question: 'Does a CNN beat a fully-connected network?' },
  { a: 'cnn-aug', b: 'cnn', question: 'Does augmentation help the CNN?' },
  { a: 'fcnn-aug', b: 'fcnn', question: 'Does augmentation help the FCNN?' },
  { a: 'cnn', b: 'cnn-no-pool', question: 'Does the pooling layer help?' },
  { a: 'cnn', b: 'fcnn-matched', question: 'Does a CNN beat an FCNN with as many parameters?' },
  { a: 'cnn-matched', b: 'fcnn', question: 'Does a CNN with as few parameters as the FCNN beat it?' },
];

/** Orders experiment names: the default study order first, then the rest alphabetically. */
export function compareExperiments(x: string, y: string): number {
  const order: readonly string[] = DEFAULT_EXPERIMENTS;
  const ix = order.indexOf(x);
  const iy = order.indexOf(y);
  if (ix >= 0 && iy >= 0) return ix - iy;
  if (ix >= 0) return -1;
  if (iy >= 0) return 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The seed that stands for its experiment wherever one seed must: the report's illustrative figures, the
 * single seed a seed ensemble is tested against, and `report --all-pairs`. The lowest present (seed 1 in a
 * full study). Throws a RangeError for no seeds.
 */
export function representativeSeed(seeds: readonly number[]): number {
  if (seeds.length === 0) throw new RangeError('representativeSeed: no seeds');
  return Math.min(...seeds);
}
