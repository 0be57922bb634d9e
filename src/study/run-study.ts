// The study end to end: check the data, plan (skip complete runs, resume interrupted ones), run the
// workers, then summarize everything under runs/<dataset>/.
import { join, resolve } from 'node:path';
import { loadDataset } from '../data/load.ts';
import { loadOrDownload } from '../data/ensure-data.ts';
import type { DatasetName } from '../data/types.ts';
import { planRuns, runJobs, type Plan, type RunOutcome, type SchedulerEvent, type WorkerFactory } from './scheduler.ts';
import { checkCompleteRuns } from './consistency.ts';
import { summarize, writeSummary, type Summary } from './summary.ts';
import { trainWorker } from './worker.ts';

export interface StudyOptions {
  dataset: DatasetName;
  dataDir: string;
  experiments: readonly string[];
  seeds: readonly number[];
  jobs: number;
  runsRoot: string;
  resume: boolean;
  epochs?: number;
  backend?: string;
  /** wasm threads per worker, fixed; or coresShare: */
  threads?: number;
  /** Threads per worker when n run at once, growing as the last runs free cores (the scheduler's coresShare). */
  coresShare?: (concurrent: number) => number;
  /** More `train` flags for an experiment's workers (--batch-size, --lr, ...: see commands/training-flags.ts). */
  trainArgsFor?: (experiment: string) => readonly string[];
  /** webgpu: let workers take a software adapter (tests). */
  allowSoftwareGpu?: boolean;
  /** Download the dataset into dataDir when it is missing there (`run` without --data-dir). */
  downloadIfMissing?: boolean;
  /** Defaults to the real `kmnist-lab train` worker. */
  worker?: WorkerFactory;
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
  // Fails at once (UserError with the download / --data-dir hint) before any worker is spawned.
  const data = o.downloadIfMissing
    ? await loadOrDownload(o.dataset, o.dataDir, hooks.onLog ?? (() => {}))
    : await loadDataset({ dataset: o.dataset, dataDir: o.dataDir });
  const runsRoot = resolve(o.runsRoot);
  const plan = planRuns({ runsRoot, dataset: o.dataset, experiments: o.experiments, seeds: o.seeds, resume: o.resume });
  for (const w of await checkCompleteRuns(plan.complete, data, o.epochs)) hooks.onWarning?.(w);
  hooks.onPlan?.(plan);
  const worker =
    o.worker ??
    trainWorker({
      dataset: o.dataset,
      dataDir: resolve(o.dataDir),
      runsRoot,
      epochs: o.epochs,
      backend: o.backend,
      threads: o.threads,
      trainArgsFor: o.trainArgsFor,
      allowSoftwareGpu: o.allowSoftwareGpu,
    });
  const outcomes = await runJobs(plan.toRun, {
    jobs: o.jobs,
    worker,
    coresShare: o.coresShare,
    onEvent: hooks.onEvent,
    signal: hooks.signal,
    forceSignal: hooks.forceSignal,
  });
  const anyComplete = plan.complete.length > 0 || outcomes.some((r) => r.status === 'done');
  if (!anyComplete) return { plan, outcomes, summary: null, summaryPaths: null };
  const summary = await summarize(join(runsRoot, o.dataset));
  const summaryPaths = await writeSummary(summary);
  return { plan, outcomes, summary, summaryPaths };
}
