// `kmnist-lab run`: the study — experiments x seeds as parallel worker processes, then the statistics.
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { addDataOptions, resolveDataOptions, type DataOptions } from '../data/cli-options.ts';
import { checkThreadsApply, RUNS_PER_GPU, threadsPerJob } from '../engine/threads.ts';
import { DEFAULT_EXPERIMENTS } from '../study/experiments.ts';
import type { Experiment } from '../models/zoo.ts';
import type { ProgressDisplay } from '../study/progress.ts';
import { intFlag } from './flags.ts';
import { addTrainingOptions, trainingArgs, type TrainingCliFlags } from './training-flags.ts';

interface RunFlags extends DataOptions, TrainingCliFlags {
  experiments: string;
  seeds: string;
  jobs?: string;
  /** Undefined when neither --resume nor --no-resume is given: resume. */
  resume?: boolean;
  out: string;
}

function parseExperiments(value: string, getExperiment: (name: string) => Experiment): string[] {
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

/**
 * The training flags for one experiment's workers (--epochs, --backend, --allow-software-gpu and --threads travel
 * separately). A flag
 * that changes nothing for it is left out, as `train` refuses those: all of them for the nearest-neighbour
 * baseline, the augmentation ranges for an experiment that does not augment (unless --augment is given).
 */
function workerTrainingArgs(e: Experiment, flags: TrainingCliFlags): string[] {
  if (e.kind === 'knn') return [];
  const augments = e.augment || flags.augment === true;
  const perExperiment = augments ? {} : { augmentFactor: undefined, shear: undefined };
  return trainingArgs({ ...flags, epochs: undefined, backend: undefined, allowSoftwareGpu: undefined, threads: undefined, ...perExperiment });
}

async function action(flags: RunFlags): Promise<void> {
  const data = resolveDataOptions(flags);
  const { getExperiment } = await import('../models/zoo.ts'); // TF.js
  const experiments = parseExperiments(flags.experiments, getExperiment);
  // Loaded here, not at start-up, so `--help` and the other commands stay fast.
  const [{ runStudy }, { plainDisplay, ttyDisplay }, { renderSummaryMarkdown }] = await Promise.all([
    import('../study/run-study.ts'),
    import('../study/progress.ts'),
    import('../study/summary-md.ts'),
  ]);
  const seedCount = intFlag('--seeds', flags.seeds);
  const backend = flags.backend;
  const { defaultJobs } = await import('../engine/backend.ts'); // probes for a GPU
  const jobsDefault = flags.jobs === undefined ? await defaultJobs(backend ?? 'auto') : undefined;
  const jobs = jobsDefault?.jobs ?? intFlag('--jobs', flags.jobs ?? '');
  const epochs = flags.epochs;
  checkThreadsApply(backend ?? 'auto', flags.threads !== undefined);
  const threads = flags.threads ?? threadsPerJob(jobs);
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);

  // First Ctrl-C (or SIGTERM/SIGHUP, so workers are never orphaned): workers get SIGINT once and
  // checkpoint; a second signal kills them.
  const graceful = new AbortController();
  const force = new AbortController();
  let display: ProgressDisplay | null = null;
  const onSigint = (): void => {
    if (!graceful.signal.aborted) {
      display?.log('interrupted: letting running workers checkpoint (Ctrl-C again to kill them)...');
      graceful.abort();
    } else {
      force.abort();
    }
  };
  const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of stopSignals) process.on(sig, onSigint);
  let result;
  try {
    result = await runStudy(
      {
        dataset: data.dataset,
        dataDir: data.dataDir,
        experiments,
        seeds,
        jobs,
        runsRoot: flags.out,
        resume: flags.resume ?? true,
        epochs,
        backend,
        allowSoftwareGpu: flags.allowSoftwareGpu,
        threads,
        trainArgsFor: (name) => workerTrainingArgs(getExperiment(name), flags),
        // No --data-dir: the study's own data folder, downloaded when missing.
        downloadIfMissing: flags.dataDir === undefined,
      },
      {
        onPlan(plan) {
          const resuming = plan.toRun.filter((j) => j.resume).length;
          process.stderr.write(
            `${experiments.length} experiments x ${seeds.length} seeds: ${plan.complete.length} complete (skipped), ` +
              `${resuming} to resume, ${plan.toRun.length - resuming} to start; ${Math.min(jobs, Math.max(1, plan.toRun.length))} at a time${jobsDefault ? ` (${jobsDefault.why})` : ''}, ${threads} thread(s) each\n`,
          );
          if (plan.toRun.length > 0) display = process.stderr.isTTY ? ttyDisplay(plan.toRun.length) : plainDisplay(plan.toRun.length);
        },
        onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
        onLog: (line) => process.stderr.write(`${line}\n`),
        onEvent: (e) => display?.onEvent(e),
        signal: graceful.signal,
        forceSignal: force.signal,
      },
    );
  } finally {
    (display as ProgressDisplay | null)?.stop();
    for (const sig of stopSignals) process.off(sig, onSigint);
  }

  if (result.summary && result.summaryPaths) {
    process.stdout.write(renderSummaryMarkdown(result.summary));
    process.stderr.write(`summary written to ${result.summaryPaths.md} and ${result.summaryPaths.json}\n`);
  }
  const failed = result.outcomes.filter((o) => o.status === 'failed');
  const stopped = result.outcomes.filter((o) => o.status === 'interrupted' || o.status === 'not-started');
  if (failed.length > 0) {
    process.stderr.write(`${failed.length} run(s) failed:\n`);
    for (const o of failed) {
      const said = o.lastError ? ` (${o.lastError})` : '';
      process.stderr.write(`  ${o.job.experiment} seed ${o.job.seed}: ${o.reason ?? 'failed'}${said}; log: ${o.logPath}\n`);
    }
  }
  if (graceful.signal.aborted) {
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
    .option('--resume', 'resume interrupted runs from their checkpoint (the default)')
    .option('--no-resume', 'restart interrupted runs from scratch instead of resuming them (complete runs are always kept)')
    .option('--out <dir>', 'runs root folder', 'runs');
  addDataOptions(addTrainingOptions(cmd)).action(action);
}
