// Reads a file that may be gzip-compressed; a corrupt or truncated .gz becomes a UserError naming it.
import { readFileNamed } from './read-file.ts';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../errors.ts';

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

export function gunzipNamed(buf: Uint8Array, file: string): Buffer {
  try {
    return gunzipSync(buf);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError(`${file}: not a valid gzip file (${reason}); the file is probably truncated or corrupt — download it again`);
  }
}

/** The raw bytes as stored, and the content (gunzipped when the file is gzip). */
export async function readMaybeGzip(path: string): Promise<{ raw: Buffer; content: Buffer }> {
  const raw = await readFileNamed(path);
  if (path.endsWith('.gz') && !isGzip(raw)) throw new UserError(`${path}: named .gz but is not gzip data`);
  return { raw, content: isGzip(raw) ? gunzipNamed(raw, path) : raw };
}
