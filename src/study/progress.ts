// The study's progress, from scheduler events: one line per running worker (epoch, batch bar, loss,
// accuracy, img/s) and a study line (runs done, elapsed, ETA), redrawn in place on a terminal
// (cli-progress) or as plain lines, one per event, otherwise (logs, CI, pipes). Both end with a
// summary line, whatever happened.
import cliProgress from 'cli-progress';
import type { RunJob, RunOutcome, SchedulerEvent } from './scheduler.ts';

export const runKey = (job: RunJob): string => `${job.experiment}/seed-${job.seed}`;

export interface StudyTrackerOptions {
  /** Runs at a time (the scheduler's --jobs): the ETA divides the remaining work among them. */
  jobs?: number;
  /** Epochs a run will train at most (its preset or --epochs); undefined = learnt from its events. */
  epochsOf?: (job: RunJob) => number | undefined;
  now?: () => number;
}

/** What the tracker knows of one running run. */
export interface RunState {
  job: RunJob;
  /** Epochs done, fractional (2.5 = half-way through epoch 3), and the epoch cap. */
  done: number;
  epochs?: number;
  epoch?: number;
  batch?: number;
  batches?: number;
  loss?: number;
  acc?: number;
  valAcc?: number;
  imgPerSec?: number;
  /** Time and epochs done at the first progress event: the speed is measured from there (start-up excluded). */
  from?: { at: number; done: number };
  last?: { at: number; done: number };
}

/**
 * Counts, per-run state and the ETA. The ETA is measured throughput times remaining epochs: each
 * running run's seconds per epoch since its first batch, the same experiment's (or, failing that, any
 * run's) for the queued ones, the sum divided among `jobs` workers but never less than the slowest
 * running run needs. It is an upper bound when early stopping ends runs sooner.
 */
export class StudyTracker {
  done = 0;
  failed = 0;
  /** Interrupted or never started after a stop. */
  stopped = 0;
  readonly startedAt: number;
  private readonly running = new Map<string, RunState>();
  private readonly started = new Set<string>();
  private readonly secondsPerEpoch = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    readonly jobs: readonly RunJob[],
    private readonly options: StudyTrackerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  get total(): number {
    return this.jobs.length;
  }

  update(e: SchedulerEvent): void {
    const now = this.now();
    if (e.type === 'start') {
      this.started.add(runKey(e.job));
      this.running.set(runKey(e.job), { job: e.job, done: 0, epochs: this.options.epochsOf?.(e.job) });
      return;
    }
    if (e.type === 'end') {
      this.finish(e.outcome);
      return;
    }
    const r = this.running.get(runKey(e.job));
    if (!r) return;
    r.epochs = e.progress.epochs;
    r.epoch = e.progress.epoch;
    if (e.type === 'batch') {
      const p = e.progress;
      Object.assign(r, { batch: p.batch, batches: p.batches, loss: p.loss, acc: p.acc, imgPerSec: p.imgPerSec });
      r.done = p.epoch - 1 + p.batch / Math.max(1, p.batches);
    } else {
      const p = e.progress;
      Object.assign(r, { batch: undefined, valAcc: p.valAcc, done: p.epoch });
      if (p.imgPerSec !== undefined) r.imgPerSec = p.imgPerSec;
    }
    r.from ??= { at: now, done: r.done };
    r.last = { at: now, done: r.done };
    const spe = speedOf(r);
    if (spe !== undefined) this.secondsPerEpoch.set(r.job.experiment, spe);
  }

