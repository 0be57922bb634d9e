// One run of a study as both executors carry it, whole: the experiment, the seed and the study's training
// settings that apply to it (flag-spec.ts). The local executor turns it into a `train` child's argv, the queue
// puts it in a job and its worker turns it into the same argv with the same function.
import type { Experiment } from '../../models/zoo.ts';
import { resolveTraining } from '../options.ts';
import { FLAG_ROWS, inScope, settingsArgs, type TrainingSettings } from './flag-spec.ts';

export interface RunSpec {
  experiment: string;
  seed: number;
  /**
   * The settings this run trains with: every training setting `run` was given (the engine's --backend,
   * --allow-software-gpu and --threads included) except those that change nothing for this experiment,
   * which `train` would refuse. A machine's own thread count may replace `threads` (runArgs).
   */
  settings: TrainingSettings;
}

/** The study's settings that apply to experiment `e` (flag-spec.ts's scopes): a flag that changes nothing for it is left out. */
export function applicableSettings(e: Experiment, study: TrainingSettings): TrainingSettings {
  const augments = e.augment || study.augment === true;
  let optimizer: string;
  try {
    optimizer = resolveTraining(e, { preset: study.preset, optimizer: study.optimizer }).optimizer;
  } catch {
    optimizer = 'adamw'; // a bad --preset or --optimizer: keep every flag, the worker says what is wrong
  }
  const context = { trains: e.capabilities.acceptsTrainingFlags, augments, optimizer };
  const kept: Record<string, unknown> = {};
  for (const row of FLAG_ROWS) {
    const value: unknown = study[row.key];
    if (value !== undefined && inScope(row.scope, context)) kept[row.key] = value;
  }
  return kept as TrainingSettings;
}

/** The spec of one run of experiment `e`. */
export function runSpecOf(e: Experiment, seed: number, study: TrainingSettings): RunSpec {
  return { experiment: e.name, seed, settings: applicableSettings(e, study) };
}

/**
 * `train <experiment> --seed N` and the spec's settings as arguments (without the data, --out and progress flags,
 * which are the machine's); `threads` given replaces the spec's (a queue worker's own count).
 */
export function runArgs(spec: RunSpec, threads?: readonly string[]): string[] {
  const settings = threads === undefined ? spec.settings : { ...spec.settings, threads: undefined };
  return ['train', spec.experiment, '--seed', String(spec.seed), ...settingsArgs(settings), ...(threads ?? [])];
}
