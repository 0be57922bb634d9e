// Ctrl-C (or SIGTERM/SIGHUP, so child processes are never orphaned) in two stages, for commands that
// run worker processes: the first asks them to checkpoint and stop, the second kills them.
export interface StopSignals {
  /** Aborted by the first signal. */
  graceful: AbortSignal;
  /** Aborted by the second. */
  force: AbortSignal;
  /** Removes the handlers. */
  dispose(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Installs the handlers; `onFirst` says what the first signal does (a message for the user). */
export function stopSignals(onFirst: () => void): StopSignals {
  const graceful = new AbortController();
  const force = new AbortController();
  const handler = (): void => {
    if (!graceful.signal.aborted) {
      onFirst();
      graceful.abort();
    } else {
      force.abort();
    }
  };
  for (const sig of SIGNALS) process.on(sig, handler);
  return {
    graceful: graceful.signal,
    force: force.signal,
    dispose: () => {
      for (const sig of SIGNALS) process.off(sig, handler);
    },
  };
}
