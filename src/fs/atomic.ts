// Atomic file and folder writes: a killed process leaves either the old version or the new one, and a
// reader never sees half a file. The one place the project writes that way (training, study, report,
// engine, export and inference all use it).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The temporary beside `path` that a write goes through: same folder, so the rename stays on one file system. */
function temporaryOf(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/**
 * Writes `data` to `path` through <path>.tmp-<pid> and a rename, creating the parent folders. On a failed
 * write or rename the temporary is removed and the error rethrown (the previous `path`, if any, is kept).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = temporaryOf(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** writeFileAtomic without blocking the event loop (model weights, summaries). Same file names and cleanup. */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = temporaryOf(path);
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** `value` as 2-space-indented JSON plus a newline, written by writeFileAtomic. */
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
