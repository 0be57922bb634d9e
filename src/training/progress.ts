// Training progress: a bar per epoch in a terminal, one line per epoch otherwise, or JSON lines
// (one object per line on stdout) for the study scheduler.
import cliProgress from 'cli-progress';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'json' | 'none';
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'bar', 'lines', 'json', 'none'];

export interface EpochSummary {
  epoch: number;
  epochs: number;
  loss: number;
  acc: number;
  val_loss: number;
  val_acc: number;
  lr: number;
  seconds: number;
  imgPerSec: number;
}

export interface ProgressReporter {
  epochStart(epoch: number, epochs: number, batches: number): void;
  batch(done: number, loss: number, acc: number): void;
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

class JsonReporter implements ProgressReporter {
  epochStart(): void {}
  batch(): void {}
  epochEnd(s: EpochSummary): void {
    process.stdout.write(JSON.stringify({ type: 'epoch', ...s }) + '\n');
  }
  done(testAccuracy: number, testLoss: number): void {
    process.stdout.write(JSON.stringify({ type: 'done', testAccuracy, testLoss }) + '\n');
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
