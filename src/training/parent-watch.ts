// A `train` started as a study's worker dies with the process that started it: `run`, or a queue
// `worker` that was SIGKILLed (machine lost), must not leave a trainer writing to a run folder that
// another worker is about to resume. The parent holds our stdin's write end; the OS closes it when
// the parent dies, however it dies, and we see end-of-file. Our stdout and stderr are pipes to the parent
// as well: a line written after it died fails with EPIPE, often before end-of-file on stdin is read.
import type { Socket } from 'node:net';

import { PARENT_PIPE_ENV } from '../protocol/train-worker.ts';

/**
 * When started with PARENT_PIPE_ENV=1: SIGKILL this process once stdin reaches end-of-file or a write to
 * stdout or stderr fails (EPIPE: the parent, their only reader, is gone).
 */
export function exitWithParent(): void {
  if (process.env[PARENT_PIPE_ENV] !== '1' || process.stdin.isTTY) return;
  const stdin = process.stdin as unknown as Socket;
  // Killed, not exited: the run folder is left exactly as a lost machine leaves it, which resume handles.
  const die = (): void => {
    process.kill(process.pid, 'SIGKILL');
  };
  stdin.on('end', die);
  stdin.on('error', die);
  // Unhandled, a failed write would end us through the CLI's uncaught-error handler: an exit, which
  // releases the run folder's lock (proper-lockfile removes it on exit), unlike the death of a machine.
  process.stdout.on('error', die);
  process.stderr.on('error', die);
  stdin.resume();
  // Watching stdin must not keep a finished run alive.
  stdin.unref();
}
