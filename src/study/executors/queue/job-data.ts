// The contract between `run --queue` (producer) and `kmnist-lab worker` (consumer): the queue's name,
// one job per run with everything a worker on another machine needs, and what comes back.
import type { DatasetName } from '../../../data/types.ts';
import { getExperiment } from '../../../models/zoo.ts';
import { resolveTraining, type ResolvedTraining } from '../../../training/options.ts';
import { trainFlagsOf } from '../../../training/settings/flag-spec.ts';
import type { RunSpec } from '../../../training/settings/run-spec.ts';
import type { EpochProgress } from '../../scheduler.ts';

/** One study per Redis database: the BullMQ queue every `run --queue` and `worker` use. */
export const QUEUE_NAME = 'kmnist-lab';

/** A failing run is tried this many times in all (BullMQ `attempts`), then reported failed. */
export const JOB_ATTEMPTS = 3;

/** A run whose worker is lost this many times is failed rather than handed out again (BullMQ `maxStalledCount`). */
export const MAX_STALLED = 3;

export interface QueueJobData {
  dataset: DatasetName;
  /**
   * The run, carried whole as the local executor carries it (training/settings/run-spec.ts): experiment, seed and
   * the study's settings that apply to it, --backend and --allow-software-gpu included; the worker's own --threads
   * replaces the study's.
   */
  spec: RunSpec;
  /** `run --no-resume`: the job's first attempt starts an unfinished run folder over. */
  restart: boolean;
  /** The run's fully resolved training settings: a worker that resolves them differently refuses the job. */
  training: ResolvedTraining;
  /** md5 of each dataset file the study read: a worker whose files differ refuses the job. */
  datasetMd5: Record<string, string>;
}

/** A completed job's return value. */
export interface QueueJobResult {
  testAccuracy?: number;
  /** Wall time of the attempt that finished it. */
  seconds: number;
  /** The worker that finished it (host:pid). */
  worker: string;
}

/** What a job reports through `job.updateProgress` once per epoch. */
export type QueueJobProgress = EpochProgress;

/** BullMQ job ids may not contain ':'; this one names the run, so re-planning finds the same job. */
export function jobIdOf(dataset: string, experiment: string, seed: number): string {
  return `${dataset}/${experiment}/seed-${seed}`;
}

/** The training settings `train` with this spec resolves to (throws a UserError for bad ones). */
export function resolvedTrainingOf(spec: RunSpec): ResolvedTraining {
  return resolveTraining(getExperiment(spec.experiment), trainFlagsOf(spec.settings));
}

export function isEpochProgress(v: unknown): v is QueueJobProgress {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Record<string, unknown>;
  return typeof p.epoch === 'number' && typeof p.epochs === 'number';
}
