// md5 of files and buffers: how downloads are verified and how runs record which data they used.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function md5Buffer(buf: Uint8Array): string {
  return createHash('md5').update(buf).digest('hex');
}

/** Streams the file, so multi-hundred-MB archives need no memory. */
export async function md5File(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
