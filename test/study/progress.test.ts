// The aggregate progress: counts and ETA from scheduler events (a fake clock, no timing).
import { describe, expect, it } from 'vitest';
import { formatDuration, plainDisplay, StudyTracker } from '../../src/study/progress.ts';
import type { RunJob, RunOutcome } from '../../src/study/scheduler.ts';

const job = (experiment: string): RunJob => ({ experiment, seed: 1, dir: `/r/${experiment}`, resume: false, restart: false, liveLog: '/l' });
const end = (j: RunJob, status: RunOutcome['status']): RunOutcome => ({ job: j, status, exitCode: 0, signal: null, logPath: `${j.dir}/worker.log`, seconds: 60 });

describe('StudyTracker', () => {
  it('counts done / running / queued and extrapolates the ETA from the work done', () => {
    let now = 0;
    const t = new StudyTracker(4, () => now);
    const [a, b] = [job('a'), job('b')];
    t.update({ type: 'start', job: a });
    t.update({ type: 'start', job: b });
    expect(t.etaSeconds()).toBeNull();
    expect(t.line()).toBe('0/4 done, 2 running, 2 queued, ETA ?');
    now = 100_000;
    t.update({ type: 'epoch', job: a, progress: { epoch: 1, epochs: 2 } });
    t.update({ type: 'end', outcome: end(b, 'done') });
    // 1.5 runs of work in 100 s: 2.5 left take 166.7 s.
    expect(t.workDone).toBe(1.5);
    expect(t.etaSeconds()).toBeCloseTo(166.667, 2);
    expect(t.line()).toBe('1/4 done, 1 running, 2 queued, ETA 2m47s');
    t.update({ type: 'end', outcome: end(a, 'failed') });
    expect(t.line()).toMatch(/^1\/4 done, 1 failed, 0 running, 2 queued/);
  });

  it('formats durations', () => {
    expect(formatDuration(59.6)).toBe('1m00s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(7)).toBe('7s');
  });

  it('plain lines name failed runs with their log', () => {
    const lines: string[] = [];
    const d = plainDisplay(1, (l) => lines.push(l));
    const j = job('cnn');
    d.onEvent({ type: 'start', job: { ...j, resume: true } });
    d.onEvent({ type: 'end', outcome: { ...end(j, 'failed'), reason: 'the worker exited with code 1' } });
    expect(lines[0]).toMatch(/^start {3}cnn\/seed-1 \(resuming\)/);
    expect(lines[1]).toBe('FAILED  cnn/seed-1: the worker exited with code 1 (log: /r/cnn/worker.log)  [0/1 done, 1 failed, 0 running, 0 queued, ETA 0s]');
  });
});
