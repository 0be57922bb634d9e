// `kmnist-lab run`: the study — experiments x seeds as parallel worker processes, then the statistics.
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { addDataOptions, resolveDataOptions, type DataOptions } from '../data/cli-options.ts';
import {
  ALLOW_SOFTWARE_GPU_HELP,
  ALLOW_SOFTWARE_GPU_OPTION,
  BACKEND_CHOICES,
  checkAllowSoftwareGpuApplies,
  checkThreadsApply,
  defaultJobs,
  MAX_THREADS,
  RUNS_PER_GPU,
  threadsPerJob,
  type BackendChoice,
} from '../engine/backend.ts';
import { getExperiment } from '../models/zoo.ts';
import { DEFAULT_EXPERIMENTS } from '../study/experiments.ts';
import { plainDisplay, ttyDisplay, type ProgressDisplay } from '../study/progress.ts';
import { localExecutor } from '../study/executors/local/local-executor.ts';
import { parseQueueUrl } from '../study/executors/queue/connection.ts';
import { queueExecutor } from '../study/executors/queue/queue-executor.ts';
import { runStudy } from '../study/run-study.ts';
import { stopSignals } from './stop-signals.ts';
import { folderFlag, intFlag, oneOfFlag, threadsFlag } from './flags.ts';
import { renderSummaryMarkdown } from '../study/summary-md.ts';

interface RunFlags extends DataOptions {
  experiments: string;
  seeds: string;
  jobs?: string;
  epochs?: string;
  /** Undefined when neither --resume nor --no-resume is given: resume. */
  resume?: boolean;
  out: string;
  backend?: string;
  allowSoftwareGpu?: boolean;
  threads?: string;
  queue?: string;
}

function parseExperiments(value: string): string[] {
  const names = [...new Set(value.split(',').map((s) => s.trim()).filter((s) => s.length > 0))];
  if (names.length === 0) throw new UserError('--experiments: give at least one experiment name');
  for (const name of names) {
    try {
      getExperiment(name);
    } catch (err) {
      throw new UserError(`--experiments: ${(err as Error).message}`);
    }
  }
  return names;
}

