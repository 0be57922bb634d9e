// The shutdown rule for long-running commands that run worker processes (`run`, `run --queue`,
// `worker`): Ctrl-C, SIGTERM or SIGHUP (so child processes are never orphaned) first asks them to
// checkpoint and stop; whatever Redis, the network or a child does, the command ends within
// GRACE_MS of that signal (a batch system's or Kubernetes's grace period is longer); a second signal
// ends it at once. Runs in progress keep their last epoch's checkpoint either way (written at each
// epoch's end), so `run` resumes them and the queue hands them to another worker after the lock time.
export interface StopSignals {
  /** Aborted by the first signal. */
  graceful: AbortSignal;
  /** Aborted by the second signal or the deadline: children are killed. */
  force: AbortSignal;
  /** Removes the handlers and the deadline (the command ended by itself). */
  dispose(): void;
}

/** How long the graceful stop may take before the command ends regardless (issue 26's shutdown rule). */
export const GRACE_MS = 5000;

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** 128 + the signal's number, as a shell reports a process ended by it. */
const EXIT_CODE: Record<(typeof SIGNALS)[number], number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

export interface StopOptions {
  /** What the first signal does (a line for the user). */
  onFirst: () => void;
  /** The last line when the command must end before its graceful stop finished: what was left and how it continues. */
  leftBehind: string;
  /** Overrides GRACE_MS (tests). */
  graceMs?: number;
}

/** Installs the handlers. The process exits (128 + signal) at the deadline or on a second signal. */
export function stopSignals(o: StopOptions): StopSignals {
  const graceful = new AbortController();
  const force = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  const end = (code: number, why: string): never => {
    force.abort(); // listeners run now: the executors SIGKILL their children's process groups
    process.stderr.write(`kmnist-lab: ${why}: ${o.leftBehind}\n`);
    process.exit(code);
  };
  const handler = (sig: (typeof SIGNALS)[number]): void => {
    if (!graceful.signal.aborted) {
      o.onFirst();
      graceful.abort();
      const ms = o.graceMs ?? GRACE_MS;
      deadline = setTimeout(() => end(EXIT_CODE[sig], `stopped ${ms / 1000} s after ${sig}`), ms);
    } else {
      end(EXIT_CODE[sig], `stopped at once by a second signal (${sig})`);
    }
  };
  for (const sig of SIGNALS) process.on(sig, handler);
  return {
    graceful: graceful.signal,
    force: force.signal,
    dispose: () => {
      clearTimeout(deadline);
      for (const sig of SIGNALS) process.off(sig, handler);
    },
  };
}
