// MNIST idx format: validates magic, rank, dims and byte length before trusting any size in the header.
import { UserError } from '../errors.ts';

const UBYTE = 0x08;

export interface IdxArray {
  dims: number[];
  /** The payload after the header (a view into the input buffer). */
  data: Uint8Array;
}

/** Parses an idx buffer of unsigned bytes with the expected rank; `file` names the source in errors. */
export function parseIdx(buf: Uint8Array, file: string, expectedRank: number): IdxArray {
  if (buf.length < 4) throw new UserError(`${file}: too short to be an idx file (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new UserError(`${file}: bad idx magic number 0x${hex(buf, 0, 4)} (expected 0x0000080${expectedRank})`);
  }
  if (buf[2] !== UBYTE) throw new UserError(`${file}: idx data type 0x${hex(buf, 2, 1)} is not unsigned byte (0x08)`);
  const rank = buf[3];
  if (rank !== expectedRank) {
    throw new UserError(`${file}: idx file has ${rank} dimension(s), expected ${expectedRank} (${expectedRank === 3 ? 'images' : 'labels'})`);
  }
  const headerBytes = 4 + 4 * rank;
  if (buf.length < headerBytes) throw new UserError(`${file}: truncated idx header (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const payload = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + payload;
  if (buf.length !== expected) {
    const what = buf.length < expected ? 'truncated' : 'has trailing bytes';
    throw new UserError(`${file}: ${what}: ${buf.length} bytes, but its header (${dims.join('x')}) needs ${expected}`);
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Images as an owned uint8 array (count x height x width). */
export function decodeIdxImages(buf: Uint8Array, file: string): { images: Uint8Array; count: number; height: number; width: number } {
  const { dims, data } = parseIdx(buf, file, 3);
  const [count, height, width] = dims;
  if (height === 0 || width === 0) throw new UserError(`${file}: image size ${height}x${width} is empty`);
  return { images: new Uint8Array(data), count, height, width };
}

/** Labels as Int32Array; every value must lie in 0..numClasses-1. */
export function decodeIdxLabels(buf: Uint8Array, file: string, numClasses: number): Int32Array {
  const { data } = parseIdx(buf, file, 1);
  return checkLabels(Int32Array.from(data), file, numClasses);
}

export function checkLabels(labels: Int32Array, file: string, numClasses: number): Int32Array {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v < 0 || v >= numClasses) {
      throw new UserError(`${file}: label ${v} at index ${i} is out of range 0..${numClasses - 1}`);
    }
  }
  return labels;
}

function hex(buf: Uint8Array, start: number, n: number): string {
  return Array.from(buf.subarray(start, start + n), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Encodes an idx file (used by tests and fixtures). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = UBYTE;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
