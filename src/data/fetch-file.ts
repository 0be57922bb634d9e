// HTTP(S) download into a .part file: resumes with Range, retries transient failures with backoff,
// and classifies errors so offline machines fail fast with the URL named.
import { open, stat, unlink } from 'node:fs/promises';
import { UserError } from '../errors.ts';

export interface ProgressSink {
  /** `done` bytes already on disk (resume); `total` when known. */
  start(label: string, total: number | undefined, done: number): void;
  update(done: number): void;
  stop(): void;
}

export const silentProgress: ProgressSink = { start() {}, update() {}, stop() {} };

export interface FetchOptions {
  /** Attempts after the first one, for transient failures (cut connections, 5xx, timeouts). */
  retries?: number;
  /** First backoff delay; doubles per retry. */
  backoffMs?: number;
  /** Abort an attempt when no byte arrives for this long. */
  stallTimeoutMs?: number;
  progress?: ProgressSink;
  label?: string;
  /** Size to show when the server sends no length. */
  expectedBytes?: number;
}

/** Error codes that mean "no network / no such host": retrying will not help. */
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);

export class OfflineError extends UserError {}

class RetryableError extends Error {}

function causeCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err as Error & { cause?: unknown }).cause : undefined;
  if (cause && typeof cause === 'object' && 'code' in cause) return String((cause as { code: unknown }).code);
  if (err && typeof err === 'object' && 'code' in err) return String((err as { code: unknown }).code);
  return undefined;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One attempt: appends to `partPath` from its current size (206) or rewrites it (200). */
async function attempt(url: string, partPath: string, opts: FetchOptions): Promise<void> {
  const progress = opts.progress ?? silentProgress;
  const have = await sizeOf(partPath);
  const controller = new AbortController();
  const stallMs = opts.stallTimeoutMs ?? 30_000;
  let timer = setTimeout(() => controller.abort(), stallMs);
  const touch = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), stallMs);
  };
  try {
    let res: Response;
    try {
      res = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: controller.signal });
    } catch (err) {
      const code = causeCode(err);
      if (code && OFFLINE_CODES.has(code)) {
        throw new OfflineError(`cannot reach ${url} (${code}: offline, or the host is unknown/down); if you have the files, import them with --source <folder-or-mirror-url>`);
      }
      throw new RetryableError(controller.signal.aborted ? `no response within ${stallMs / 1000}s` : `${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}`);
    }
    if (res.status === 416 && have > 0) {
      // Our .part is not a prefix the server can continue: start over.
      await res.body?.cancel();
      await unlink(partPath);
      throw new RetryableError('server refused to resume (HTTP 416); restarting from scratch');
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      await res.body?.cancel();
      throw new RetryableError(`HTTP ${res.status} ${res.statusText}`);
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new UserError(`${url}: HTTP ${res.status} ${res.statusText}${res.status === 404 ? ' (not found: is the URL or --source base right?)' : ''}`);
    }
    const resumed = res.status === 206 && have > 0 && (res.headers.get('content-range') ?? '').startsWith(`bytes ${have}-`);
    const start = resumed ? have : 0;
    const length = Number(res.headers.get('content-length') ?? NaN);
    const total = Number.isFinite(length) ? start + length : opts.expectedBytes;
    const fh = await open(partPath, resumed ? 'a' : 'w');
    let done = start;
    progress.start(opts.label ?? url, total, done);
    try {
      const reader = res.body?.getReader();
      for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) {
        touch();
        await fh.write(r.value);
        done += r.value.length;
        progress.update(done);
      }
    } catch (err) {
      throw new RetryableError(controller.signal.aborted ? `stalled: no data for ${stallMs / 1000}s` : `connection lost after ${done} bytes (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      await fh.close();
      progress.stop();
    }
    if (Number.isFinite(length) && done !== start + length) {
      throw new RetryableError(`connection closed after ${done} of ${start + length} bytes`);
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads `url` into `partPath` (resuming an existing .part). Throws UserError when the URL is
 * unreachable (OfflineError, at once), missing (4xx, at once) or keeps failing after the retries.
 */
export async function fetchToPart(url: string, partPath: string, opts: FetchOptions = {}): Promise<void> {
  const retries = opts.retries ?? 4;
  const backoff = opts.backoffMs ?? 1000;
  let last = '';
  for (let i = 0; i <= retries; i++) {
    try {
      await attempt(url, partPath, opts);
      return;
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      last = err.message;
      if (i < retries) await sleep(backoff * 2 ** i);
    }
  }
  throw new UserError(`${url}: download failed after ${retries + 1} attempts (${last}); the partial file ${partPath} is kept and the next run resumes it`);
}
