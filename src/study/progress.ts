// The study's aggregate progress: runs done / running / queued and an ETA, as one cli-progress bar
// on a terminal or as plain lines otherwise (logs, CI, pipes).
import cliProgress from 'cli-progress';
import type { RunJob, SchedulerEvent } from './scheduler.ts';

const key = (job: RunJob): string => `${job.experiment}/seed-${job.seed}`;

/** Counts and the work fraction of running runs (epoch / epochs), from scheduler events. */
export class StudyTracker {
  done = 0;
  failed = 0;
  /** Interrupted or never started after a stop. */
  stopped = 0;
  private readonly running = new Map<string, number>();
  private readonly startedAt: number;

  constructor(
    readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  update(e: SchedulerEvent): void {
    if (e.type === 'start') this.running.set(key(e.job), 0);
    else if (e.type === 'epoch') this.running.set(key(e.job), Math.min(1, e.progress.epoch / Math.max(1, e.progress.epochs)));
    else {
      this.running.delete(key(e.outcome.job));
      if (e.outcome.status === 'done') this.done++;
      else if (e.outcome.status === 'failed') this.failed++;
      else this.stopped++;
    }
  }

  get runningCount(): number {
    return this.running.size;
  }

  get queued(): number {
    return Math.max(0, this.total - this.done - this.failed - this.stopped - this.running.size);
  }

  /** Finished runs plus the finished fraction of the running ones. */
  get workDone(): number {
    let w = this.done + this.failed;
    for (const f of this.running.values()) w += f;
    return w;
  }

  /** Seconds left at the rate so far; null until some work is done. */
  etaSeconds(): number | null {
    const w = this.workDone;
    if (w <= 0) return null;
    const elapsed = (this.now() - this.startedAt) / 1000;
    return (elapsed / w) * (this.total - w);
  }

  line(): string {
    const eta = this.etaSeconds();
    const failed = (this.failed > 0 ? `, ${this.failed} failed` : '') + (this.stopped > 0 ? `, ${this.stopped} stopped` : '');
    return `${this.done}/${this.total} done${failed}, ${this.runningCount} running, ${this.queued} queued, ETA ${eta === null ? '?' : formatDuration(eta)}`;
  }
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

export interface ProgressDisplay {
  onEvent(e: SchedulerEvent): void;
  /** Prints a message without breaking the bar. */
  log(message: string): void;
  stop(): void;
}

function describeEnd(e: Extract<SchedulerEvent, { type: 'end' }>): string {
  const o = e.outcome;
  const name = key(o.job);
  if (o.status === 'done') {
    const acc = o.testAccuracy === undefined ? '' : `, test accuracy ${o.testAccuracy.toFixed(4)}`;
    return `done    ${name} in ${formatDuration(o.seconds)}${acc}`;
  }
  if (o.status === 'failed') return `FAILED  ${name}: ${o.reason ?? 'unknown'} (log: ${o.logPath})`;
  return `stopped ${name}: ${o.reason ?? ''}`;
}

/** Plain lines: one per run start and end, each with the aggregate counts. */
export function plainDisplay(total: number, write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): ProgressDisplay {
  const t = new StudyTracker(total);
  return {
    onEvent(e) {
      t.update(e);
      if (e.type === 'start') write(`start   ${key(e.job)}${e.job.resume ? ' (resuming)' : ''}  [${t.line()}]`);
      else if (e.type === 'end') write(`${describeEnd(e)}  [${t.line()}]`);
    },
    log: write,
    stop() {},
  };
}

/** One bar on a terminal, redrawn on every event and every second (for the ETA). */
export function ttyDisplay(total: number): ProgressDisplay {
  const t = new StudyTracker(total);
  const multi = new cliProgress.MultiBar(
    { format: 'study |{bar}| {status} | {last}', hideCursor: true, clearOnComplete: false, stopOnComplete: false, barsize: 30 },
    cliProgress.Presets.shades_classic,
  );
  let last = '';
  const bar = multi.create(total, 0, { status: t.line(), last });
  const refresh = (): void => bar.update(t.workDone, { status: t.line(), last });
  const timer = setInterval(refresh, 1000);
  timer.unref();
  return {
    onEvent(e) {
      t.update(e);
      if (e.type === 'epoch') {
        const acc = e.progress.valAcc === undefined ? '' : ` val_acc ${e.progress.valAcc.toFixed(3)}`;
        last = `${key(e.job)} epoch ${e.progress.epoch}/${e.progress.epochs}${acc}`;
      } else if (e.type === 'end') {
        multi.log(`${describeEnd(e)}\n`);
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
    },
  };
}
