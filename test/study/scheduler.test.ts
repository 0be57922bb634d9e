// The scheduler with a fake worker: parallelism cap, failure isolation, resume, SIGINT forwarding.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { getExperiment } from '../../src/models/zoo.ts';
import { planRuns, runJobs, type RunJob, type SchedulerEvent } from '../../src/study/scheduler.ts';
import { runSpecOf, type RunSpec } from '../../src/training/settings/run-spec.ts';
import { trainWorker } from '../../src/study/worker.ts';

/** The fake worker's experiments are not the zoo's: each job's spec is its name, seed and 2 epochs. */
const twoEpochs = (job: RunJob): RunSpec => ({ experiment: job.experiment, seed: job.seed, settings: { epochs: 2 } });
const FAKE = fileURLToPath(new URL('./fixtures/fake-worker.mjs', import.meta.url));
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

function setup(env: Record<string, string> = {}): { root: string; worker: ReturnType<typeof trainWorker> } {
  const root = temp('kmnist-sched-');
  const base = trainWorker({ dataset: 'kmnist', dataDir: '/unused', runsRoot: root, specOf: twoEpochs, script: FAKE });
  return { root, worker: (job, threads) => ({ ...base(job, threads), env: { ...process.env, ...env } }) };
}

function calls(root: string): { id: string; resume: boolean }[] {
  const path = join(root, 'calls.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { id: string; resume: boolean });
}

describe('planRuns', () => {
  it('runs a deterministic experiment (knn) once, for the first seed, whatever --seeds says', () => {
    const root = temp('kmnist-plan-');
    const plan = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['cnn', 'knn'], seeds: [1, 2, 3], resume: true, deterministic: ['knn'] });
    expect(plan.toRun.map((j) => `${j.experiment}/${j.seed}`)).toEqual(['cnn/1', 'knn/1', 'cnn/2', 'cnn/3']);
  });
});

describe('runJobs', () => {
  it('never runs more than --jobs workers at once, and does reach that many', async () => {
    const concDir = temp('kmnist-conc-');
    const { root, worker } = setup({ FAKE_CONC_DIR: concDir, FAKE_BARRIER: '2', FAKE_HOLD_MS: '300' });
    const plan = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['a', 'b', 'c'], seeds: [1, 2], resume: true });
    expect(plan.toRun).toHaveLength(6);
    const outcomes = await runJobs(plan.toRun, { jobs: 2, worker });
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('done'));
    const maxima = readdirSync(concDir)
      .filter((f) => f.startsWith('max-'))
      .map((f) => Number(readFileSync(join(concDir, f), 'utf8')));
    expect(maxima).toHaveLength(6);
    expect(Math.max(...maxima)).toBe(2);
  });

  it('a failing run does not stop or lose the others, and is reported with its log', async () => {
    const { root, worker } = setup({ FAKE_FAIL: 'b/seed-1' });
    const plan = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['a', 'b', 'c'], seeds: [1], resume: true });
    const events: SchedulerEvent[] = [];
    const outcomes = await runJobs(plan.toRun, { jobs: 1, worker, onEvent: (e) => events.push(e) });
    expect(outcomes.map((o) => [o.job.experiment, o.status])).toEqual([
      ['a', 'done'],
      ['b', 'failed'],
      ['c', 'done'],
    ]);
    const failed = outcomes[1];
    expect(failed.exitCode).toBe(3);
    expect(failed.reason).toMatch(/exited with code 3/);
    expect(failed.lastError).toBe('boom: fake failure of b/seed-1');
    expect(failed.logPath).toBe(join(root, 'kmnist', 'b', 'seed-1', 'worker.log'));
    // The worker empties its folder on start (as train does): the log, written outside it meanwhile, survives.
    expect(readFileSync(failed.logPath, 'utf8')).toContain('boom: fake failure of b/seed-1');
    expect(existsSync(join(root, '.worker-logs'))).toBe(false);
    expect(existsSync(join(root, 'kmnist', 'c', 'seed-1', 'metrics.json'))).toBe(true);
    // Progress lines from the worker's stdout become events; the done line carries the test accuracy.
    expect(events.filter((e) => e.type === 'epoch')).toHaveLength(4);
    expect(outcomes[0].testAccuracy).toBeGreaterThan(0.5);
  });

  it('shares the cores among the runs, and gives the last running one the cores the others freed', async () => {
    const { root, worker } = setup({ FAKE_AWAIT_THREADS: 'b/seed-1' });
    const plan = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['a', 'b'], seeds: [1], resume: true });
    const outcomes = await runJobs(plan.toRun, { jobs: 2, worker, coresShare: (n) => Math.floor(4 / n) });
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    // Both start on half of the 4 cores; once a is done and nothing is queued, b is told to take all 4.
    const log = readFileSync(join(root, 'threads.log'), 'utf8').trim().split('\n');
    expect(log).toHaveLength(1);
    const b = JSON.parse(log[0]) as { id: string; args: string[]; line: string };
    expect(b.args.join(' ')).toContain('--threads 2 --grow-threads');
    expect(JSON.parse(b.line)).toEqual({ type: 'threads', threads: 4 });
    expect(readFileSync(outcomes[1].logPath, 'utf8')).toMatch(/threads: 4/);
  });

  it('a worker that cannot start is a failed run, not a crash', async () => {
    const root = temp('kmnist-sched-');
    const plan = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['a'], seeds: [1], resume: true });
    const outcomes = await runJobs(plan.toRun, { jobs: 1, worker: () => ({ command: join(root, 'no-such-binary'), args: [] }) });
    expect(outcomes[0].status).toBe('failed');
    expect(outcomes[0].reason).toMatch(/could not start the worker/);
  });

  it('resume: skips complete runs, resumes incomplete ones with --resume, starts absent ones fresh', async () => {
    const { root, worker } = setup({ FAKE_INCOMPLETE: 'a/seed-2' });
    const first = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['a'], seeds: [1, 2], resume: true });
    const firstOutcomes = await runJobs(first.toRun, { jobs: 2, worker });
    expect(firstOutcomes.map((o) => o.status)).toEqual(['done', 'failed']);

    const second = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['a'], seeds: [1, 2, 3], resume: true });
    expect(second.complete.map((c) => c.seed)).toEqual([1]);
    expect(second.toRun.map((j) => [j.seed, j.resume])).toEqual([
      [2, true],
      [3, false],
    ]);
    const healthy = trainWorker({ dataset: 'kmnist', dataDir: '/unused', runsRoot: root, specOf: twoEpochs, script: FAKE });
    const outcomes = await runJobs(second.toRun, { jobs: 2, worker: healthy });
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    const secondCalls = calls(root).slice(2);
    expect(secondCalls.map((c) => [c.id, c.resume]).sort()).toEqual([
      ['a/seed-2', true],
      ['a/seed-3', false],
    ]);
    // --no-resume: the interrupted folder restarts without --resume.
    mkdirSync(join(root, 'kmnist', 'b', 'seed-1'), { recursive: true });
    writeFileSync(join(root, 'kmnist', 'b', 'seed-1', 'config.json'), '{}');
    const fresh = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['b'], seeds: [1], resume: false });
    expect(fresh.toRun.map((j) => [j.resume, j.restart])).toEqual([[false, true]]);
    expect(healthy(fresh.toRun[0]).args).toContain('--force');
    expect(healthy(second.toRun[0]).args).toContain('--resume');
    expect(healthy(second.toRun[1]).args).not.toContain('--force');
  });

  it('abort forwards SIGINT once: running workers checkpoint, queued ones never start', async () => {
    const { root, worker } = setup({ FAKE_SLOW_MS: '20000' });
    const plan = planRuns({ runsRoot: root, dataset: 'kmnist', experiments: ['a', 'b', 'c'], seeds: [1], resume: true });
    const ctrl = new AbortController();
    // Abort once both running workers listen for SIGINT (each writes 'ready').
    const ready = plan.toRun.slice(0, 2).map((j) => join(j.dir, 'ready'));
    const poll = setInterval(() => {
      if (ready.every((p) => existsSync(p))) {
        clearInterval(poll);
        ctrl.abort();
      }
    }, 20);
    const outcomes = await runJobs(plan.toRun, {
      jobs: 2,
      worker,
      signal: ctrl.signal,
    });
    clearInterval(poll);
    expect(outcomes.map((o) => o.status)).toEqual(['interrupted', 'interrupted', 'not-started']);
    expect(outcomes[0].exitCode).toBe(130);
    expect(existsSync(join(root, 'kmnist', 'a', 'seed-1', 'checkpoint', 'state.json'))).toBe(true);
    expect(existsSync(join(root, 'kmnist', 'c', 'seed-1'))).toBe(false);
  });
});

