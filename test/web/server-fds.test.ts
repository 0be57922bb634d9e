// `serve` holds a constant number of file descriptors however its downloads end: 1,000 that the client
// aborts after the first chunk and 1,000 complete ones (issue 26 item 8: a bare pipe() leaked one each).
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../data/fixtures.ts';
import { startHarness, type Harness } from './server-harness.ts';

const hasProcFd = existsSync('/proc/self/fd');
if (!hasProcFd) console.log('skipped: no /proc/self/fd to count open file descriptors (Linux only)');

const openFds = (): number => readdirSync('/proc/self/fd').length;

/** GETs `path`; with `abort`, destroys the socket at the first body chunk. Resolves once the socket has closed. */
function download(url: string, abort: boolean): Promise<void> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      if (abort) res.once('data', () => req.destroy());
      else res.resume();
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
  });
}

async function many(url: string, count: number, abort: boolean): Promise<void> {
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => download(url, abort)));
}

describe.skipIf(!hasProcFd)('serve: file descriptors', () => {
  let server: Harness;
  beforeAll(async () => {
    const root = tempDir('kmnist-serve-fds-');
    const run = join(root, 'kmnist', 'cnn', 'seed-1');
    mkdirSync(join(run, 'model'), { recursive: true });
    writeFileSync(join(run, 'model', 'weights.bin'), Buffer.alloc(4 << 20, 7)); // 4 MiB: far more than one chunk
    writeFileSync(join(run, 'metrics.json'), '{"testAccuracy":0.9}\n');
    server = await startHarness(root, join(root, 'report'), null);
  });
  afterAll(async () => server?.close());

  it('stay constant over 1,000 aborted and 1,000 complete downloads', async () => {
    const base = `${server.url}files/kmnist/cnn/seed-1/`;
    await many(`${base}metrics.json`, 20, false); // warm-up: lazily opened handles are counted in `before`
    const before = openFds();
    await many(`${base}model/weights.bin`, 1000, true);
    await many(`${base}metrics.json`, 1000, false);
    await new Promise((r) => setTimeout(r, 500)); // let the server side see the last closes
    expect(openFds() - before).toBeLessThan(20);
  }, 120_000);
});
