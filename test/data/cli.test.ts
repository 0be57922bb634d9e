// The data commands end to end through the real CLI: download --source, info, examples.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { hasSharedData, runCli, SHARED_DATA, SHARED_SKIP_MESSAGE } from '../helpers/cli.ts';
import { tempDir, writeIdxDataset } from './fixtures.ts';

describe('data commands on generated fixtures', () => {
  it('info prints counts per split and class', async () => {
    const dir = tempDir();
    writeIdxDataset(dir, { train: 30, test: 10 });
    const r = await runCli(['info', '--dataset', 'fashion-mnist', '--data-dir', dir]);
    const j = await runCli(['info', '--json', '--dataset', 'fashion-mnist', '--data-dir', dir]);
    const summary = JSON.parse(j.stdout) as { trainCount: number; classes: { train: number }[] };
    expect(summary.classes.reduce((n, c) => n + c.train, 0)).toBe(summary.trainCount);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/splits:\s+train 30, test 10/);
    expect(r.stdout).toMatch(/^\s+9\s+Ankle boot\s+3\s+1$/m);
  });

  it('bad flags give a clear error and a non-zero exit', async () => {
    const r = await runCli(['info', '--dataset', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--dataset: unknown dataset 'nope' \(known: kmnist, k49, kkanji, fashion-mnist, mnist\)/);
    const e = await runCli(['examples', '--per-class', '0', '--data-dir', tempDir()]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/--per-class: '0' is not an integer >= 1/);
  });
});

describe.skipIf(!hasSharedData)('data commands on ../shared/data', () => {
  it('download --source ../shared/data/kmnist verifies the 4 present official files and names the missing training images', async () => {
    const dir = tempDir();
    const r = await runCli(['download', '--dataset', 'kmnist', '--source', join(SHARED_DATA, 'kmnist'), '--data-dir', dir]);
    expect(r.code).toBe(1);
    for (const f of ['train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'kmnist_classmap.csv']) {
      expect(r.stdout).toMatch(new RegExp(`ok\\s+${f.replace(/\./g, '\\.')}: imported from .*, md5 verified`));
    }
    expect(r.stdout).toMatch(/FAILED\s+train-images-idx3-ubyte\.gz: train-images-idx3-ubyte\.gz is not in --source .*official URL http:\/\/codh\.rois\.ac\.jp\/kmnist\/dataset\/kmnist\/train-images-idx3-ubyte\.gz/);
    expect(r.stderr).toMatch(/1 of 5 files missing or invalid \(train-images-idx3-ubyte\.gz\); 4 verified/);
    expect(readdirSync(dir).sort()).toEqual(['kmnist_classmap.csv', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
  });

  it('download --accept-recompressed imports the re-compressed fashion-mnist by content md5', async () => {
    // (without the flag the md5 mismatch is refused: covered in download.test.ts)
    const dir = tempDir();
    const src = join(SHARED_DATA, 'fashion-mnist');
    const ok = await runCli(['download', '--dataset', 'fashion-mnist', '--source', src, '--data-dir', dir, '--accept-recompressed']);
    expect(ok.code).toBe(0);
    expect(ok.stdout.match(/content md5 \(re-compressed copy\) verified/g)).toHaveLength(4);
  });

  it('info --data-dir kmnist-10k prints 8000/2000 and per-class counts', async () => {
    const r = await runCli(['info', '--data-dir', join(SHARED_DATA, 'kmnist-10k')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/splits:\s+train 8000, test 2000/);
    expect(r.stdout).toMatch(/^\s+0\s+お \(U\+304A\)\s+806\s+194$/m);
    expect(r.stdout).toMatch(/^\s+total\s+8000\s+2000$/m);
  });

  it('info on the test-only kmnist folder names the missing file', async () => {
    const r = await runCli(['info', '--data-dir', join(SHARED_DATA, 'kmnist')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/train-images-idx3-ubyte\.gz is missing .*kmnist-lab download --dataset kmnist/);
  });

  it('examples writes a valid PNG grid', async () => {
    const out = join(tempDir(), 'grid.png');
    const r = await runCli(['examples', '--data-dir', join(SHARED_DATA, 'kmnist-10k'), '--out', out, '--per-class', '6']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*grid\.png \(\d+x\d+, 10 classes x 6 examples/);
    const png = PNG.sync.read(readFileSync(out));
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(500);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });
});
if (!hasSharedData) console.log(SHARED_SKIP_MESSAGE);
