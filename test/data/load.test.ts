// loadDataset on generated folders (idx .gz / plain, npz, kkanji tar) and on the real files in ../shared/data.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { loadDataset } from '../../src/data/load.ts';
import { md5File } from '../../src/data/md5.ts';
import { encodeNpy } from '../../src/data/npz.ts';
import { hasSharedData, SHARED_DATA, SHARED_SKIP_MESSAGE } from '../helpers/cli.ts';
import { grayPng, idxLabels, makeKkanjiTar, makeSet, npz, tempDir, writeIdxDataset, writeNpzDataset } from './fixtures.ts';

async function loadError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return (err as UserError).message;
}

describe('loadDataset on generated folders', () => {
  it('loads gzip idx files with a class map, recording md5s', async () => {
    const dir = tempDir();
    writeIdxDataset(dir, { classmap: 'index,codepoint,char\n' + [...'おきすつなはまやれを'].map((c, i) => `${i},U+${c.codePointAt(0)?.toString(16).toUpperCase()},${c}`).join('\n') });
    const ds = await loadDataset({ dataset: 'kmnist', dataDir: dir });
    expect([ds.train.count, ds.test.count, ds.train.height, ds.numClasses]).toEqual([60, 20, 28, 10]);
    expect(ds.train.images.length).toBe(60 * 28 * 28);
    expect(ds.format).toBe('idx');
    expect(ds.classNames[0]).toBe('お (U+304A)');
    expect(ds.classChars?.[9]).toBe('を');
    expect(Object.keys(ds.fileMd5).sort()).toEqual(['kmnist_classmap.csv', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    expect(ds.fileMd5['train-images-idx3-ubyte.gz']).toBe(await md5File(join(dir, 'train-images-idx3-ubyte.gz')));
    // A relative --data-dir ("./x/y", as the default ./data/<name> is) keys md5s by plain file names too.
    const rel = `./${relative(process.cwd(), dir)}`;
    const again = await loadDataset({ dataset: 'kmnist', dataDir: rel });
    expect(again.fileMd5).toEqual(ds.fileMd5);
    expect(again.dataDir).toBe(rel);
  });

  it('loads uncompressed idx files; fashion-mnist gets built-in names', async () => {
    const dir = tempDir();
    writeIdxDataset(dir, { gzip: false });
    const ds = await loadDataset({ dataset: 'fashion-mnist', dataDir: dir });
    expect(ds.train.count).toBe(60);
    expect(ds.classNames[9]).toBe('Ankle boot');
    expect(ds.classChars).toBeUndefined();
  });

  it('loads npz files (k49, int64 labels)', async () => {
    const dir = tempDir();
    writeNpzDataset(dir, 'k49', { train: 98, test: 49, classes: 49, labelDescr: '<i8' });
    const ds = await loadDataset({ dataset: 'k49', dataDir: dir });
    expect([ds.train.count, ds.test.count, ds.numClasses, ds.format]).toEqual([98, 49, 49, 'npz']);
    expect(ds.test.labels[48]).toBe(48);
    expect(ds.classChars?.[0]).toBe('あ'); // built-in K49 map when the csv is absent
  });

  it('names the missing training images and points to download / --data-dir', async () => {
    const dir = tempDir();
    writeIdxDataset(dir);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(join(dir, 'train-images-idx3-ubyte.gz'));
    const msg = await loadError(loadDataset({ dataset: 'kmnist', dataDir: dir }));
    expect(msg).toMatch(/train-images-idx3-ubyte\.gz is missing/);
    expect(msg).toMatch(/kmnist-lab download --dataset kmnist/);
    expect(msg).toMatch(/--data-dir/);
  });

  it('rejects a missing folder and an empty one', async () => {
    expect(await loadError(loadDataset({ dataset: 'kmnist', dataDir: '/nonexistent/kmnist' }))).toMatch(/--data-dir \/nonexistent\/kmnist does not exist/);
    expect(await loadError(loadDataset({ dataset: 'kmnist', dataDir: tempDir() }))).toMatch(/no kmnist files found/);
  });

  it('rejects image/label count mismatch, naming both files', async () => {
    const dir = tempDir();
    writeIdxDataset(dir);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxLabels(makeSet(59).labels)));
    expect(await loadError(loadDataset({ dataset: 'kmnist', dataDir: dir }))).toMatch(/train-images-idx3-ubyte\.gz holds 60 images but .*train-labels-idx1-ubyte\.gz holds 59 labels/);
  });

  it('rejects a truncated .gz, naming it', async () => {
    const dir = tempDir();
    writeIdxDataset(dir);
    const full = gzipSync(new Uint8Array(16 + 60 * 784));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), full.subarray(0, full.length - 20));
    expect(await loadError(loadDataset({ dataset: 'kmnist', dataDir: dir }))).toMatch(/train-images-idx3-ubyte\.gz: not a valid gzip file/);
  });

  it('rejects an npz label out of range', async () => {
    const dir = tempDir();
    writeNpzDataset(dir, 'kmnist');
    writeFileSync(join(dir, 'kmnist-test-labels.npz'), npz(encodeNpy('|u1', [20], new Uint8Array(20).fill(10))));
    expect(await loadError(loadDataset({ dataset: 'kmnist', dataDir: dir }))).toMatch(/kmnist-test-labels\.npz: label 10 at index 0 is out of range/);
  });
});

