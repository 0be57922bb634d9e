// A re-run must not keep complete runs trained on other data (the summary would mix two studies).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCompleteRuns } from '../../src/study/consistency.ts';
import { fullConfig } from '../helpers/run-files.ts';

const root = mkdtempSync(join(tmpdir(), 'kmnist-consistency-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(name: string, epochs: number, datasetMd5: Record<string, string>): { experiment: string; seed: number; dir: string } {
  const dir = join(root, name, 'seed-1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(fullConfig({ experiment: name, dataset: 'kmnist', seed: 1, epochs, validationOn: 'val', datasetMd5 })));
  return { experiment: name, seed: 1, dir };
}

describe('checkCompleteRuns', () => {
  const data = { dataDir: '/data/kmnist', fileMd5: { 'train-images-idx3-ubyte.gz': 'aaa', 't10k-images-idx3-ubyte.gz': 'bbb' } };

  it('accepts runs on the same files and warns about another epoch cap', async () => {
    const same = run('cnn', 15, { 'train-images-idx3-ubyte.gz': 'aaa' });
    expect(await checkCompleteRuns([same], data, 15)).toEqual([]);
    expect(await checkCompleteRuns([same], data)).toEqual([]);
    expect(await checkCompleteRuns([same], data, 2)).toEqual([
      'kept complete runs with another epoch cap than --epochs 2: cnn seed 1 (15); delete them to redo them',
    ]);
  });

  it('refuses runs trained on other data files, naming the run and the file', async () => {
    const other = run('fcnn', 15, { 'train-images-idx3-ubyte.gz': 'zzz' });
    await expect(checkCompleteRuns([other], data)).rejects.toThrow(/fcnn\/seed-1 is a complete run trained on a different train-images-idx3-ubyte\.gz/);
  });
});
