// Training progress: a bar per epoch in a terminal, one line per epoch otherwise, or JSON lines
// (one object per line on stdout) for the study scheduler.
import cliProgress from 'cli-progress';

import { encodeWorkerLine, type EpochSummary } from '../protocol/train-worker.ts';
import type { ProgressMode } from './choices.ts';

export { PROGRESS_MODES, type ProgressMode } from './choices.ts';

export type { EpochSummary } from '../protocol/train-worker.ts';

export interface ProgressReporter {
  epochStart(epoch: number, epochs: number, batches: number): void;
  /** After each batch: batches done this epoch, running mean loss and accuracy, images seen this epoch. */
  batch(done: number, loss: number, acc: number, images: number): void;
  epochEnd(s: EpochSummary): void;
  done(testAccuracy: number, testLoss: number): void;
  /** A human-readable note (warnings, resume notices): stderr, so JSON stdout stays parseable. */
  note(text: string): void;
}

const fmt = (x: number, d = 4): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));

function epochLine(s: EpochSummary): string {
  return (
    `epoch ${s.epoch}/${s.epochs}  loss ${fmt(s.loss)}  acc ${fmt(s.acc)}  val_loss ${fmt(s.val_loss)}  ` +
    `val_acc ${fmt(s.val_acc)}  lr ${s.lr.toExponential(1)}  ${s.seconds.toFixed(1)}s  ${Math.round(s.imgPerSec)} img/s`
  );
}

const note = (text: string): void => {
  process.stderr.write(`${text}\n`);
};

class LineReporter implements ProgressReporter {
  epochStart(): void {}
  batch(): void {}
  epochEnd(s: EpochSummary): void {
    process.stdout.write(`${epochLine(s)}\n`);
  }
  done(testAccuracy: number, testLoss: number): void {
    process.stdout.write(`test accuracy ${fmt(testAccuracy)}  test loss ${fmt(testLoss)}\n`);
  }
  note = note;
}

/** Seconds between two {"type":"batch"} lines: live enough for a progress bar, small enough for the log. */
export const BATCH_EVENT_INTERVAL_S = 0.5;

/**
 * JSON lines on stdout for the study scheduler: {"type":"batch",...} (the first and last batch of each
 * epoch and at most one every BATCH_EVENT_INTERVAL_S between), {"type":"epoch",...} and {"type":"done",...}.
 */
class JsonReporter implements ProgressReporter {
  private epoch = 0;
  private epochs = 0;
  private batches = 0;
  private epochStarted = 0;
  private lastEmit = 0;
  epochStart(epoch: number, epochs: number, batches: number): void {
    Object.assign(this, { epoch, epochs, batches, epochStarted: performance.now(), lastEmit: 0 });
  }
  batch(done: number, loss: number, acc: number, images: number): void {
    const now = performance.now();
    if (done !== 1 && done !== this.batches && now - this.lastEmit < BATCH_EVENT_INTERVAL_S * 1000) return;
    this.lastEmit = now;
    const imgPerSec = images / Math.max(1e-3, (now - this.epochStarted) / 1000);
    const { epoch, epochs, batches } = this;
    process.stdout.write(encodeWorkerLine({ type: 'batch', epoch, epochs, batch: done, batches, loss, acc, imgPerSec }) + '\n');
  }
  epochEnd(s: EpochSummary): void {
    process.stdout.write(encodeWorkerLine({ type: 'epoch', ...s }) + '\n');
  }
  done(testAccuracy: number, testLoss: number): void {
    process.stdout.write(encodeWorkerLine({ type: 'done', testAccuracy, testLoss }) + '\n');
  }
  note = note;
}

class BarReporter implements ProgressReporter {
  private bar: cliProgress.SingleBar | null = null;
  epochStart(epoch: number, epochs: number, batches: number): void {
    this.bar = new cliProgress.SingleBar({
      format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches  ETA {eta_formatted}  loss {loss}  acc {acc}`,
      hideCursor: true,
      clearOnComplete: true,
    });
    this.bar.start(batches, 0, { loss: '-', acc: '-' });
  }
  batch(done: number, loss: number, acc: number): void {
    this.bar?.update(done, { loss: fmt(loss), acc: fmt(acc) });
  }
  epochEnd(s: EpochSummary): void {
    this.bar?.stop();
    this.bar = null;
    process.stdout.write(`${epochLine(s)}\n`);
  }
  done(testAccuracy: number, testLoss: number): void {
    process.stdout.write(`test accuracy ${fmt(testAccuracy)}  test loss ${fmt(testLoss)}\n`);
  }
  note(text: string): void {
    this.bar?.stop();
    this.bar = null;
    note(text);
  }
}

class SilentReporter implements ProgressReporter {
  epochStart(): void {}
  batch(): void {}
  epochEnd(): void {}
  done(): void {}
  note(): void {}
}

export function makeReporter(mode: ProgressMode): ProgressReporter {
  const resolved = mode === 'auto' ? (process.stdout.isTTY ? 'bar' : 'lines') : mode;
  switch (resolved) {
    case 'bar':
      return new BarReporter();
    case 'json':
      return new JsonReporter();
    case 'none':
      return new SilentReporter();
    default:
      return new LineReporter();
  }
}
