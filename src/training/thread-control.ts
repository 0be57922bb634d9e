// `train --grow-threads`: the study scheduler gives a running worker more threads when cores free up
// (the last runs of a study), with {"type":"threads","threads":n} lines on the worker's stdin.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Parses one control line; undefined for anything else (never throws on bad input). */
export function parseThreadsMessage(line: string): number | undefined {
  try {
    const v = JSON.parse(line) as { type?: unknown; threads?: unknown };
    return v.type === 'threads' && typeof v.threads === 'number' && Number.isInteger(v.threads) && v.threads >= 1 ? v.threads : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `apply(n)` for each thread count read from `input`, one at a time, in order. Returns a function
 * that stops listening. The input does not keep the process alive (a finished run exits).
 */
export function listenForThreads(apply: (threads: number) => Promise<void>, input: Readable = process.stdin): () => void {
  const lines = createInterface({ input });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    const n = parseThreadsMessage(line);
    if (n !== undefined) queue = queue.then(() => apply(n)).catch(() => {});
  });
  (input as Readable & { unref?: () => void }).unref?.();
  return () => lines.close();
}
