// `run --queue` and `worker` against a real redis-server, with the fake `train` (KMNIST_LAB_WORKER):
// the fault cases of the queue — an unreachable Redis, a run failing 3 times, Ctrl-C on a worker,
// a worker whose data differ, a second `run --queue` on the same queue.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseQueueUrl } from '../../src/study/executors/queue/address.ts';
import { connectOnce } from '../../src/study/executors/queue/connection.ts';
import { UserError } from '../../src/errors.ts';
import { startCli, type BackgroundCli } from '../helpers/background-cli.ts';
import { useRedisServer } from '../helpers/redis-suite.ts';
import { runCli } from '../helpers/cli.ts';
import { freePort, hasRedisServer, REDIS_SKIP_MESSAGE } from '../helpers/redis.ts';
import { tempDir, writeIdxDataset } from '../data/fixtures.ts';

const FAKE = fileURLToPath(new URL('./fixtures/fake-worker.mjs', import.meta.url));
const root = tempDir('kmnist-queue-faults-');
const data = join(root, 'data');
// Same format, one more training image: other md5s.
const otherData = join(root, 'other-data');
mkdirSync(data);
mkdirSync(otherData);
writeIdxDataset(data, { gzip: false });
writeIdxDataset(otherData, { gzip: false, train: 61 });

describe('queue: bad addresses (no server needed)', () => {
  it('a malformed --queue is one line naming the flag', async () => {
    const r = await runCli(['run', '--queue', 'http://host:1', '--data-dir', data, '--out', join(root, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("kmnist-lab: --queue: 'http://host:1' is not a redis:// URL; expected redis://HOST:PORT[/DB]");
    expect(() => parseQueueUrl('redis://h:1/zero')).toThrow(/the database 'zero' is not a number/);
    expect(parseQueueUrl('redis://user:secret@h:7000/3')).toMatchObject({ host: 'h', port: 7000, db: 3, username: 'user', password: 'secret', display: 'redis://h:7000/3' });
  });

  it('nothing listening: `worker` and `run --queue` end with one line naming the address and the cause', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const commands = [['worker', '--queue', url, '--out', join(root, 'x')], ['run', '--queue', url, '--data-dir', data, '--out', join(root, 'x')]];
    for (const r of await Promise.all(commands.map((args) => runCli(args)))) {
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([`kmnist-lab: --queue: cannot reach Redis at ${url}/0: connect ECONNREFUSED ${url.slice('redis://'.length)}`]);
    }
  });

  it('a server that never answers is reported within 5 s', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    try {
      await expect(connectOnce(parseQueueUrl(`redis://127.0.0.1:${port}`))).rejects.toThrow(UserError);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});

describe.skipIf(!hasRedisServer)('queue: faults, with a real redis-server', () => {
  const server = useRedisServer();

  it('a run failing 3 times is reported failed with its log; the others complete and are summarized', async () => {
    const out = join(root, 'fail-runs');
    const queue = `${server().url}/1`;
    const worker = startCli(['worker', '--queue', queue, '--out', out, '--data-dir', data, '--idle-exit', '3'], { KMNIST_LAB_WORKER: FAKE, FAKE_FAIL: 'fcnn/seed-1' });
    const run = await runCli(['run', '--queue', queue, '--data-dir', data, '--out', out, '--experiments', 'cnn,fcnn', '--seeds', '1', '--epochs', '2'], { timeoutMs: 180_000 });
    expect(run.code).toBe(1);
    const log = join(out, 'kmnist', 'fcnn', 'seed-1', 'worker.log');
    expect(run.stderr).toMatch(/retrying kmnist\/fcnn\/seed-1: attempt 1 of 3 failed \(the worker exited with code 3 \(boom: fake failure of fcnn\/seed-1\)/);
    expect(run.stderr).toContain(`fcnn seed 1: failed 3 time(s): the worker exited with code 3 (boom: fake failure of fcnn/seed-1) on `);
    expect(run.stderr).toContain(`; log: ${log}`);
    expect(run.stderr).toMatch(/1 of 2 run\(s\) failed/);
    expect(readFileSync(log, 'utf8').match(/boom: fake failure/g)).toHaveLength(3);
    const summary = JSON.parse(readFileSync(join(out, 'kmnist', 'summary.json'), 'utf8')) as { experiments: { experiment: string }[] };
    expect(summary.experiments.map((e) => e.experiment)).toEqual(['cnn']);
    expect(await exitCode(worker, 0)).toBe(0);
  }, 240_000);

  it('a second `run --queue` refuses; Ctrl-C on a worker returns its run; a worker with other data refuses it', async () => {
    const out = join(root, 'stop-runs');
    const queue = `${server().url}/2`;
    const args = ['run', '--queue', queue, '--data-dir', data, '--out', out, '--experiments', 'cnn', '--seeds', '1', '--epochs', '2'];
    const run = startCli(args);
    // Started at once (start-up takes seconds on a loaded machine); it idles until the run is queued.
    const first = startCli(['worker', '--queue', queue, '--out', out, '--data-dir', data], { KMNIST_LAB_WORKER: FAKE, FAKE_SLOW_MS: '120000' });
    await run.waitFor(/1 to start; through the queue/);

    const second = await runCli(args);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toMatch(new RegExp(`^kmnist-lab: --queue: another \`run --queue\` \\(pid ${run.child.pid} on .*, --out ${out}, since .*\\) is using the queue at ${queue}`));

    // Ctrl-C while the run trains: it checkpoints and goes back to the queue, not counted as a failure.
    await first.waitFor(/start {3}kmnist\/cnn\/seed-1 \(attempt 1\)/);
    await waitForFile(join(out, 'kmnist', 'cnn', 'seed-1', 'ready'));
    first.kill('SIGINT');
    expect(await exitCode(first, 130)).toBe(130);
    expect(first.output()).toContain('returned kmnist/cnn/seed-1 to the queue (checkpointed)');

    // Other data: the worker refuses the job with the file and both md5s named, and stops.
    const wrong = startCli(['worker', '--queue', queue, '--out', out, '--data-dir', otherData], { KMNIST_LAB_WORKER: FAKE });
    expect(await exitCode(wrong, 1)).toBe(1);
    expect(wrong.output()).toMatch(
      new RegExp(`kmnist-lab: .* refuses cnn seed 1: ${join(otherData, 'train-images-idx3-ubyte')} has md5 [0-9a-f]{32}, the study's is [0-9a-f]{32}`),
    );

    const good = startCli(['worker', '--queue', queue, '--out', out, '--data-dir', data, '--idle-exit', '3'], { KMNIST_LAB_WORKER: FAKE });
    expect(await exitCode(run, 0)).toBe(0);
    expect(await exitCode(good, 0)).toBe(0);
    expect(run.output()).toMatch(/retrying kmnist\/cnn\/seed-1: attempt 1 of 3 failed \(.* refuses cnn seed 1/);
    expect(run.output()).toMatch(/done {4}cnn\/seed-1/);
    // The interrupted run was resumed from its checkpoint, not started over.
    const calls = readFileSync(join(out, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { resume: boolean });
    expect(calls.map((c) => c.resume)).toEqual([false, true]);
  }, 300_000);
});

if (!hasRedisServer) console.log(REDIS_SKIP_MESSAGE);

async function waitForFile(path: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The exit code, with the output logged when it is not the expected one (what went wrong). */
async function exitCode(cli: BackgroundCli, expected: number): Promise<number> {
  const code = await cli.exited;
  if (code !== expected) console.log(`${cli.child.spawnargs.slice(2, 3).join(' ')} exited ${code}:\n${cli.output()}`);
  return code;
}
