// NumPy .npz (a zip of .npy arrays) as published for KMNIST/K49: header parsed, dtype/shape/order checked.
import { unzipSync } from 'fflate';
import { UserError } from '../errors.ts';
import { checkLabels } from './idx.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyArray {
  descr: string;
  shape: number[];
  fortranOrder: boolean;
  itemSize: number;
  /** Raw little-endian payload (a view into the input). */
  data: Uint8Array;
}

const INTEGER_DTYPES: Record<string, { size: number; signed: boolean }> = {
  u1: { size: 1, signed: false },
  i1: { size: 1, signed: true },
  u2: { size: 2, signed: false },
  i2: { size: 2, signed: true },
  u4: { size: 4, signed: false },
  i4: { size: 4, signed: true },
  u8: { size: 8, signed: false },
  i8: { size: 8, signed: true },
};

/** Splits '|u1' / '<i8' into byte order and kind; only integer dtypes in native (little-endian) order are read. */
function dtypeOf(descr: string, file: string): { kind: string; size: number; signed: boolean } {
  const m = /^([<>|=]?)([a-z]\d+)$/.exec(descr);
  const info = m ? INTEGER_DTYPES[m[2]] : undefined;
  if (!m || !info) throw new UserError(`${file}: unsupported npy dtype '${descr}' (expected an unsigned/signed integer type such as '|u1')`);
  if (m[1] === '>' && info.size > 1) throw new UserError(`${file}: big-endian npy dtype '${descr}' is not supported`);
  return { kind: m[2], ...info };
}

export function parseNpy(buf: Uint8Array, file: string): NpyArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new UserError(`${file}: not a .npy array (bad magic)`);
  const major = buf[6];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw new UserError(`${file}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new UserError(`${file}: unsupported .npy format version ${major}`);
  }
  if (buf.length < headerStart + headerLen) throw new UserError(`${file}: truncated .npy header`);
  const header = new TextDecoder('latin1').decode(buf.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const order = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || order === undefined || shapeText === undefined) {
    throw new UserError(`${file}: malformed .npy header: ${header.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = Number(s.replace(/L$/, ''));
      if (!Number.isInteger(n) || n < 0) throw new UserError(`${file}: bad .npy shape (${shapeText})`);
      return n;
    });
  const { size } = dtypeOf(descr, file);
  const dataStart = headerStart + headerLen;
  const expected = shape.reduce((a, b) => a * b, 1) * size;
  const actual = buf.length - dataStart;
  if (actual !== expected) {
    throw new UserError(`${file}: .npy payload is ${actual} bytes but shape (${shape.join(', ')}) of '${descr}' needs ${expected}${actual < expected ? ' (truncated)' : ''}`);
  }
  return { descr, shape, fortranOrder: order === 'True', itemSize: size, data: buf.subarray(dataStart) };
}

/** The one array in an .npz ('arr_0' as saved by np.savez); errors name the file. */
export function readNpzArray(buf: Uint8Array, file: string): NpyArray {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(buf);
  } catch (err) {
    throw new UserError(`${file}: not a valid .npz (zip) file (${err instanceof Error ? err.message : String(err)}); it is probably truncated or corrupt`);
  }
  const names = Object.keys(entries).filter((n) => n.endsWith('.npy'));
  const name = names.includes('arr_0.npy') ? 'arr_0.npy' : names.length === 1 ? names[0] : undefined;
  if (!name) throw new UserError(`${file}: expected one array (arr_0.npy) in the .npz, found: ${names.join(', ') || 'none'}`);
  return parseNpy(entries[name], `${file}:${name}`);
}

export function npyImages(arr: NpyArray, file: string): { images: Uint8Array; count: number; height: number; width: number } {
  if (arr.descr.replace(/^[<>|=]/, '') !== 'u1') throw new UserError(`${file}: images must have dtype uint8 ('|u1'), got '${arr.descr}'`);
  if (arr.fortranOrder) throw new UserError(`${file}: images are stored in Fortran order; expected C (row-major) order`);
  const shape = arr.shape.length === 4 && arr.shape[3] === 1 ? arr.shape.slice(0, 3) : arr.shape;
  if (shape.length !== 3) throw new UserError(`${file}: images must have shape (count, height, width), got (${arr.shape.join(', ')})`);
  const [count, height, width] = shape;
  return { images: new Uint8Array(arr.data), count, height, width };
}

export function npyLabels(arr: NpyArray, file: string, numClasses: number): Int32Array {
  const { size, signed } = dtypeOf(arr.descr, file);
  if (arr.shape.length !== 1) throw new UserError(`${file}: labels must be one-dimensional, got shape (${arr.shape.join(', ')})`);
  const n = arr.shape[0];
  const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    let v: number;
    if (size === 1) v = signed ? view.getInt8(o) : view.getUint8(o);
    else if (size === 2) v = signed ? view.getInt16(o, true) : view.getUint16(o, true);
    else if (size === 4) v = signed ? view.getInt32(o, true) : view.getUint32(o, true);
    else v = Number(signed ? view.getBigInt64(o, true) : view.getBigUint64(o, true));
    if (v > 0x7fffffff) v = -1; // out of range for any class index: reported below
    out[i] = v;
  }
  return checkLabels(out, file, numClasses);
}

/** Encodes a C-order .npy (version 1.0); used by tests and fixtures. */
export function encodeNpy(descr: string, shape: number[], data: Uint8Array, fortranOrder = false): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}
