// The study end to end: check the data, plan (skip complete runs, resume interrupted ones), hand the
// plan to an executor (local worker processes or a Redis job queue), then summarize runs/<dataset>/.
import { join, resolve } from 'node:path';
import { loadDataset } from '../data/load.ts';
import type { Dataset } from '../data/types.ts';
import { lockFolder } from '../folder-lock.ts';
import { loadOrDownload } from '../data/ensure-data.ts';
import type { DatasetName } from '../data/types.ts';
import { EXPERIMENTS } from '../models/zoo.ts';
import type { TrainingSettings } from '../training/settings/flag-spec.ts';
import { planRuns, type Plan, type RunOutcome, type SchedulerEvent } from './scheduler.ts';
import { checkCompleteRuns } from './consistency.ts';
import type { Executor } from './executors/executor.ts';
import { summarize, type Summary } from './summary.ts';
import { writeSummary } from './summary-files.ts';
import { readFinishedRuns } from '../run-folder/read.ts';
import { addPairs, type AddedPair } from './study-pairs.ts';

export interface StudyOptions {
  dataset: DatasetName;
  dataDir: string;
  experiments: readonly string[];
  seeds: readonly number[];
  runsRoot: string;
  resume: boolean;
  /** `run`'s training settings (flag-spec.ts), handed to the executor whole. */
  settings: TrainingSettings;
  /** Download the dataset into dataDir when it is missing there (`run` without --data-dir). */
  downloadIfMissing?: boolean;
  /** Where the runs execute (executors/local or executors/queue). */
  executor: Executor;
  /** Pairs added with `run --compare`, kept in runs/<dataset>/comparisons.json (study-pairs.ts). */
  comparePairs?: readonly AddedPair[];
}

export interface StudyHooks {
  /** Called once the plan is known, before any worker starts. */
  onPlan?: (plan: Plan) => void;
  onWarning?: (message: string) => void;
  /** Progress lines of a download, when one is needed. */
  onLog?: (line: string) => void;
  onEvent?: (e: SchedulerEvent) => void;
  signal?: AbortSignal;
  forceSignal?: AbortSignal;
}

export interface StudyResult {
  plan: Plan;
  outcomes: RunOutcome[];
  /** Null when no run folder is complete yet. */
  summary: Summary | null;
  summaryPaths: { json: string; md: string } | null;
}

export async function runStudy(o: StudyOptions, hooks: StudyHooks = {}): Promise<StudyResult> {
  // Fails fast (an unreachable queue, a study already using it) before the data is read.
  await o.executor.open();
  try {
    return await planAndExecute(o, hooks);
  } finally {
    await o.executor.close();
  }
}

async function planAndExecute(o: StudyOptions, hooks: StudyHooks): Promise<StudyResult> {
  // Fails at once (UserError with the download / --data-dir hint) before any worker is spawned.
  const data = o.downloadIfMissing
    ? await loadOrDownload(o.dataset, o.dataDir, hooks.onLog ?? (() => {}))
    : await loadDataset({ dataset: o.dataset, dataDir: o.dataDir });
  const runsRoot = resolve(o.runsRoot);
  const lock = await lockFolder(join(runsRoot, o.dataset), { what: 'study folder' });
  try {
    return await runLocked(o, hooks, data, runsRoot);
  } finally {
    await lock.release();
  }
}

async function runLocked(o: StudyOptions, hooks: StudyHooks, data: Dataset, runsRoot: string): Promise<StudyResult> {
  // an experiment with no randomness (knn): one run stands for every seed
  const deterministic = o.experiments.filter((e) => EXPERIMENTS[e]?.capabilities.deterministic === true);
  const plan = planRuns({ runsRoot, dataset: o.dataset, experiments: o.experiments, seeds: o.seeds, resume: o.resume, deterministic });
  for (const w of await checkCompleteRuns(plan.complete, data, o.settings.epochs)) hooks.onWarning?.(w);
  if (o.comparePairs && o.comparePairs.length > 0) await addPairs(join(runsRoot, o.dataset), o.comparePairs);
  hooks.onPlan?.(plan);
  const context = { dataset: o.dataset, dataDir: resolve(o.dataDir), datasetMd5: data.fileMd5, runsRoot, settings: o.settings };
  const outcomes = await o.executor.execute(plan.toRun, context, {
    onEvent: hooks.onEvent,
    onLog: hooks.onLog,
    signal: hooks.signal,
    forceSignal: hooks.forceSignal,
  });
  const anyComplete = plan.complete.length > 0 || outcomes.some((r) => r.status === 'done');
  if (!anyComplete) return { plan, outcomes, summary: null, summaryPaths: null };
  const summary = await summarize(await readFinishedRuns(join(runsRoot, o.dataset)));
  const summaryPaths = await writeSummary(summary);
  return { plan, outcomes, summary, summaryPaths };
}