  private finish(o: RunOutcome): void {
    this.started.add(runKey(o.job));
    this.running.delete(runKey(o.job));
    if (o.status === 'done') this.done++;
    else if (o.status === 'failed') this.failed++;
    else this.stopped++;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get queued(): number {
    return Math.max(0, this.total - this.done - this.failed - this.stopped - this.running.size);
  }

  /** The running runs, in start order. */
  runs(): readonly RunState[] {
    return [...this.running.values()];
  }

  elapsedSeconds(): number {
    return (this.now() - this.startedAt) / 1000;
  }

  /** Seconds left; null until a speed has been measured. Never 0 while a run is unfinished. */
  etaSeconds(): number | null {
    if (this.runningCount + this.queued === 0) return 0;
    const speeds = [...this.secondsPerEpoch.values()];
    if (speeds.length === 0) return null;
    const anySpeed = speeds.reduce((a, b) => a + b, 0) / speeds.length;
    const speedFor = (job: RunJob): number => this.secondsPerEpoch.get(job.experiment) ?? anySpeed;
    let work = 0;
    let slowest = 0;
    for (const r of this.running.values()) {
      const left = Math.max(0, (r.epochs ?? 0) - r.done) * (speedOf(r) ?? speedFor(r.job));
      work += left;
      slowest = Math.max(slowest, left);
    }
    for (const job of this.jobs) {
      if (this.started.has(runKey(job))) continue;
      work += (this.options.epochsOf?.(job) ?? 0) * speedFor(job);
    }
    const lanes = Math.max(1, Math.min(this.options.jobs ?? 1, this.runningCount + this.queued));
    return Math.max(1, slowest, work / lanes);
  }

  /** `3/27 runs done, 2 running, 22 queued, elapsed 4m10s, ETA 12m30s`. */
  line(): string {
    const eta = this.etaSeconds();
    const failed = (this.failed > 0 ? `, ${this.failed} failed` : '') + (this.stopped > 0 ? `, ${this.stopped} stopped` : '');
    return (
      `${this.done}/${this.total} runs done${failed}, ${this.runningCount} running, ${this.queued} queued, ` +
      `elapsed ${formatDuration(this.elapsedSeconds())}, ETA ${eta === null ? '?' : formatDuration(eta)}`
    );
  }

  /** The line printed last, whatever happened: `study finished: 27/27 runs done in 1h02m`. */
  summaryLine(): string {
    const unfinished = this.total - this.done;
    const how = this.failed + this.stopped === 0 && unfinished === 0 ? 'finished' : this.stopped > 0 ? 'stopped' : 'ended';
    const failed = (this.failed > 0 ? `, ${this.failed} failed` : '') + (this.stopped > 0 ? `, ${this.stopped} not finished (re-run to resume)` : '');
    return `study ${how}: ${this.done}/${this.total} runs done${failed} in ${formatDuration(this.elapsedSeconds())}`;
  }
}

/** Seconds per epoch measured on this run since its first progress event, if it has moved since. */
function speedOf(r: RunState): number | undefined {
  if (!r.from || !r.last) return undefined;
  const epochs = r.last.done - r.from.done;
  return epochs > 1e-6 ? (r.last.at - r.from.at) / 1000 / epochs : undefined;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

const fix = (x: number | undefined, digits = 4): string => (x === undefined ? '-' : x.toFixed(digits));

/** A text bar: `[#########-----------]`. */
export function textBar(fraction: number, width = 20): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** One running worker: `cnn/seed-1  epoch 3/30 [####------] 12/57  loss 0.4123  acc 0.8712  1234 img/s`. */
export function workerLine(r: RunState, nameWidth = 0): string {
  const name = runKey(r.job).padEnd(nameWidth);
  if (r.epoch === undefined) return `${name}  starting${r.job.resume ? ' (resuming)' : ''}...`;
  const epoch = `epoch ${r.epoch}/${r.epochs ?? '?'}`;
  const batches =
    r.batch !== undefined && r.batches !== undefined
      ? `${textBar(r.batch / r.batches)} ${String(r.batch).padStart(String(r.batches).length)}/${r.batches}`
      : `${textBar(1)} validated, val_acc ${fix(r.valAcc)}`;
  const speed = r.imgPerSec === undefined ? '' : `  ${Math.round(r.imgPerSec)} img/s`;
  return `${name}  ${epoch} ${batches}  loss ${fix(r.loss)}  acc ${fix(r.acc)}${speed}`;
}

export interface ProgressDisplay {
  onEvent(e: SchedulerEvent): void;
  /** Prints a message without breaking the live lines. */
  log(message: string): void;
  /** Stops redrawing and prints the summary line (always, also after a failure or Ctrl-C). */
  stop(): void;
}

function describeEnd(o: RunOutcome): string {
  const name = runKey(o.job);
  if (o.status === 'done') {
    const acc = o.testAccuracy === undefined ? '' : `, test accuracy ${o.testAccuracy.toFixed(4)}`;
    return `done    ${name} in ${formatDuration(o.seconds)}${acc}`;
  }
  if (o.status === 'failed') return `FAILED  ${name}: ${o.reason ?? 'unknown'} (log: ${o.logPath})`;
  return `stopped ${name}: ${o.reason ?? ''}`;
}

/** Plain lines, one per run start, finished epoch and run end, each with the study line. */
export function plainDisplay(
  jobs: readonly RunJob[],
  options: StudyTrackerOptions = {},
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): ProgressDisplay {
  const t = new StudyTracker(jobs, options);
  return {
    onEvent(e) {
      t.update(e);
      if (e.type === 'start') write(`start   ${runKey(e.job)}${e.job.resume ? ' (resuming)' : ''}  [${t.line()}]`);
      else if (e.type === 'end') write(`${describeEnd(e.outcome)}  [${t.line()}]`);
      else if (e.type === 'epoch') {
        const r = t.runs().find((s) => runKey(s.job) === runKey(e.job));
        const p = e.progress;
        const speed = p.imgPerSec === undefined ? '' : `  ${Math.round(p.imgPerSec)} img/s`;
        const train = r ? `  loss ${fix(r.loss)}  acc ${fix(r.acc)}` : '';
        write(`epoch   ${runKey(e.job)} ${p.epoch}/${p.epochs}${train}  val_loss ${fix(p.valLoss)}  val_acc ${fix(p.valAcc)}${speed}  [${t.line()}]`);
      }
    },
    log: write,
    stop() {
      write(t.summaryLine());
    },
  };
}

/** Live lines on a terminal: the study line, then one per running worker; redrawn every second. */
export function ttyDisplay(jobs: readonly RunJob[], options: StudyTrackerOptions = {}, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  const t = new StudyTracker(jobs, options);
  const multi = new cliProgress.MultiBar({ format: '{line}', hideCursor: true, clearOnComplete: false, stopOnComplete: false, stream, fps: 5 });
  const study = multi.create(1, 0, { line: '' });
  const bars = new Map<string, cliProgress.SingleBar>();
  const nameWidth = Math.max(0, ...jobs.map((j) => runKey(j).length));
  const refresh = (): void => {
    study.update(0, { line: `study  ${t.line()}` });
    for (const r of t.runs()) bars.get(runKey(r.job))?.update(0, { line: `  ${workerLine(r, nameWidth)}` });
  };
  const timer = setInterval(refresh, 1000);
  timer.unref();
  return {
    onEvent(e) {
      t.update(e);
      if (e.type === 'start') bars.set(runKey(e.job), multi.create(1, 0, { line: '' }));
      if (e.type === 'end') {
        const bar = bars.get(runKey(e.outcome.job));
        if (bar) multi.remove(bar);
        bars.delete(runKey(e.outcome.job));
        multi.log(`${describeEnd(e.outcome)}\n`);
      }
      refresh();
    },
    log(message) {
      multi.log(`${message}\n`);
    },
    stop() {
      clearInterval(timer);
      refresh();
      multi.stop();
      stream.write(`${t.summaryLine()}\n`);
    },
  };
}

