// The real `kmnist-lab train` in child processes: JSON progress, SIGKILL / Ctrl-C then --resume.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT, SHARED_DATA, SHARED_SKIP_MESSAGE, hasSharedData, runCli } from '../helpers/cli.ts';
import { syntheticDataset, writeIdxDataset } from './synthetic.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-train-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dataDir = join(root, 'data');
writeIdxDataset(dataDir, syntheticDataset({ train: 300, test: 60, size: 8, numClasses: 4, seed: 5 }));

// --threads 2: the threaded wasm build and gemm.ts's worker pool (its products here are big enough to split).
const args = (out: string, threads = 2): string[] =>
  ['train', 'cnn-aug', '--data-dir', dataDir, '--epochs', '4', '--batch-size', '32', '--seed', '3', '--backend', 'wasm', '--threads', String(threads), '--out', join(root, out), '--progress', 'json'];

/** Starts a run and sends `signal` once the JSON line of epoch `afterEpoch` arrives. */
function runAndSignal(out: string, signal: NodeJS.Signals, afterEpoch: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args(out)], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && stdout.includes(`"type":"epoch","epoch":${afterEpoch},`)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code, sig) => resolve({ code, signal: sig, stdout, stderr }));
  });
}

const metricsOf = (out: string): Record<string, unknown> => {
  const m = JSON.parse(readFileSync(join(root, out, 'kmnist', 'cnn-aug', 'seed-3', 'metrics.json'), 'utf8')) as Record<string, unknown>;
  for (const k of ['trainSeconds', 'trainImagesPerSecond', 'inferenceImagesPerSecond']) delete m[k];
  return m;
};

describe('kmnist-lab train (CLI)', () => {
  it('prints one JSON object per line and ends with a done line', async () => {
    const r = await runCli(args('plain'));
    expect(r.code, r.stderr).toBe(0);
    const all = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // Batch lines (for `run`'s live progress): at least the first and the last of every epoch.
    const batches = all.filter((l) => l.type === 'batch');
    expect(batches.length).toBeGreaterThanOrEqual(8);
    expect(batches[0]).toMatchObject({ epoch: 1, epochs: 4, batch: 1 });
    for (const k of ['batches', 'loss', 'acc', 'imgPerSec']) expect(typeof batches[0][k]).toBe('number');
    expect(batches.filter((b) => b.batch === b.batches).map((b) => b.epoch)).toEqual([1, 2, 3, 4]);
    const lines = all.filter((l) => l.type !== 'batch');
    expect(lines.map((l) => l.type)).toEqual(['epoch', 'epoch', 'epoch', 'epoch', 'done']);
    expect(lines[0]).toMatchObject({ epoch: 1, epochs: 4 });
    for (const k of ['loss', 'val_loss', 'val_acc', 'imgPerSec']) expect(typeof lines[0][k]).toBe('number');
    expect(lines[4].testAccuracy).toBe(metricsOf('plain').testAccuracy);
  });

  it('continues a SIGKILLed run with --resume to the same final metrics', async () => {
    const killed = await runAndSignal('killed', 'SIGKILL', 2);
    expect(killed.signal).toBe('SIGKILL');
    const r = await runCli([...args('killed'), '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/resuming after epoch [23]/);
    expect(metricsOf('killed')).toEqual(metricsOf('plain'));
  });

  it('saves and exits cleanly on Ctrl-C (exit 130), then resumes to the same final metrics', async () => {
    const stopped = await runAndSignal('ctrl-c', 'SIGINT', 1);
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/continue with --resume/);
    const again = await runCli(args('ctrl-c'));
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/unfinished run: pass --resume/);
    const r = await runCli([...args('ctrl-c'), '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(metricsOf('ctrl-c')).toEqual(metricsOf('plain'));
  });

  it('gives bit-identical results on one thread (the plain wasm build) and on two', async () => {
    const r = await runCli(args('one-thread', 1));
    expect(r.code, r.stderr).toBe(0);
    expect(metricsOf('one-thread')).toEqual(metricsOf('plain'));
    const prediction = (out: string): string => readFileSync(join(root, out, 'kmnist', 'cnn-aug', 'seed-3', 'predictions-test.csv'), 'utf8');
    expect(prediction('one-thread')).toBe(prediction('plain'));
  });

  it('rejects bad flags with one clear line', async () => {
    const r = await runCli(['train', 'cnn', '--data-dir', dataDir, '--epochs', 'zero']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--epochs: 'zero' is not an integer >= 1/);
    const p = await runCli(['train', 'cnn', '--data-dir', dataDir, '--progress', 'fancy']);
    expect(p.stderr).toMatch(/--progress: 'fancy' is not one of/);
    const t = await runCli(['train', 'cnn', '--data-dir', dataDir, '--threads', '0']);
    expect(t.stderr).toMatch(/--threads: '0' is not an integer >= 1/);
    const t9 = await runCli(['train', 'cnn', '--data-dir', dataDir, '--threads', '9']);
    expect(t9.stderr).toMatch(/--threads '9': expected a whole number of threads from 1 to 8/);
  });

  it('lists the models with parameter counts', async () => {
    const r = await runCli(['models']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cnn\s+1,199,882\s/m);
    expect(r.stdout).toMatch(/^fcnn\s+567,434\s/m);
    expect(r.stdout).toMatch(/^knn\s+-\s/m);
  });

  it.skipIf(!hasSharedData)('trains the fcnn for one epoch on the real kmnist-10k files', async () => {
    const r = await runCli(['train', 'fcnn', '--data-dir', join(SHARED_DATA, 'kmnist-10k'), '--epochs', '1', '--backend', 'wasm', '--out', join(root, 'real'), '--progress', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const done = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { type: string; testAccuracy: number };
    expect(done.type).toBe('done');
    expect(done.testAccuracy).toBeGreaterThan(0.5);
  });
  if (!hasSharedData) it.skip(SHARED_SKIP_MESSAGE, () => {});
});
