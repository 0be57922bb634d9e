// `kmnist-lab serve` as a user runs it: flags checked, and test images read from the real dataset files.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.ts';
import type { TestImageResponse } from '../../src/web/api-types.ts';
import { CLI, REPO_ROOT, SHARED_DATA, SHARED_SKIP_MESSAGE, hasSharedData, runCli } from '../helpers/cli.ts';
import { fullConfig, fullMetrics } from '../helpers/run-files.ts';

const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Starts `serve` and resolves with the URL it prints. */
function startServe(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve({ url: m[1], child });
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

describe('kmnist-lab serve flags', () => {
  it('rejects a bad port', async () => {
    const res = await runCli(['serve', '--port', 'eighty']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--port');
  });

  it('rejects --runs pointing at a file', async () => {
    const res = await runCli(['serve', '--runs', 'package.json', '--port', '0']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('--runs');
  });
});

describe.skipIf(!hasSharedData)('kmnist-lab serve over real KMNIST test images', () => {
  it('sends the dataset pixels of the image a run predicted', async () => {
    const dataDir = join(SHARED_DATA, 'kmnist-10k');
    const data = await loadDataset({ dataset: 'kmnist', dataDir });
    const dir = await mkdtemp(join(tmpdir(), 'kmnist-serve-'));
    dirs.push(dir);
    const run = join(dir, 'kmnist', 'cnn', 'seed-1');
    await mkdir(run, { recursive: true });
    const config = fullConfig({ experiment: 'cnn', seed: 1, dataset: 'kmnist', dataDir, numClasses: 10, classNames: data.classNames, classChars: data.classChars });
    await writeFile(join(run, 'config.json'), JSON.stringify(config));
    const lines = ['index,true,predicted', ...[0, 1, 2, 3].map((i) => `${i},${data.test.labels[i]},${(data.test.labels[i] + i) % 10}`)];
    await writeFile(join(run, 'predictions-test.csv'), lines.join('\n'));
    await writeFile(join(run, 'metrics.json'), JSON.stringify(fullMetrics({ testAccuracy: 0.25, paramCount: 0 })));

    const { url, child } = await startServe(['--runs', dir, '--port', '0']);
    const res = await fetch(`${url}api/test-image?run=kmnist/cnn/seed-1&index=3`);
    const body = (await res.json()) as TestImageResponse;
    expect(res.status).toBe(200);
    expect(body.pixels).toEqual(Array.from(data.test.images.subarray(3 * 784, 4 * 784)));
    expect(body.trueClass).toBe(data.test.labels[3]);
    expect(body.savedPredicted).toBe((data.test.labels[3] + 3) % 10);
    child.kill('SIGTERM');
  });
});

if (!hasSharedData) {
  describe('kmnist-lab serve over real KMNIST test images', () => {
    it.skip(SHARED_SKIP_MESSAGE, () => undefined);
  });
}
