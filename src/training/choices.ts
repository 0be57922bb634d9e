// The names `train`'s flags accept, apart from the modules that use them (optimizers.ts loads TF.js,
// progress.ts cli-progress), so that parsing flags and `--help` load neither.
import type { PresetName } from '../models/zoo.ts';

export const OPTIMIZERS = ['adam', 'adamw', 'adadelta', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export function isOptimizerName(name: string): name is OptimizerName {
  return (OPTIMIZERS as readonly string[]).includes(name);
}

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'json' | 'none';
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'bar', 'lines', 'json', 'none'];

/** The training protocols `--preset` names (options.ts defines each). */
export const PRESETS: readonly PresetName[] = ['default', 'seed', 'keras-benchmark', 'modern'];
