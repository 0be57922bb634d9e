// idx / npz / classmap parsing on generated fixtures, including every malformed case.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { parseClassMap } from '../../src/data/classmap.ts';
import { decodeIdxImages, decodeIdxLabels, encodeIdx } from '../../src/data/idx.ts';
import { encodeNpy, npyImages, npyLabels, parseNpy, readNpzArray } from '../../src/data/npz.ts';
import { idxImages, idxLabels, int64, makeSet, npz } from './fixtures.ts';

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected a UserError, nothing was thrown');
}

describe('idx loader', () => {
  const set = makeSet(5);
  const images = idxImages(set.images, 5);

  it('decodes images and labels', () => {
    const d = decodeIdxImages(images, 'x.idx');
    expect([d.count, d.height, d.width]).toEqual([5, 28, 28]);
    expect(Array.from(d.images.subarray(0, 4))).toEqual(Array.from(set.images.subarray(0, 4)));
    expect(d.images.byteOffset).toBe(0); // an owned copy, not a view into the file buffer
    expect(Array.from(decodeIdxLabels(idxLabels(set.labels), 'y.idx', 10))).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects a bad magic number, naming the file', () => {
    const bad = images.slice();
    bad[0] = 0x1f;
    expect(userError(() => decodeIdxImages(bad, 'train-images-idx3-ubyte')).message).toMatch(/^train-images-idx3-ubyte: bad idx magic/);
  });

  it('rejects a non-ubyte data type', () => {
    const bad = images.slice();
    bad[2] = 0x0d;
    expect(userError(() => decodeIdxImages(bad, 'f')).message).toMatch(/not unsigned byte/);
  });

  it('rejects labels given where images are expected (wrong dims)', () => {
    expect(userError(() => decodeIdxImages(idxLabels(set.labels), 'labels-as-images')).message).toMatch(/labels-as-images: idx file has 1 dimension\(s\), expected 3/);
  });

  it('rejects a truncated file and trailing bytes', () => {
    expect(userError(() => decodeIdxImages(images.subarray(0, images.length - 1), 'cut')).message).toMatch(/cut: truncated: 3935 bytes, but its header \(5x28x28\) needs 3936/);
    const long = new Uint8Array(images.length + 3);
    long.set(images);
    expect(userError(() => decodeIdxImages(long, 'long')).message).toMatch(/long: has trailing bytes/);
    expect(userError(() => decodeIdxImages(images.subarray(0, 9), 'hdr')).message).toMatch(/hdr: truncated idx header/);
  });

  it('rejects a label out of range', () => {
    const labels = idxLabels(new Uint8Array([0, 1, 10]));
    expect(userError(() => decodeIdxLabels(labels, 'lab', 10)).message).toMatch(/lab: label 10 at index 2 is out of range 0\.\.9/);
  });

  it('rejects empty images', () => {
    expect(userError(() => decodeIdxImages(encodeIdx([0, 0, 28], new Uint8Array(0)), 'e')).message).toMatch(/empty/);
  });
});

describe('npz loader', () => {
  const set = makeSet(4);

  it('reads images and labels of several integer dtypes', () => {
    const imgs = npyImages(readNpzArray(npz(encodeNpy('|u1', [4, 28, 28], set.images)), 'i.npz'), 'i.npz');
    expect([imgs.count, imgs.height, imgs.width]).toEqual([4, 28, 28]);
    expect(imgs.images[5]).toBe(set.images[5]);
    expect(Array.from(npyLabels(readNpzArray(npz(encodeNpy('<i8', [4], int64(set.labels))), 'l.npz'), 'l.npz', 10))).toEqual([0, 1, 2, 3]);
    expect(Array.from(npyLabels(parseNpy(encodeNpy('|u1', [4], set.labels), 'l.npy'), 'l.npy', 10))).toEqual([0, 1, 2, 3]);
  });

  it('rejects a non-uint8 image dtype', () => {
    const f32 = new Uint8Array(4 * 28 * 28 * 4);
    expect(userError(() => parseNpy(encodeNpy('<f4', [4, 28, 28], f32), 'f.npy')).message).toMatch(/f\.npy: unsupported npy dtype '<f4'/);
    const u2 = new Uint8Array(4 * 28 * 28 * 2);
    expect(userError(() => npyImages(parseNpy(encodeNpy('<u2', [4, 28, 28], u2), 'u2.npy'), 'u2.npy')).message).toMatch(/u2\.npy: images must have dtype uint8/);
  });

  it('rejects Fortran order', () => {
    const arr = parseNpy(encodeNpy('|u1', [4, 28, 28], set.images, true), 'fo.npy');
    expect(userError(() => npyImages(arr, 'fo.npy')).message).toMatch(/fo\.npy: .*Fortran order/);
  });

  it('rejects a wrong shape and a truncated payload', () => {
    expect(userError(() => npyImages(parseNpy(encodeNpy('|u1', [4 * 28, 28], set.images), 's.npy'), 's.npy')).message).toMatch(/shape \(count, height, width\)/);
    const npy = encodeNpy('|u1', [4, 28, 28], set.images);
    expect(userError(() => parseNpy(npy.subarray(0, npy.length - 10), 't.npy')).message).toMatch(/t\.npy: .*needs 3136 \(truncated\)/);
  });

  it('rejects a bad magic, a corrupt zip, and a big-endian dtype', () => {
    expect(userError(() => parseNpy(new Uint8Array(20), 'm.npy')).message).toMatch(/m\.npy: not a \.npy array/);
    const zip = npz(encodeNpy('|u1', [4, 28, 28], set.images));
    expect(userError(() => readNpzArray(zip.subarray(0, zip.length / 2), 'half.npz')).message).toMatch(/half\.npz: not a valid \.npz/);
    expect(userError(() => parseNpy(encodeNpy('>i4', [4], new Uint8Array(16)), 'be.npy')).message).toMatch(/big-endian/);
  });

  it('rejects labels out of range, also from int64', () => {
    const bad = int64(new Uint8Array([1, 2, 49]));
    expect(userError(() => npyLabels(parseNpy(encodeNpy('<i8', [3], bad), 'k49-l.npy'), 'k49-l.npy', 49)).message).toMatch(/k49-l\.npy: label 49 at index 2/);
  });

  it('rejects an npz without arr_0 among several arrays', () => {
    const two = npz(encodeNpy('|u1', [1], new Uint8Array([0])), 'a.npy');
    expect(readNpzArray(two, 'one.npz').shape).toEqual([1]); // a single array of any name is fine
    expect(userError(() => readNpzArray(new Uint8Array(two.length), 'z.npz')).message).toMatch(/z\.npz/);
  });
});

describe('class map', () => {
  it('parses index,codepoint,char', () => {
    const m = parseClassMap('index,codepoint,char\n0,U+304A,お\n1,U+304D,き\n', 'cm.csv', 2);
    expect(m.chars).toEqual(['お', 'き']);
    expect(m.codepoints).toEqual(['U+304A', 'U+304D']);
  });
  it('rejects a missing class and a bad row', () => {
    expect(userError(() => parseClassMap('index,codepoint,char\n0,U+304A,お\n', 'cm.csv', 2)).message).toMatch(/cm\.csv: no entry for class 1/);
    expect(userError(() => parseClassMap('index,codepoint,char\n7,U+304A,お\n', 'cm.csv', 2)).message).toMatch(/cm\.csv: line 2/);
  });
});
