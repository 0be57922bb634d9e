// The study's progress: counts, per-worker lines and the ETA from scheduler events (a fake clock, no timing).
import { describe, expect, it } from 'vitest';
import { formatDuration, plainDisplay, StudyTracker, textBar, workerLine } from '../../src/study/progress.ts';
import type { RunJob, RunOutcome, SchedulerEvent } from '../../src/study/scheduler.ts';

const job = (experiment: string, seed = 1): RunJob => ({ experiment, seed, dir: `/r/${experiment}`, resume: false, restart: false, liveLog: '/l' });
const end = (j: RunJob, status: RunOutcome['status']): SchedulerEvent => ({
  type: 'end',
  outcome: { job: j, status, exitCode: 0, signal: null, logPath: `${j.dir}/worker.log`, seconds: 60 },
});
const batch = (j: RunJob, epoch: number, b: number, batches = 10): SchedulerEvent => ({
  type: 'batch',
  job: j,
  progress: { epoch, epochs: 4, batch: b, batches, loss: 0.5, acc: 0.875, imgPerSec: 1234.4 },
});

describe('StudyTracker', () => {
  it('counts done / running / queued; the ETA is "?" until a speed is measured', () => {
    const [a, b, c] = [job('a'), job('b'), job('c')];
    const t = new StudyTracker([a, b, c], { jobs: 2, epochsOf: () => 4, now: () => 0 });
    t.update({ type: 'start', job: a });
    expect(t.etaSeconds()).toBeNull();
    expect(t.line()).toBe('0/3 runs done, 1 running, 2 queued, elapsed 0s, ETA ?');
    t.update(end(a, 'failed'));
    t.update({ type: 'start', job: b });
    expect(t.line()).toMatch(/^0\/3 runs done, 1 failed, 1 running, 1 queued/);
  });

  it('ETA = measured seconds per epoch x epochs left, shared among the workers, never 0 while a run is unfinished', () => {
    let now = 0;
    const [a, b, c] = [job('cnn'), job('fcnn'), job('cnn', 2)];
    const t = new StudyTracker([a, b, c], { jobs: 2, epochsOf: () => 4, now: () => now });
    t.update({ type: 'start', job: a });
    t.update({ type: 'start', job: b });
    now = 5_000; // start-up is not counted: speeds are measured from each run's first batch
    t.update(batch(a, 1, 1));
    t.update(batch(b, 1, 1));
    now = 15_000; // cnn: 0.5 epoch in 10 s = 20 s/epoch; fcnn: 1.9 epochs in 10 s
    t.update(batch(a, 1, 6));
    t.update(batch(b, 2, 10));
    // Left: cnn 3.4 epochs x 20 s, fcnn 2 x 10/1.9 s, the queued cnn 4 x 20 s (cnn's speed): over 2 workers.
    expect(t.etaSeconds()).toBeCloseTo((3.4 * 20 + (2 * 10) / 1.9 + 4 * 20) / 2, 5);
    // The last run alone: its own remaining time, even though the average over workers would be less.
    t.update(end(b, 'done'));
    t.update(end(a, 'done'));
    t.update({ type: 'start', job: c });
    expect(t.etaSeconds()).toBe(80);
    now = 16_000;
    t.update(batch(c, 4, 10, 10));
    now = 17_000;
    t.update({ type: 'epoch', job: c, progress: { epoch: 4, epochs: 4, valAcc: 0.9 } });
    expect(t.etaSeconds()).toBe(1); // all epochs trained, still finishing: never 0
    t.update(end(c, 'done'));
    expect(t.etaSeconds()).toBe(0);
    expect(t.summaryLine()).toBe('study finished: 3/3 runs done in 17s');
  });

  it('the summary line says what did not finish', () => {
    const [a, b] = [job('a'), job('b')];
    const t = new StudyTracker([a, b], { now: () => 0 });
    t.update(end(a, 'failed'));
    t.update(end(b, 'interrupted'));
    expect(t.summaryLine()).toBe('study stopped: 0/2 runs done, 1 failed, 1 not finished (re-run to resume) in 0s');
  });

  it('formats durations', () => {
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(7)).toBe('7s');
  });
});

describe('progress lines', () => {
  it('one line per worker: experiment/seed, epoch k/n, batch bar, loss, acc, img/s', () => {
    const a = job('cnn-aug', 3);
    const t = new StudyTracker([a], { now: () => 0 });
    t.update({ type: 'start', job: a });
    expect(workerLine(t.runs()[0])).toBe('cnn-aug/seed-3  starting...');
    t.update(batch(a, 2, 5, 20));
    expect(workerLine(t.runs()[0])).toBe('cnn-aug/seed-3  epoch 2/4 [#####---------------]  5/20  loss 0.5000  acc 0.8750  1234 img/s');
    expect(textBar(1, 4)).toBe('[####]');
  });

  it('plain mode: one line per start, epoch and end, then the summary line', () => {
    const lines: string[] = [];
    const j = job('cnn');
    const d = plainDisplay([j], { now: () => 0 }, (l) => lines.push(l));
    d.onEvent({ type: 'start', job: { ...j, resume: true } });
    d.onEvent(batch(j, 1, 10));
    d.onEvent({ type: 'epoch', job: j, progress: { epoch: 1, epochs: 4, valLoss: 0.25, valAcc: 0.9, imgPerSec: 1000 } });
    d.onEvent({ type: 'end', outcome: { ...(end(j, 'failed') as Extract<SchedulerEvent, { type: 'end' }>).outcome, reason: 'the worker exited with code 1' } });
    d.stop();
    expect(lines[0]).toMatch(/^start {3}cnn\/seed-1 \(resuming\)/);
    expect(lines[1]).toMatch(/^epoch {3}cnn\/seed-1 1\/4 {2}loss 0\.5000 {2}acc 0\.8750 {2}val_loss 0\.2500 {2}val_acc 0\.9000 {2}1000 img\/s {2}\[0\/1 runs done/);
    expect(lines[2]).toMatch(/^FAILED {2}cnn\/seed-1: the worker exited with code 1 \(log: \/r\/cnn\/worker\.log\) {2}\[0\/1 runs done, 1 failed, 0 running, 0 queued/);
    expect(lines[3]).toBe('study ended: 0/1 runs done, 1 failed in 0s');
    expect(lines).toHaveLength(4);
  });
});
