// Generated dataset fixtures (idx, npz, kkanji tar) for the data-layer tests: small, deterministic, no network.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { PNG } from 'pngjs';
import { pack } from 'tar-stream';
import { encodeIdx } from '../../src/data/idx.ts';
import { encodeNpy } from '../../src/data/npz.ts';

export function tempDir(prefix = 'kmnist-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `count` images whose pixels encode (index, position), and labels cycling 0..classes-1. */
export function makeSet(count: number, classes = 10, size = 28): { images: Uint8Array; labels: Uint8Array } {
  const images = new Uint8Array(count * size * size);
  for (let i = 0; i < images.length; i++) images[i] = (i * 7 + Math.floor(i / (size * size)) * 13) % 256;
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = i % classes;
  return { images, labels };
}

export const idxImages = (images: Uint8Array, count: number, size = 28): Uint8Array => encodeIdx([count, size, size], images);
export const idxLabels = (labels: Uint8Array): Uint8Array => encodeIdx([labels.length], labels);

/** A folder with the four MNIST-format files (gzip or plain) and optionally a class map. */
export function writeIdxDataset(dir: string, opts: { train?: number; test?: number; gzip?: boolean; classmap?: string } = {}): void {
  const train = makeSet(opts.train ?? 60);
  const test = makeSet(opts.test ?? 20);
  const gz = opts.gzip ?? true;
  const write = (name: string, data: Uint8Array): void => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(data) : data);
  write('train-images-idx3-ubyte', idxImages(train.images, opts.train ?? 60));
  write('train-labels-idx1-ubyte', idxLabels(train.labels));
  write('t10k-images-idx3-ubyte', idxImages(test.images, opts.test ?? 20));
  write('t10k-labels-idx1-ubyte', idxLabels(test.labels));
  if (opts.classmap !== undefined) writeFileSync(join(dir, 'kmnist_classmap.csv'), opts.classmap);
}

export const npz = (npy: Uint8Array, name = 'arr_0.npy'): Uint8Array => zipSync({ [name]: npy });

/** The four kmnist-*.npz files (labels as |u1 by default, like the official ones). */
export function writeNpzDataset(dir: string, prefix = 'kmnist', opts: { train?: number; test?: number; classes?: number; labelDescr?: string } = {}): void {
  const classes = opts.classes ?? 10;
  for (const [split, n] of [['train', opts.train ?? 60], ['test', opts.test ?? 20]] as const) {
    const set = makeSet(n, classes);
    writeFileSync(join(dir, `${prefix}-${split}-imgs.npz`), npz(encodeNpy('|u1', [n, 28, 28], set.images)));
    const descr = opts.labelDescr ?? '|u1';
    const labels = descr === '<i8' ? int64(set.labels) : set.labels;
    writeFileSync(join(dir, `${prefix}-${split}-labels.npz`), npz(encodeNpy(descr, [n], labels)));
  }
}

export function int64(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return out;
}

/** A grey PNG of the given size; `ink` draws a diagonal so images differ. */
export function grayPng(width: number, height: number, background: number, ink: number): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = Math.abs(x - y) < 3 ? ink : background;
      const o = (y * width + x) * 4;
      png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** A kkanji-style tar: kkanji2/<U+XXXX>/<n>.png entries. */
export async function makeKkanjiTar(path: string, classes: Record<string, Buffer[]>): Promise<void> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  p.entry({ name: 'kkanji2/', type: 'directory' });
  for (const [cp, pngs] of Object.entries(classes)) {
    p.entry({ name: `kkanji2/${cp}/`, type: 'directory' });
    pngs.forEach((png, i) => p.entry({ name: `kkanji2/${cp}/${i.toString(16).padStart(8, '0')}.png` }, png));
  }
  p.finalize();
  await ended;
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, Buffer.concat(chunks));
}
