// Atomic file and folder writes: a killed process leaves either the old version or the new one.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** The names the writers here give their temporaries: <name>.tmp-<pid>, <name>.old-<pid>. */
const TEMPORARY = /\.(tmp|old)-\d+$/;

/**
 * Removes the temporaries that killed writers left in `dir` (not in its subfolders). Only for a folder this
 * process holds the lock of: another live writer's temporaries would go too.
 */
export function removeTemporaries(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) if (TEMPORARY.test(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
}

/** Fills `dir` via `fill(tmpDir)`, then swaps it in place of any previous version. */
export async function replaceDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await fill(tmp);
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(tmp, dir);
  rmSync(old, { recursive: true, force: true });
}
