// A list of named float tensors as <name>.json (names, shapes) + <name>.bin (float32 data): the
// checkpoint's format for model weights and optimizer state, exact to the bit.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors.ts';

interface Entry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

export async function writeTensors(dir: string, base: string, tensors: NamedTensor[]): Promise<void> {
  const entries: Entry[] = [];
  const parts: Uint8Array[] = [];
  for (const { name, tensor } of tensors) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const data = dtype === 'int32' ? new Int32Array(await tensor.data<'int32'>()) : new Float32Array(await tensor.data<'float32'>());
    entries.push({ name, shape: tensor.shape, dtype });
    parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  writeFileSync(join(dir, `${base}.bin`), Buffer.concat(parts));
  writeFileSync(join(dir, `${base}.json`), JSON.stringify(entries));
}

export function readTensors(dir: string, base: string): NamedTensor[] {
  const jsonPath = join(dir, `${base}.json`);
  let entries: Entry[];
  let bin: Buffer;
  try {
    entries = JSON.parse(readFileSync(jsonPath, 'utf8')) as Entry[];
    bin = readFileSync(join(dir, `${base}.bin`));
  } catch (err) {
    throw new UserError(`checkpoint ${jsonPath} is unreadable (${(err as Error).message}); start over with --force`);
  }
  const buf = new Uint8Array(bin.byteLength);
  buf.set(bin); // an aligned copy, so typed-array views work
  let offset = 0;
  return entries.map((e) => {
    const n = e.shape.reduce((a, b) => a * b, 1);
    const data = e.dtype === 'int32' ? new Int32Array(buf.buffer, offset, n) : new Float32Array(buf.buffer, offset, n);
    offset += n * 4;
    if (offset > buf.byteLength) throw new UserError(`checkpoint ${jsonPath}: data file is truncated; start over with --force`);
    return { name: e.name, tensor: tf.tensor(data, e.shape, e.dtype) };
  });
}
