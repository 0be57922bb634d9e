// The shutdown rule (src/commands/stop-signals.ts) for `worker` and `run --queue` whose Redis goes away:
// a real redis-server SIGKILLed (connections refused) or SIGSTOPped (connections accepted, never
// answered) while a worker trains (the fake `train`, KMNIST_LAB_WORKER) and `run --queue` follows.
// SIGTERM must end each within 5 s (asserted with slack for loaded machines), the last line saying what
// was left and how it continues; the run folder keeps its checkpoint; a second signal ends it at once.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllCli, startCli, type BackgroundCli } from '../helpers/background-cli.ts';
import { hasRedisServer, REDIS_SKIP_MESSAGE, startRedis, type RedisServer } from '../helpers/redis.ts';
import { tempDir, writeIdxDataset } from '../data/fixtures.ts';

const FAKE = fileURLToPath(new URL('./fixtures/fake-worker.mjs', import.meta.url));
const root = tempDir('kmnist-queue-shutdown-');
const data = join(root, 'data');
mkdirSync(data);
writeIdxDataset(data, { gzip: false });

/** The bound of the rule (5 s) plus slack for a loaded 2-core machine. */
const BOUND_MS = 8000;
/** "At once", for a second signal. */
const AT_ONCE_MS = 2000;

const servers: RedisServer[] = [];
afterEach(async () => {
  killAllCli();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
afterAll(() => killAllCli());

/** Milliseconds from now until the CLI exits, and its exit code; gives up (Infinity) after 30 s so a hang fails, not times out. */
async function timeToExit(cli: BackgroundCli): Promise<{ ms: number; code: number }> {
  const started = Date.now();
  const code = await Promise.race([cli.exited, new Promise<number>((r) => setTimeout(() => r(-1), 30_000))]);
  const ms = code === -1 ? Infinity : Date.now() - started;
  if (ms > BOUND_MS) console.log(`${cli.child.spawnargs.slice(2, 3).join(' ')} still running ${ms} ms after the signal:\n${cli.output()}`);
  return { ms, code };
}

function lastLine(cli: BackgroundCli): string {
  return cli.output().trimEnd().split('\n').at(-1) ?? '';
}

async function waitForFile(path: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A study of one run on its own redis-server, followed by `run --queue`, trained (slowly) by one worker. */
async function trainingStudy(name: string): Promise<{ redis: RedisServer; out: string; run: BackgroundCli; worker: BackgroundCli; runDir: string }> {
  const redis = await startRedis();
  servers.push(redis);
  const out = join(root, name);
  const run = startCli(['run', '--queue', redis.url, '--data-dir', data, '--out', out, '--experiments', 'cnn', '--seeds', '1', '--epochs', '2']);
  const worker = startCli(['worker', '--queue', redis.url, '--out', out, '--data-dir', data, '--lock-seconds', '5'], { KMNIST_LAB_WORKER: FAKE, FAKE_SLOW_MS: '120000' });
  const runDir = join(out, 'kmnist', 'cnn', 'seed-1');
  await worker.waitFor(/start {3}kmnist\/cnn\/seed-1 \(attempt 1\)/);
  await waitForFile(join(runDir, 'ready'));
  await run.waitFor(/start {3}cnn\/seed-1/);
  return { redis, out, run, worker, runDir };
}

if (!hasRedisServer) console.log(REDIS_SKIP_MESSAGE);

describe.skipIf(!hasRedisServer)('shutdown: worker and run --queue whose Redis goes away', () => {
  it('Redis killed while a worker trains: SIGTERM ends the worker and `run --queue` within 5 s; the run keeps its checkpoint', async () => {
    const { redis, out, run, worker, runDir } = await trainingStudy('killed');
    redis.signal('SIGKILL');
    await worker.waitFor(/queue: .*ECONNREFUSED.* \(retrying\)/, 20_000);
    worker.kill('SIGTERM');
    run.kill('SIGTERM');
    const [w, r] = await Promise.all([timeToExit(worker), timeToExit(run)]);
    expect(w.ms).toBeLessThan(BOUND_MS);
    expect(r.ms).toBeLessThan(BOUND_MS);
    expect(w.code).toBe(143);
    expect(r.code).toBe(143);
    expect(existsSync(join(runDir, 'checkpoint', 'state.json'))).toBe(true);
    expect(lastLine(worker)).toBe(
      `kmnist-lab: stopped 5 s after SIGTERM: runs in progress keep their last checkpoint in ${out}; any not returned to the queue ` +
        '(Redis did not answer in time) are taken over by another worker after the lock time (--lock-seconds), which resumes them',
    );
    expect(lastLine(run)).toMatch(/^kmnist-lab: stopped 5 s after SIGTERM: runs the workers were training keep their last checkpoint in .*; the same command resumes the study/);
  }, 90_000);

  it('Redis hung (SIGSTOP) while a worker trains: a second signal ends the worker and `run --queue` at once', async () => {
    const { redis, worker, run, runDir } = await trainingStudy('stopped');
    redis.signal('SIGSTOP');
    worker.kill('SIGTERM');
    run.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    const secondAt = Date.now();
    worker.kill('SIGINT');
    run.kill('SIGINT');
    const [w, r] = await Promise.all([timeToExit(worker), timeToExit(run)]);
    expect(Math.max(w.ms, r.ms) + (secondAt - Date.now())).toBeLessThan(AT_ONCE_MS + 1000);
    expect(w.code).toBe(130);
    expect(r.code).toBe(130);
    expect(existsSync(join(runDir, 'checkpoint', 'state.json'))).toBe(true);
    expect(lastLine(worker)).toMatch(/^kmnist-lab: stopped at once by a second signal \(SIGINT\): runs in progress keep their last checkpoint in /);
  }, 90_000);
});
