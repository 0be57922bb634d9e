// Where a study's runs execute: the one small interface behind which the local worker pool
// (executors/local) and the Redis job queue (executors/queue) sit. `runStudy` plans, an Executor
// runs the plan and reports the same SchedulerEvents either way, so the display and the summary
// never know which one ran.
import type { DatasetName } from '../../data/types.ts';
import type { TrainingSettings } from '../../training/settings/flag-spec.ts';
import type { RunJob, RunOutcome, SchedulerEvent } from '../scheduler.ts';

/** What every run of one study shares: the data it trains on and the flags `run` was given. */
export interface StudyContext {
  dataset: DatasetName;
  /** Absolute data folder on this machine. */
  dataDir: string;
  /** md5 of each dataset file read (Dataset.fileMd5): a queue worker refuses a job whose data differ. */
  datasetMd5: Readonly<Record<string, string>>;
  /** Absolute runs root (`--out`). */
  runsRoot: string;
  /** `run`'s training settings, all of them (flag-spec.ts); each run's RunSpec keeps those that apply to its experiment. */
  settings: TrainingSettings;
}

export interface ExecuteHooks {
  onEvent?: (e: SchedulerEvent) => void;
  /** A message for the user (a lost worker, a retried job). */
  onLog?: (line: string) => void;
  /** Graceful stop (first Ctrl-C). */
  signal?: AbortSignal;
  /** Hard stop (second Ctrl-C). */
  forceSignal?: AbortSignal;
}

export interface Executor {
  /** For the plan line, e.g. "2 at a time, 1 thread(s) each". */
  describe(runCount: number): string;
  /** Claims what it needs before the data is read or any run starts; fails fast with a UserError. */
  open(): Promise<void>;
  /** Runs the jobs; resolves with one outcome per job, in job order. Never throws for a failed run. */
  execute(jobs: readonly RunJob[], context: StudyContext, hooks: ExecuteHooks): Promise<RunOutcome[]>;
  /** Releases what open() claimed; safe to call after a failed open(). */
  close(): Promise<void>;
}
