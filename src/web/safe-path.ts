// Maps a URL path onto a file strictly inside a root folder: no '..', no absolute paths, no symlink escapes.
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

export type SafePathResult = { ok: true; file: string } | { ok: false; status: 400 | 403 | 404; reason: string };

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Resolves `encodedPath` (still percent-encoded, as it came in the URL, relative to the root) to a regular file
 * inside `root`. Segments are decoded one by one, so an encoded '/' or '\' can't smuggle in a '..'.
 */
export async function resolveInside(root: string, encodedPath: string): Promise<SafePathResult> {
  const segments: string[] = [];
  for (const raw of encodedPath.split('/')) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return { ok: false, status: 400, reason: 'bad percent-encoding in path' };
    }
    if (seg === '' || seg === '.') continue;
    if (seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0')) {
      return { ok: false, status: 403, reason: 'path leaves the served folder' };
    }
    segments.push(seg);
  }
  if (segments.length === 0) return { ok: false, status: 404, reason: 'no file named' };
  const rootAbs = resolve(root);
  const candidate = resolve(rootAbs, ...segments);
  if (!isInside(rootAbs, candidate) || candidate.split(sep).includes('..')) {
    return { ok: false, status: 403, reason: 'path leaves the served folder' };
  }
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(candidate), realpath(rootAbs)]);
  } catch {
    return { ok: false, status: 404, reason: 'not found' };
  }
  // A symlink inside the root may point anywhere: judge where it really leads.
  if (!isInside(realRoot, real)) return { ok: false, status: 403, reason: 'path leaves the served folder' };
  const info = await stat(real);
  if (!info.isFile()) return { ok: false, status: 404, reason: 'not a file' };
  return { ok: true, file: real };
}