describe('kkanji tar loader', () => {
  const dir = tempDir();
  const tar = join(dir, 'kkanji.tar');
  beforeAll(async () => {
    // Three classes of 10, 5 and 1 images; black background, white ink as in the dataset.
    await makeKkanjiTar(tar, {
      'U+4E00': Array.from({ length: 10 }, () => grayPng(64, 64, 0, 255)),
      'U+4E8C': Array.from({ length: 5 }, () => grayPng(64, 64, 0, 200)),
      'U+4E09': [grayPng(64, 64, 0, 100)],
    });
  });

  it('reads 64x64 images, classes sorted by codepoint, and makes a seeded stratified split', async () => {
    const ds = await loadDataset({ dataset: 'kkanji', dataDir: dir });
    expect(ds.numClasses).toBe(3);
    expect(ds.classNames).toEqual(['一 (U+4E00)', '三 (U+4E09)', '二 (U+4E8C)']);
    expect([ds.train.height, ds.train.width]).toEqual([64, 64]);
    expect(ds.train.count + ds.test.count).toBe(16);
    expect(ds.test.count).toBe(2 + 1); // 20% of 10 and of 5; the single-image class stays in train
    expect(ds.train.images[0]).toBe(255); // diagonal ink at (0,0)
    expect(ds.train.images[63]).toBe(0);
    expect(ds.fileMd5['kkanji.tar']).toBe(await md5File(tar));
    const again = await loadDataset({ dataset: 'kkanji', dataDir: dir });
    expect(Array.from(again.test.labels)).toEqual(Array.from(ds.test.labels));
  });

  it('inverts black-on-white archives so that 0 is background', async () => {
    const d2 = tempDir();
    await makeKkanjiTar(join(d2, 'kkanji.tar'), { 'U+4E00': [grayPng(64, 64, 255, 0), grayPng(64, 64, 255, 0)] });
    const ds = await loadDataset({ dataset: 'kkanji', dataDir: d2 });
    expect(ds.train.images[0]).toBe(255);
    expect(ds.train.images[63]).toBe(0);
  });

  it('rejects a PNG of the wrong size and a non-PNG entry, naming the entry', async () => {
    const d3 = tempDir();
    await makeKkanjiTar(join(d3, 'kkanji.tar'), { 'U+4E00': [grayPng(32, 32, 0, 255)] });
    expect(await loadError(loadDataset({ dataset: 'kkanji', dataDir: d3 }))).toMatch(/kkanji\.tar:kkanji2\/U\+4E00\/00000000\.png: image is 32x32, expected 64x64/);
    const d4 = tempDir();
    await makeKkanjiTar(join(d4, 'kkanji.tar'), { 'U+4E00': [Buffer.from('not a png')] });
    expect(await loadError(loadDataset({ dataset: 'kkanji', dataDir: d4 }))).toMatch(/00000000\.png: not a valid PNG/);
  });

  it('rejects a truncated tar and a missing one', async () => {
    const d5 = tempDir();
    const { readFileSync } = await import('node:fs');
    const buf = readFileSync(tar);
    writeFileSync(join(d5, 'kkanji.tar'), buf.subarray(0, 1500));
    expect(await loadError(loadDataset({ dataset: 'kkanji', dataDir: d5 }))).toMatch(/kkanji\.tar/);
    expect(await loadError(loadDataset({ dataset: 'kkanji', dataDir: tempDir() }))).toMatch(/no kkanji files found \(expected kkanji\.tar\)/);
  });
});

describe.skipIf(!hasSharedData)('loadDataset on the real files in ../shared/data', () => {
  it('kmnist-10k: 8000/2000 28x28, official class map', async () => {
    const ds = await loadDataset({ dataset: 'kmnist', dataDir: join(SHARED_DATA, 'kmnist-10k') });
    expect([ds.train.count, ds.test.count, ds.train.height, ds.train.width]).toEqual([8000, 2000, 28, 28]);
    expect(ds.classNames[0]).toBe('お (U+304A)');
    expect(ds.fileMd5['kmnist_classmap.csv']).toBe('899202f6e8dc29a321ac210a03d0f2f1');
    expect(ds.fileMd5['train-images-idx3-ubyte.gz']).toBe('90534707442adb091687980a958abbda');
  });

  it('kmnist (test set only): a clear error naming the missing training images', async () => {
    const msg = await loadError(loadDataset({ dataset: 'kmnist', dataDir: join(SHARED_DATA, 'kmnist') }));
    expect(msg).toMatch(/train-images-idx3-ubyte\.gz is missing \(found 3 of 4 idx files\)/);
    expect(msg).toMatch(/kmnist-lab download/);
  });
});
if (!hasSharedData) console.log(SHARED_SKIP_MESSAGE);