describe('trainWorker', () => {
  const job = (experiment: string): RunJob => ({ experiment, seed: 1, resume: false, restart: false, dir: '/r/x', liveLog: '/r/x.log' });
  const argsOf = (settings: RunSpec['settings'], threads?: number) => (experiment: string): string[] =>
    trainWorker({ dataset: 'kmnist', dataDir: '/d', runsRoot: '/r', specOf: (j) => runSpecOf(getExperiment(j.experiment), j.seed, settings), threads, script: FAKE })(job(experiment)).args;

  it('passes --epochs to the networks but not to knn, which `train` would refuse it for', () => {
    const args = argsOf({ epochs: 5 });
    expect(args('cnn').join(' ')).toContain('--epochs 5');
    expect(args('knn')).not.toContain('--epochs');
  });

  it('passes --threads only to backends it applies to', () => {
    expect(argsOf({ backend: 'wasm' }, 2)('cnn').join(' ')).toContain('--threads 2');
    expect(argsOf({ backend: 'cpu' }, 2)('cnn')).not.toContain('--threads');
  });

  it("this machine's --threads replaces the spec's; the scheduler's share replaces both and may grow", () => {
    const spec = (j: RunJob): RunSpec => ({ experiment: j.experiment, seed: j.seed, settings: { backend: 'wasm', threads: 4 } });
    const worker = (threads?: number) => trainWorker({ dataset: 'kmnist', dataDir: '/d', runsRoot: '/r', specOf: spec, threads, script: FAKE });
    expect(worker()(job('cnn')).args.join(' ')).toContain('--threads 4');
    const own = worker(1)(job('cnn')).args;
    expect(own[own.indexOf('--threads') + 1]).toBe('1');
    expect(own.filter((a) => a === '--threads')).toHaveLength(1);
    expect(worker(1)(job('cnn'), 3).args.join(' ')).toContain('--threads 3 --grow-threads');
  });
});
