// `kmnist-lab run`: the study — experiments x seeds as parallel worker processes, then the statistics.
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { addDataOptions, resolveDataOptions, type DataOptions } from './data-options.ts';
import { checkAllowSoftwareGpuApplies, checkThreadsApply, RUNS_PER_GPU, threadsFromEnv, threadsPerJob } from '../engine/threads.ts';
import { DEFAULT_EXPERIMENTS } from '../study/experiments.ts';
import type { Experiment } from '../models/zoo.ts';
import type { ProgressDisplay } from '../study/progress.ts';
import type { RunJob } from '../study/scheduler.ts';
import { resolveTraining } from '../training/options.ts';
import { addTrainingOptions, trainFlagsOf, trainingSettingsOf, type TrainingSettings } from '../training/settings/flag-spec.ts';
import { applicableSettings } from '../training/settings/run-spec.ts';
import { stopSignals } from './stop-signals.ts';
import { folderFlag, intFlag } from './flags.ts';

interface RunFlags extends DataOptions, TrainingSettings {
  experiments: string;
  seeds: string;
  jobs?: string;
  /** Undefined when neither --resume nor --no-resume is given: resume. */
  resume?: boolean;
  out: string;
  queue?: string;
  compare?: string;
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

/** The most epochs a run trains (for the ETA): --epochs, else its preset's; 0 for an experiment that does not train. */
function plannedEpochs(e: Experiment, flags: TrainingSettings): number | undefined {
  if (!e.capabilities.trainsByGradientDescent) return 0;
  try {
    return resolveTraining(e, trainFlagsOf(applicableSettings(e, flags))).epochs;
  } catch {
    return undefined; // a bad flag combination: the worker says so
  }
}

async function action(flags: RunFlags): Promise<void> {
  const data = resolveDataOptions(flags);
  const runsRoot = folderFlag('--out', flags.out);
  const { EXPERIMENTS, getExperiment } = await import('../models/zoo.ts'); // TF.js
  const experiments = parseExperiments(flags.experiments, getExperiment);
  const { parseComparePairs } = await import('../study/study-pairs.ts');
  const comparePairs = flags.compare === undefined ? [] : parseComparePairs(flags.compare, experiments, Object.keys(EXPERIMENTS));
  // Loaded here, not at start-up, so `--help` and the other commands stay fast.
  const [{ runStudy }, { plainDisplay, ttyDisplay }, { renderSummaryMarkdown }, { localExecutor }, { parseQueueUrl }, { queueExecutor }] = await Promise.all([
    import('../study/run-study.ts'),
    import('../study/progress.ts'),
    import('../study/summary-md.ts'),
    import('../study/executors/local/local-executor.ts'),
    import('../study/executors/queue/address.ts'),
    import('../study/executors/queue/queue-executor.ts'),
  ]);
  const seedCount = intFlag('--seeds', flags.seeds);
  const backend = flags.backend;
  const { defaultJobs } = await import('../engine/backend.ts'); // probes for a GPU
  const jobsDefault = flags.jobs === undefined ? await defaultJobs(backend ?? 'auto') : undefined;
  const jobs = jobsDefault?.jobs ?? intFlag('--jobs', flags.jobs ?? '');
  checkThreadsApply(backend ?? 'auto', flags.threads !== undefined);
  checkAllowSoftwareGpuApplies(backend ?? 'auto', flags.allowSoftwareGpu === true);
  // --threads or $KMNIST_LAB_WASM_THREADS fix the threads per worker; otherwise each run gets its share of
  // the cores, and the last runs get the cores that finished ones free.
  const fixedThreads = flags.threads ?? threadsFromEnv();
  const coresShare = fixedThreads === undefined ? threadsPerJob : undefined;
  const epochsOf = (job: RunJob): number | undefined => plannedEpochs(getExperiment(job.experiment), flags);
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const local = localExecutor({
    jobs,
    threads: fixedThreads,
    coresShare,
    ...(jobsDefault ? { jobsNote: jobsDefault.why } : {}),
  });
  const executor = flags.queue === undefined ? local : queueExecutor({ address: parseQueueUrl(flags.queue), out: flags.out, dataDir: data.dataDir });

  // First Ctrl-C: local workers checkpoint (queued runs leave the queue); a second signal kills them.
  let display: ProgressDisplay | null = null;
  const stop = stopSignals({
    onFirst: () =>
      (display as ProgressDisplay | null)?.log(
        executor === local ? 'interrupted: letting running workers checkpoint (Ctrl-C again to kill them)...' : 'interrupted: removing the queued runs from the queue...',
      ),
    leftBehind:
      executor === local
        ? `unfinished runs keep their last checkpoint in ${runsRoot}; the same command resumes them`
        : `runs the workers were training keep their last checkpoint in ${runsRoot}; the same command resumes the study (queued runs Redis did not remove stay queued)`,
  });
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
        settings: trainingSettingsOf(flags),
        executor,
        comparePairs,
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
          const live = process.stdout.isTTY && process.stderr.isTTY; // else plain lines, one per event (logs, CI, pipes)
          if (plan.toRun.length === 0) process.stderr.write(`study finished: all ${plan.complete.length} runs were already complete\n`);
          else display = (live ? ttyDisplay : plainDisplay)(plan.toRun, { jobs, epochsOf });
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
    .option('--resume', 'resume interrupted runs from their checkpoint (the default)')
    .option('--no-resume', 'restart interrupted runs from scratch instead of resuming them (complete runs are always kept)')
    .option('--out <dir>', 'runs root folder', 'runs')
    .option('--compare <pairs>', "a:b,c:d: more pairs of this study's experiments to compare (McNemar), kept with the study for `report`")
    .option('--queue <url>', 'redis://HOST:PORT[/DB]: queue the runs for `kmnist-lab worker` processes on any machine sharing --out, instead of running them here');
  addDataOptions(addTrainingOptions(cmd)).action(action);
}
