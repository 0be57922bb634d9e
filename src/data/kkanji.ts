// Kuzushiji-Kanji: one .tar of <U+XXXX>/<id>.png folders (64x64 grayscale). No official split: we make a seeded one.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { PNG } from 'pngjs';
import { extract } from 'tar-stream';
import { UserError } from '../errors.ts';
import { charOfCodepoint } from './classmap.ts';
import type { ImageSet } from './types.ts';

export const KKANJI_SIZE = 64;

export interface KkanjiArchive {
  /** All images, labelled by class index; classes sorted by codepoint. */
  all: ImageSet;
  codepoints: string[];
  chars: string[];
  md5: string;
}

/** Decodes one PNG into 64x64 uint8 grey (the red channel of pngjs's RGBA output: the images are greyscale). */
export function decodeKanjiPng(buf: Buffer, name: string): Uint8Array {
  let png: PNG;
  try {
    png = PNG.sync.read(buf);
  } catch (err) {
    throw new UserError(`${name}: not a valid PNG (${err instanceof Error ? err.message : String(err)})`);
  }
  if (png.width !== KKANJI_SIZE || png.height !== KKANJI_SIZE) {
    throw new UserError(`${name}: image is ${png.width}x${png.height}, expected ${KKANJI_SIZE}x${KKANJI_SIZE}`);
  }
  const out = new Uint8Array(KKANJI_SIZE * KKANJI_SIZE);
  for (let i = 0; i < out.length; i++) out[i] = png.data[i * 4];
  return out;
}

export async function readKkanjiTar(path: string): Promise<KkanjiArchive> {
  const byClass = new Map<string, Uint8Array[]>();
  const hash = createHash('md5');
  const ex = extract();
  const source = createReadStream(path);
  source.on('data', (chunk) => hash.update(chunk as Buffer));
  source.on('error', (err) => ex.destroy(err));
  source.pipe(ex);
  try {
    for await (const entry of ex) {
      const name = entry.header.name;
      const folder = basename(name.slice(0, Math.max(0, name.lastIndexOf('/'))));
      if (entry.header.type !== 'file' || !name.toLowerCase().endsWith('.png') || !/^U\+[0-9A-Fa-f]{4,6}$/.test(folder)) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      const img = decodeKanjiPng(Buffer.concat(chunks), `${path}:${name}`);
      const key = folder.toUpperCase().replace(/^U\+/, 'U+');
      const list = byClass.get(key);
      if (list) list.push(img);
      else byClass.set(key, [img]);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: not a valid kkanji tar archive (${err instanceof Error ? err.message : String(err)})`);
  }
  if (byClass.size === 0) throw new UserError(`${path}: holds no <U+XXXX>/<name>.png images (is this kkanji.tar?)`);
  const codepoints = [...byClass.keys()].sort((a, b) => parseInt(a.slice(2), 16) - parseInt(b.slice(2), 16));
  const count = [...byClass.values()].reduce((n, l) => n + l.length, 0);
  const px = KKANJI_SIZE * KKANJI_SIZE;
  const images = new Uint8Array(count * px);
  const labels = new Int32Array(count);
  let k = 0;
  codepoints.forEach((cp, cls) => {
    for (const img of byClass.get(cp) ?? []) {
      images.set(img, k * px);
      labels[k++] = cls;
    }
  });
  if (meanBorder(images, count) > 127) invert(images); // contract: 0 = background
  return {
    all: { images, labels, count, height: KKANJI_SIZE, width: KKANJI_SIZE },
    codepoints,
    chars: codepoints.map((cp) => charOfCodepoint(cp) ?? cp),
    md5: hash.digest('hex'),
  };
}

function meanBorder(images: Uint8Array, count: number): number {
  const s = KKANJI_SIZE;
  let sum = 0;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const o = i * s * s;
    for (let x = 0; x < s; x++) {
      sum += images[o + x] + images[o + (s - 1) * s + x] + images[o + x * s] + images[o + x * s + s - 1];
      n += 4;
    }
  }
  return n ? sum / n : 0;
}

function invert(images: Uint8Array): void {
  for (let i = 0; i < images.length; i++) images[i] = 255 - images[i];
}
