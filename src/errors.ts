/** An error caused by the user's input (a file, a flag, missing data): printed as one clear line, no stack. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Why the operating system refused, in words (errno names as in errno(3)). */
const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the folder is not empty',
  EMFILE: 'too many open files in this process (raise `ulimit -n`)',
  ENFILE: 'too many open files on this system',
  ENOENT: 'no such file or folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the file or folder is busy',
  EIO: 'input/output error',
  EXDEV: 'it is on another file system',
};

/** What was being done, from Node's `syscall` field. */
const OPERATIONS: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  mkdir: 'create the folder',
  mkdtemp: 'create a temporary folder in',
  rename: 'rename',
  unlink: 'remove',
  rmdir: 'remove the folder',
  rm: 'remove',
  scandir: 'list the folder',
  opendir: 'list the folder',
  stat: 'read the attributes of',
  lstat: 'read the attributes of',
  copyfile: 'copy',
  utime: 'set the time of',
  futime: 'set the time of',
  chmod: 'change the mode of',
  link: 'link',
  symlink: 'link',
  fsync: 'flush',
  close: 'close',
};

export interface SystemError extends Error {
  code: string;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** An error raised by the operating system for a file (Node's ErrnoException with a known errno name). */
export function isSystemError(err: unknown): err is SystemError {
  if (!(err instanceof Error)) return false;
  const code = (err as Partial<SystemError>).code;
  return typeof code === 'string' && code in REASONS;
}

/**
 * One line for an operating-system error: the operation, the path and the reason, e.g.
 * `cannot create the folder runs/kmnist: permission denied (EACCES)`.
 */
export function describeSystemError(err: SystemError): string {
  const operation = (err.syscall && OPERATIONS[err.syscall]) ?? err.syscall ?? 'access';
  const target = err.path === undefined ? '' : err.dest === undefined ? ` ${err.path}` : ` ${err.path} to ${err.dest}`;
  return `cannot ${operation}${target}: ${REASONS[err.code]} (${err.code})`;
}

/** The line and exit code the CLI ends with for any error: UserError and OS errors as one line, bugs with their stack. */
export function describeFailure(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UserError) return { message: err.message, exitCode: err.exitCode };
  if (isSystemError(err)) return { message: describeSystemError(err), exitCode: 1 };
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return { message: `unexpected error (a bug: please report it with this text): ${text}`, exitCode: 1 };
}