async function action(flags: RunFlags): Promise<void> {
  const data = resolveDataOptions(flags);
  const runsRoot = folderFlag('--out', flags.out);
  const experiments = parseExperiments(flags.experiments);
  const seedCount = intFlag('--seeds', flags.seeds);
  const backend = flags.backend === undefined ? undefined : oneOfFlag<BackendChoice>('--backend', flags.backend, BACKEND_CHOICES);
  const jobsDefault = flags.jobs === undefined ? await defaultJobs(backend ?? 'auto') : undefined;
  const jobs = jobsDefault?.jobs ?? intFlag('--jobs', flags.jobs ?? '');
  const epochs = flags.epochs === undefined ? undefined : intFlag('--epochs', flags.epochs);
  checkThreadsApply(backend ?? 'auto', flags.threads !== undefined);
  checkAllowSoftwareGpuApplies(backend ?? 'auto', flags.allowSoftwareGpu === true);
  const threads = flags.threads === undefined ? threadsPerJob(jobs) : threadsFlag(flags.threads);
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const local = localExecutor({ jobs, threads, allowSoftwareGpu: flags.allowSoftwareGpu, ...(jobsDefault ? { jobsNote: jobsDefault.why } : {}) });
  const executor = flags.queue === undefined ? local : queueExecutor({ address: parseQueueUrl(flags.queue), out: flags.out });

  // First Ctrl-C: local workers checkpoint (queued runs leave the queue); a second signal kills them.
  let display: ProgressDisplay | null = null;
  const stop = stopSignals(() =>
    (display as ProgressDisplay | null)?.log(
      executor === local ? 'interrupted: letting running workers checkpoint (Ctrl-C again to kill them)...' : 'interrupted: removing the queued runs from the queue...',
    ),
  );
  let result;
  try {
    result = await runStudy(
      {
        dataset: data.dataset,
        dataDir: data.dataDir,
        experiments,
        seeds,
        runsRoot,
        resume: flags.resume ?? true,
        epochs,
        backend,
        executor,
        // No --data-dir: the study's own data folder, downloaded when missing.
        downloadIfMissing: flags.dataDir === undefined,
      },
      {
        onPlan(plan) {
          const resuming = plan.toRun.filter((j) => j.resume).length;
          process.stderr.write(
            `${experiments.length} experiments x ${seeds.length} seeds: ${plan.complete.length} complete (skipped), ` +
              `${resuming} to resume, ${plan.toRun.length - resuming} to start; ${executor.describe(plan.toRun.length)}\n`,
          );
          if (plan.toRun.length > 0) display = process.stderr.isTTY ? ttyDisplay(plan.toRun.length) : plainDisplay(plan.toRun.length);
        },
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
        onLog: (line) => process.stderr.write(`${line}\n`),
        onEvent: (e) => display?.onEvent(e),
        signal: stop.graceful,
        forceSignal: stop.force,
      },
    );
  } finally {
    (display as ProgressDisplay | null)?.stop();
    stop.dispose();
  }

  if (result.summary && result.summaryPaths) {
    process.stdout.write(renderSummaryMarkdown(result.summary));
    process.stderr.write(`summary written to ${result.summaryPaths.md} and ${result.summaryPaths.json}\n`);
  }
  for (const o of result.outcomes) for (const w of o.warnings ?? []) process.stderr.write(`warning: ${o.job.experiment} seed ${o.job.seed}: ${w}\n`);
  const failed = result.outcomes.filter((o) => o.status === 'failed');
  const stopped = result.outcomes.filter((o) => o.status === 'interrupted' || o.status === 'not-started');
  if (failed.length > 0) {
    process.stderr.write(`${failed.length} run(s) failed:\n`);
    for (const o of failed) {
      const said = o.lastError ? ` (${o.lastError})` : '';
      process.stderr.write(`  ${o.job.experiment} seed ${o.job.seed}: ${o.reason ?? 'failed'}${said}; log: ${o.logPath}\n`);
    }
  }
  if (stop.graceful.aborted) {
    throw new UserError(`interrupted: ${stopped.length} run(s) unfinished; run the same command again to resume them`, 130);
  }
  if (failed.length > 0) {
    throw new UserError(`${failed.length} of ${result.outcomes.length} run(s) failed (see the logs above); re-run to retry them, with --no-resume to restart interrupted runs from scratch`);
  }
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('Run the study: every experiment x seed as a parallel worker, then statistics in runs/<dataset>/summary.{json,md}')
    .option('--experiments <list>', 'comma-separated experiment names', DEFAULT_EXPERIMENTS.join(','))
    .option('--seeds <n>', 'number of seeds per experiment (seeds 1..n)', '3')
    .option('--jobs <n>', `runs in parallel (worker processes; default: one per core, ${RUNS_PER_GPU} on a GPU)`)
    .option('--epochs <n>', 'epoch cap passed to every run (default: each preset\'s own)')
    .option('--resume', 'resume interrupted runs from their checkpoint (the default)')
    .option('--no-resume', 'restart interrupted runs from scratch instead of resuming them (complete runs are always kept)')
    .option('--out <dir>', 'runs root folder', 'runs')
    .option('--backend <name>', `TF.js backend for the workers (${BACKEND_CHOICES.join(', ')}; default auto)`)
    .option(ALLOW_SOFTWARE_GPU_OPTION, ALLOW_SOFTWARE_GPU_HELP)
    .option('--threads <n>', `wasm threads per worker, 1-${MAX_THREADS} (default: the cores divided among the jobs)`)
    .option('--queue <url>', 'redis://HOST:PORT[/DB]: queue the runs for `kmnist-lab worker` processes on any machine sharing --out, instead of running them here');
  addDataOptions(cmd).action(action);
}
