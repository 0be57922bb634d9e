// `kmnist-lab run` through the real CLI, with the fake worker in place of `train` (KMNIST_LAB_WORKER).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const FAKE = fileURLToPath(new URL('./fixtures/fake-worker.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'kmnist-run-cmd-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A tiny MNIST-format dataset (plain idx files): 20 train and 10 test images of 28x28. */
function writeTinyDataset(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const images = (n: number): Buffer => {
    const b = Buffer.alloc(16 + n * 784);
    b.writeUInt32BE(0x803, 0);
    b.writeUInt32BE(n, 4);
    b.writeUInt32BE(28, 8);
    b.writeUInt32BE(28, 12);
    for (let i = 16; i < b.length; i++) b[i] = (i * 7) % 256;
    return b;
  };
  const labels = (n: number): Buffer => {
    const b = Buffer.alloc(8 + n);
    b.writeUInt32BE(0x801, 0);
    b.writeUInt32BE(n, 4);
    for (let i = 0; i < n; i++) b[8 + i] = i % 10;
    return b;
  };
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), images(20));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels(20));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images(10));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels(10));
}

const data = join(root, 'data');
writeTinyDataset(data);

describe('kmnist-lab run', () => {
  it('without data it stops at once, saying how to get data or point at it', async () => {
    const out = join(root, 'no-data-runs');
    const r = await runCli(['run', '--data-dir', join(root, 'nowhere'), '--out', out], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/kmnist-lab download/);
    expect(r.stderr).toMatch(/--data-dir/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects bad flags with the flag named', async () => {
    const bad = await runCli(['run', '--data-dir', data, '--seeds', '0'], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--seeds: '0' is not an integer >= 1/);
    const unknown = await runCli(['run', '--data-dir', data, '--experiments', 'cnn,resnet'], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--experiments: unknown experiment "resnet"/);
  });

  it('forwards the training flags it shares with train to every worker, checked before any starts', async () => {
    const out = join(root, 'flags-runs');
    const training = ['--batch-size', '64', '--lr', '0.01', '--optimizer', 'sgd', '--augment', '--val-split', '0.2'];
    const r = await runCli(['run', '--data-dir', data, '--experiments', 'cnn,knn', '--seeds', '1', '--jobs', '1', '--out', out, ...training], {
      env: { KMNIST_LAB_WORKER: FAKE },
    });
    expect(r.code).toBe(0);
    const [cnn, knn] = readFileSync(join(out, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; args: string[] });
    expect(cnn.id).toBe('cnn/seed-1');
    expect(cnn.args.join(' ')).toContain(training.join(' '));
    // knn does not train: `train` would refuse the flags, so they are not passed to it.
    expect(knn.id).toBe('knn/seed-1');
    expect(knn.args).not.toContain('--batch-size');
    const bad = await runCli(['run', '--data-dir', data, '--out', out, '--batch-size', '0'], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--batch-size: '0' is not an integer >= 1/);
  });

  it('--compare: refuses an unknown experiment or one outside --experiments before any work, in one line', async () => {
    const out = join(root, 'compare-bad');
    const unknown = await runCli(['run', '--data-dir', data, '--out', out, '--experiments', 'cnn,fcnn', '--compare', 'cnn:resnet'], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^kmnist-lab: --compare cnn:resnet: unknown experiment "resnet"; choose one of: cnn, .*keras-cnn/);
    const outside = await runCli(['run', '--data-dir', data, '--out', out, '--experiments', 'cnn,fcnn', '--compare', 'fcnn:knn'], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain("--compare fcnn:knn: 'knn' is not one of this study's experiments (--experiments cnn,fcnn)");
    const malformed = await runCli(['run', '--data-dir', data, '--out', out, '--experiments', 'cnn,fcnn', '--compare', 'cnn-fcnn'], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(malformed.stderr).toContain("--compare: 'cnn-fcnn' is not a pair a:b of experiment names");
    expect(existsSync(out)).toBe(false);
  });

  it('--compare adds pairs to the summary and keeps them with the study for later runs; seed ensembles are summary rows', async () => {
    const out = join(root, 'compare-runs');
    const args = ['run', '--data-dir', data, '--experiments', 'cnn,fcnn,keras-cnn', '--seeds', '2', '--jobs', '2', '--epochs', '1', '--out', out];
    const first = await runCli([...args, '--compare', 'keras-cnn:cnn,fcnn:keras-cnn'], { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('### keras-cnn vs cnn: Do keras-cnn and cnn differ? (added with run --compare)');
    expect(first.stdout).toContain('### fcnn vs keras-cnn: Do fcnn and keras-cnn differ? (added with run --compare)');
    expect(JSON.parse(readFileSync(join(out, 'kmnist', 'comparisons.json'), 'utf8'))).toEqual({
      pairs: [
        { a: 'keras-cnn', b: 'cnn' },
        { a: 'fcnn', b: 'keras-cnn' },
      ],
    });
    // a later run of the same study, without --compare, still compares them
    const second = await runCli(args, { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(second.code).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'kmnist', 'summary.json'), 'utf8')) as {
      comparisons: { a: string; b: string; added?: boolean; perSeed: unknown[] }[];
      ensembles: { name: string; members: { experiment: string; seeds: number[] }[] }[];
    };
    expect(summary.comparisons.filter((c) => c.added).map((c) => [c.a, c.b, c.perSeed.length])).toEqual([
      ['keras-cnn', 'cnn', 2],
      ['fcnn', 'keras-cnn', 2],
    ]);
    expect(summary.ensembles.map((e) => e.name)).toEqual(['cnn ensemble', 'fcnn ensemble', 'keras-cnn ensemble', 'neural ensemble']);
    expect(second.stdout).toMatch(/^\| cnn ensemble \| ensemble of 2 \| [\d.]+ \| — \(ensemble\) \|/m);
  });

  it('passes --weight-decay only to the experiments that train with AdamW, --label-smoothing to every trained one', async () => {
    const out = join(root, 'adamw-runs');
    const r = await runCli(['run', '--data-dir', data, '--experiments', 'cnn,cnn-modern', '--seeds', '1', '--jobs', '1', '--out', out, '--weight-decay', '0.01', '--label-smoothing', '0.05'], {
      env: { KMNIST_LAB_WORKER: FAKE },
    });
    expect(r.code).toBe(0);
    const calls = readFileSync(join(out, 'calls.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; args: string[] });
    const argsOf = (id: string): string => calls.find((c) => c.id === id)?.args.join(' ') ?? '';
    expect(argsOf('cnn/seed-1')).not.toContain('--weight-decay');
    expect(argsOf('cnn/seed-1')).toContain('--label-smoothing 0.05');
    expect(argsOf('cnn-modern/seed-1')).toContain('--weight-decay 0.01 --label-smoothing 0.05');
  });

  it('runs experiments x seeds, reports a failed run with its log, re-running finishes only the rest', async () => {
    const out = join(root, 'runs');
    const args = ['run', '--data-dir', data, '--experiments', 'cnn,fcnn', '--seeds', '2', '--jobs', '2', '--epochs', '2', '--out', out];
    const first = await runCli(args, { env: { KMNIST_LAB_WORKER: FAKE, FAKE_FAIL: 'fcnn/seed-2' } });
    expect(first.code).toBe(1);
    const log = join(out, 'kmnist', 'fcnn', 'seed-2', 'worker.log');
    expect(first.stderr).toContain(`fcnn seed 2: the worker exited with code 3 (boom: fake failure of fcnn/seed-2); log: ${log}`);
    expect(first.stderr).toMatch(/1 of 4 run\(s\) failed/);
    expect(first.stderr).toMatch(/0 complete \(skipped\), 0 to resume, 4 to start; 2 at a time/);
    // The three good runs are kept and summarized.
    const partial = JSON.parse(readFileSync(join(out, 'kmnist', 'summary.json'), 'utf8')) as { experiments: { experiment: string; seeds: number[] }[] };
    expect(partial.experiments.map((e) => [e.experiment, e.seeds])).toEqual([
      ['cnn', [1, 2]],
      ['fcnn', [1]],
    ]);

    const second = await runCli(args, { env: { KMNIST_LAB_WORKER: FAKE } });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/3 complete \(skipped\), 1 to resume, 0 to start/);
    const calls = readFileSync(join(out, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls).toHaveLength(5);
    expect(JSON.parse(calls[4])).toMatchObject({ id: 'fcnn/seed-2', resume: true });
    expect(second.stdout).toContain('### cnn vs fcnn: Does a CNN beat a fully-connected network?');
    const md = readFileSync(join(out, 'kmnist', 'summary.md'), 'utf8');
    expect(md).toContain('| fcnn | 2 |');
  });
});
