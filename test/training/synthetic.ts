// A tiny, learnable synthetic dataset: each class lights a block at its own position, plus seeded noise.
import type { Dataset, ImageSet } from '../../src/data/types.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Rng } from '../../src/training/rng.ts';

function makeSet(count: number, size: number, numClasses: number, rng: Rng): ImageSet {
  const images = new Uint8Array(count * size * size);
  const labels = new Int32Array(count);
  const cells = Math.ceil(Math.sqrt(numClasses));
  const block = Math.floor(size / cells);
  for (let i = 0; i < count; i++) {
    const c = i % numClasses;
    labels[i] = c;
    const r0 = Math.floor(c / cells) * block;
    const c0 = (c % cells) * block;
    for (let p = 0; p < size * size; p++) images[i * size * size + p] = Math.floor(rng.next() * 60);
    for (let r = r0; r < r0 + block; r++) for (let q = c0; q < c0 + block; q++) images[i * size * size + r * size + q] = 150 + Math.floor(rng.next() * 100);
  }
  return { images, labels, count, height: size, width: size };
}

export function syntheticDataset(opts: { train?: number; test?: number; size?: number; numClasses?: number; seed?: number } = {}): Dataset {
  const numClasses = opts.numClasses ?? 4;
  const size = opts.size ?? 8;
  const rng = new Rng(opts.seed ?? 1);
  return {
    name: 'kmnist',
    dataDir: '(synthetic)',
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, i) => `class ${i}`),
    train: makeSet(opts.train ?? 200, size, numClasses, rng),
    test: makeSet(opts.test ?? 80, size, numClasses, rng),
    fileMd5: { synthetic: '0' },
  };
}

function idx(magic: number, dims: number[], data: Uint8Array | Int32Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(Uint8Array.from(data))]);
}

/** Writes the dataset as the four MNIST-format .gz files the kmnist loader reads. */
export function writeIdxDataset(dir: string, ds: Dataset): void {
  mkdirSync(dir, { recursive: true });
  const write = (name: string, buf: Buffer): void => writeFileSync(join(dir, name), gzipSync(buf));
  for (const [prefix, set] of [['train', ds.train], ['t10k', ds.test]] as const) {
    write(`${prefix}-images-idx3-ubyte.gz`, idx(0x803, [set.count, set.height, set.width], set.images));
    write(`${prefix}-labels-idx1-ubyte.gz`, idx(0x801, [set.count], set.labels));
  }
}
