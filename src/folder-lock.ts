// One writer per folder (a run folder, a study's runs/<dataset>, a report folder): a lock taken with
// proper-lockfile (an atomic mkdir, kept fresh by touching it, released on exit and on signals) that records
// its holder, so a second writer is refused with one line naming the folder and who holds it.
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import lockfile from 'proper-lockfile';
import { UserError } from './errors.ts';

/** The lock inside a locked folder (a folder itself: proper-lockfile creates it with mkdir). */
export const LOCK_NAME = '.lock';
const HOLDER_FILE = 'holder.json';
/** A lock not touched for this long is stale (its holder hung or its machine died) and is taken over. */
const STALE_MS = 60_000;
/** How often the holder touches its lock. */
const UPDATE_MS = 10_000;

export interface LockHolder {
  pid: number;
  host: string;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** The holder's command line, after `kmnist-lab`. */
  command: string;
  /** Linux: the holder's start time in clock ticks after boot (/proc/<pid>/stat field 22), to tell a reused pid. */
  processStart?: string;
}

export interface FolderLock {
  dir: string;
  release(): Promise<void>;
}

export interface LockFolderOptions {
  /** What the folder is, for messages ("run folder", "study folder", "report folder"). */
  what: string;
  /** Where notes go (taking over a lock its dead holder left); default: stderr. */
  note?: (message: string) => void;
  /** How often the lock is touched, in ms (default 10 s; at least 1 s). */
  updateMs?: number;
}

/** proper-lockfile removes its lock with rmdir; a recursive rm also removes the holder file kept inside it. */
const lockFs = {
  ...fs,
  rmdir: (path: string, done: (err: NodeJS.ErrnoException | null) => void) => fs.rm(path, { recursive: true, force: true }, done),
  rmdirSync: (path: string) => fs.rmSync(path, { recursive: true, force: true }),
};

function processStart(pid: number | 'self'): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function readHolder(lockPath: string): LockHolder | null {
  try {
    const holder = JSON.parse(fs.readFileSync(join(lockPath, HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' ? (holder as LockHolder) : null;
  } catch {
    return null;
  }
}

/** True when the holder ran on this machine and that process is gone (or its pid now names another process). */
function holderIsGone(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = processStart(holder.pid);
  return holder.processStart !== undefined && start !== undefined && start !== holder.processStart;
}

export function describeHolder(holder: LockHolder | null): string {
  if (!holder) return 'another process that is just starting';
  return `kmnist-lab ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.since})`;
}

/** Moves a dead holder's lock aside (rename is atomic: of two processes taking it over, one wins) and removes it. */
function takeOver(lockPath: string): boolean {
  const aside = `${lockPath}.stale-${process.pid}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return false;
  }
  fs.rmSync(aside, { recursive: true, force: true });
  return true;
}

async function tryLock(dir: string, lockPath: string, options: LockFolderOptions, note: (m: string) => void): Promise<() => Promise<void>> {
  return lockfile.lock(dir, {
    lockfilePath: lockPath,
    realpath: false,
    stale: STALE_MS,
    update: options.updateMs ?? UPDATE_MS,
    fs: lockFs,
    // Another process found the lock untouched for STALE_MS (this one was suspended) and took it over.
    onCompromised: (err) => note(`warning: lost the lock on the ${options.what} ${dir} (${err.message}); another process may now write there`),
  });
}

/**
 * Takes the lock of `dir` (created if missing) or throws a UserError naming the folder and its holder.
 * A lock left by a process that died (same host, pid gone) or untouched for a minute is taken over with a note.
 * Errors: UserError when held; the operating system's error when `dir` cannot be created or written.
 */
export async function lockFolder(dir: string, options: LockFolderOptions): Promise<FolderLock> {
  const note = options.note ?? ((m: string) => void process.stderr.write(`${m}\n`));
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, LOCK_NAME);
  let release: () => Promise<void>;
  try {
    release = await tryLock(dir, lockPath, options, note);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const holder = readHolder(lockPath);
    if (!holder || !holderIsGone(holder) || !takeOver(lockPath)) {
      throw new UserError(`the ${options.what} ${dir} is in use by ${describeHolder(holder)}; wait for it to finish or stop it`);
    }
    note(`note: took over the lock on ${dir} left by pid ${holder.pid}, which is no longer running`);
    release = await tryLock(dir, lockPath, options, note);
  }
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
    processStart: processStart('self'),
  };
  // Writing into the lock changes its mtime, which proper-lockfile checks is still the one it set: put it back.
  const { atime, mtime } = fs.statSync(lockPath);
  fs.writeFileSync(join(lockPath, HOLDER_FILE), JSON.stringify(holder, null, 2) + '\n');
  fs.utimesSync(lockPath, atime, mtime);
  return {
    dir,
    async release() {
      try {
        await release();
      } catch (err) {
        // Already released, or compromised (onCompromised said so).
        if ((err as NodeJS.ErrnoException).code !== 'ERELEASED') throw err;
      }
    },
  };
}
