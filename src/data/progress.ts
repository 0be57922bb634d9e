// Download progress: a cli-progress bar (bytes, rate, ETA) in a terminal, a few plain lines otherwise.
import cliProgress from 'cli-progress';
import type { ProgressSink } from './fetch-file.ts';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A bar redrawn in place; rate and ETA are computed from this attempt's bytes only (resume-aware). */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  let bar: cliProgress.SingleBar | undefined;
  let t0 = 0;
  let base = 0;
  let total: number | undefined;
  const payload = (done: number): Record<string, string> => {
    const secs = (Date.now() - t0) / 1000;
    const rate = secs > 0 ? (done - base) / secs : 0;
    return {
      bytes: `${formatBytes(done)}${total ? ` / ${formatBytes(total)}` : ''}`,
      rate: `${formatBytes(Math.round(rate))}/s`,
      etaText: total && rate > 0 ? formatEta((total - done) / rate) : '--:--',
    };
  };
  return {
    start(label, t, done) {
      t0 = Date.now();
      base = done;
      total = t;
      bar = new cliProgress.SingleBar(
        { format: `${label} [{bar}] {percentage}% | {bytes} | {rate} | ETA {etaText}`, stream, hideCursor: true, clearOnComplete: false, barsize: 24 },
        cliProgress.Presets.shades_classic,
      );
      bar.start(t ?? Math.max(done, 1), done, payload(done));
    },
    update(done) {
      if (!bar) return;
      if (!total) bar.setTotal(Math.max(done, 1));
      bar.update(done, payload(done));
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}

/** For logs and pipes: one line at start, at each quarter (or every 10 s), and at the end. */
export function lineProgress(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): ProgressSink {
  let label = '';
  let total: number | undefined;
  let t0 = 0;
  let base = 0;
  let lastQuarter = -1;
  let lastTime = 0;
  let last = 0;
  const line = (done: number): string => {
    const secs = Math.max((Date.now() - t0) / 1000, 0.001);
    const rate = (done - base) / secs;
    const pct = total ? ` ${Math.floor((100 * done) / total)}%` : '';
    const eta = total && rate > 0 ? `, ETA ${formatEta((total - done) / rate)}` : '';
    return `${label}:${pct} ${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ''} at ${formatBytes(Math.round(rate))}/s${eta}`;
  };
  return {
    start(l, t, done) {
      label = l;
      total = t;
      t0 = lastTime = Date.now();
      base = last = done;
      lastQuarter = total ? Math.floor((4 * done) / total) : -1;
      write(`${label}: ${done > 0 ? `resuming at ${formatBytes(done)}` : 'starting'}${total ? ` (${formatBytes(total)})` : ''}`);
    },
    update(done) {
      last = done;
      const quarter = total ? Math.floor((4 * done) / total) : -1;
      const now = Date.now();
      if ((quarter > lastQuarter && quarter < 4) || now - lastTime > 10_000) {
        lastQuarter = quarter;
        lastTime = now;
        write(line(done));
      }
    },
    stop() {
      write(line(last));
    },
  };
}

export function defaultProgress(): ProgressSink {
  return process.stderr.isTTY ? ttyProgress() : lineProgress();
}
