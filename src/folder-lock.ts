// One writer per folder (a run folder, a study's runs/<dataset>, a report folder): a lock taken with
// proper-lockfile (kept fresh by touching it, released on exit and on signals) that records its holder, so a
// second writer is refused with one line naming the folder and who holds it. The lock folder appears with
// its holder.json already inside (made under a private name, then renamed into place), so a process killed
// while locking leaves no lock without a holder to wait out.
import { randomBytes } from 'node:crypto';
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
/**
 * A lock without holder.json (left by a version that wrote it after taking the lock, killed in between)
 * untouched for this long is taken over: such a holder writes the file within milliseconds of locking.
 */
const NO_HOLDER_MS = 5_000;

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

const errnoError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

/**
 * Creates the lock folder `path` with holder.json inside, atomically: filled under a private name beside it,
 * then renamed to `path`. Errors: EEXIST when a lock is there (rename refuses a non-empty folder; an empty
 * one, which rename would replace, is checked for first); ENOENT when the parent is missing, as mkdir.
 */
function createLockDir(path: string, holder: LockHolder): void {
  const staging = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  fs.mkdirSync(staging);
  try {
    fs.writeFileSync(join(staging, HOLDER_FILE), JSON.stringify(holder, null, 2) + '\n');
    if (fs.existsSync(path)) throw errnoError('EEXIST', `EEXIST: lock exists, ${path}`);
    fs.renameSync(staging, path);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw code === 'ENOTEMPTY' ? errnoError('EEXIST', `EEXIST: lock exists, ${path}`) : err;
  }
}

/**
 * The fs proper-lockfile works with: its mkdir (the atomic step that takes the lock) makes the lock with
 * `holder` inside; its rmdir (release, stale removal) is a recursive rm, for the holder file.
 */
function lockFsFor(holder: LockHolder): typeof fs {
  return {
    ...fs,
    mkdir: ((path: string, done: (err: NodeJS.ErrnoException | null) => void) => {
      try {
        createLockDir(path, holder);
      } catch (err) {
        done(err as NodeJS.ErrnoException);
        return;
      }
      done(null);
    }) as typeof fs.mkdir,
    rmdir: ((path: string, done: (err: NodeJS.ErrnoException | null) => void) => fs.rm(path, { recursive: true, force: true }, done)) as typeof fs.rmdir,
    rmdirSync: (path: fs.PathLike) => fs.rmSync(path, { recursive: true, force: true }),
  };
}

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

/**
 * Moves the abandoned lock `judged` (its stat when it was judged abandoned) aside and removes it. rename is
 * atomic: of two processes taking it over, one wins; one that finds it moved a newer lock (another process
 * took over and locked in between: another inode) puts that back and gives up.
 */
function takeOver(lockPath: string, judged: fs.Stats): boolean {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return false;
  }
  if (fs.statSync(aside).ino !== judged.ino) {
    try {
      fs.renameSync(aside, lockPath);
    } catch {
      // a third process locked meanwhile; the lock we moved is lost to its holder, whose next touch reports it compromised
      fs.rmSync(aside, { recursive: true, force: true });
    }
    return false;
  }
  fs.rmSync(aside, { recursive: true, force: true });
  return true;
}

/** Why a held lock (its holder.json, its stat) may be taken over now, as the note ends; null when it may not. */
function abandonment(holder: LockHolder | null, stat: fs.Stats): string | null {
  if (holder) return holderIsGone(holder) ? `left by pid ${holder.pid}, which is no longer running` : null;
  const untouchedMs = Date.now() - stat.mtimeMs;
  return untouchedMs > NO_HOLDER_MS ? `which names no holder and was untouched for ${Math.round(untouchedMs / 1000)} s` : null;
}

async function tryLock(dir: string, lockPath: string, options: LockFolderOptions, note: (m: string) => void, holder: LockHolder): Promise<() => Promise<void>> {
  return lockfile.lock(dir, {
    lockfilePath: lockPath,
    realpath: false,
    stale: STALE_MS,
    update: options.updateMs ?? UPDATE_MS,
    fs: lockFsFor(holder),
    // Another process found the lock untouched for STALE_MS (this one was suspended) and took it over.
    onCompromised: (err) => note(`warning: lost the lock on the ${options.what} ${dir} (${err.message}); another process may now write there`),
  });
}

/** Takes the lock (a few tries: a lock released or taken over meanwhile), or throws the "in use" UserError. */
async function acquire(dir: string, lockPath: string, options: LockFolderOptions, note: (m: string) => void, me: LockHolder): Promise<() => Promise<void>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await tryLock(dir, lockPath, options, note, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      const holder = readHolder(lockPath);
      const stat = statOrNull(lockPath);
      if (stat === null && attempt < 3) continue; // released meanwhile
      const why = stat && abandonment(holder, stat);
      if (attempt >= 3 || !stat || !why || !takeOver(lockPath, stat)) {
        throw new UserError(`the ${options.what} ${dir} is in use by ${describeHolder(holder)}; wait for it to finish or stop it`);
      }
      note(`note: took over the lock on ${dir} ${why}`);
    }
  }
}

/**
 * Takes the lock of `dir` (created if missing) or throws a UserError naming the folder and its holder.
 * A lock left by a process that died (same host, pid gone), one without holder.json untouched for
 * NO_HOLDER_MS, or one untouched for a minute is taken over with a note.
 * Errors: UserError when held; the operating system's error when `dir` cannot be created or written.
 */
export async function lockFolder(dir: string, options: LockFolderOptions): Promise<FolderLock> {
  const note = options.note ?? ((m: string) => void process.stderr.write(`${m}\n`));
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, LOCK_NAME);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command: process.argv.slice(2).join(' '),
    processStart: processStart('self'),
  };
  const release = await acquire(dir, lockPath, options, note, me);
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

function statOrNull(path: string): fs.Stats | null {
  try {
    return fs.statSync(path);
  } catch {
    return null;
  }
}
