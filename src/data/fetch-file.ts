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
  /** Abort an attempt when no byte arrives for this long (default: $KMNIST_LAB_STALL_SECONDS, else 30 s). */
  stallTimeoutMs?: number;
  progress?: ProgressSink;
  label?: string;
  /** Size to show when the server sends no length. */
  expectedBytes?: number;
}

/** Error codes that mean "no network / no such host": retrying will not help. */
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);

export class OfflineError extends UserError {}

/** The host accepted the connection but sent no byte of the file: the other files on it are not tried. */
export class SilentHostError extends UserError {
  constructor(
    readonly host: string,
    message: string,
  ) {
    super(message);
  }
}

class RetryableError extends Error {
  /** The attempt ended without a single byte of the file (no response, or headers and then nothing). */
  constructor(
    message: string,
    readonly silent = false,
  ) {
    super(message);
  }
}

/** Attempts on a silent host: 4 x the 30 s stall limit + 7 s of backoff ≈ 2.1 min, whatever --retries says. */
export const MAX_SILENT_ATTEMPTS = 4;
export const STALL_ENV = 'KMNIST_LAB_STALL_SECONDS';
const DEFAULT_STALL_MS = 30_000;

/** The stall limit: $KMNIST_LAB_STALL_SECONDS when set (tests, slow links), else 30 s. */
export function defaultStallMs(): number {
  const raw = process.env[STALL_ENV];
  if (raw === undefined || raw === '') return DEFAULT_STALL_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UserError(`${STALL_ENV}=${raw}: expected a positive number of seconds`);
  return seconds * 1000;
}

export const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

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
  const stallMs = opts.stallTimeoutMs ?? defaultStallMs();
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
      if (controller.signal.aborted) throw new RetryableError(`no response within ${stallMs / 1000}s`, true);
      throw new RetryableError(`${err instanceof Error ? err.message : String(err)}${code ? ` (${code})` : ''}`);
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
      if (controller.signal.aborted) throw new RetryableError(`stalled: no data for ${stallMs / 1000}s`, done === start);
      throw new RetryableError(`connection lost after ${done} bytes (${err instanceof Error ? err.message : String(err)})`);
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

/** What a failed download leaves: a resumable .part is named; an empty one is removed and not mentioned. */
async function partNote(partPath: string): Promise<string> {
  const size = await sizeOf(partPath);
  if (size > 0) return `; the partial file ${partPath} (${size} bytes) is kept and the next run resumes it`;
  await unlink(partPath).catch(() => {});
  return '';
}

/**
 * Downloads `url` into `partPath` (resuming an existing .part). Throws UserError when the URL is
 * unreachable (OfflineError, at once), missing (4xx, at once), silent (SilentHostError, after at most
 * MAX_SILENT_ATTEMPTS attempts that got no byte) or keeps failing after the retries.
 */
export async function fetchToPart(url: string, partPath: string, opts: FetchOptions = {}): Promise<void> {
  const retries = opts.retries ?? 4;
  const backoff = opts.backoffMs ?? 1000;
  let last = '';
  let attempts = 0;
  let silentAttempts = 0;
  for (let i = 0; i <= retries && silentAttempts < MAX_SILENT_ATTEMPTS; i++) {
    attempts++;
    try {
      await attempt(url, partPath, opts);
      return;
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      last = err.message;
      silentAttempts = err.silent ? silentAttempts + 1 : 0;
      if (i < retries && silentAttempts < MAX_SILENT_ATTEMPTS) await sleep(backoff * 2 ** i);
    }
  }
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  const part = await partNote(partPath);
  if (silentAttempts > 0) {
    const host = hostOf(url);
    throw new SilentHostError(host, `${host} accepted the connection but sent nothing (${url}: ${last}, ${tries})${part}; try again later, or import the files with --source <folder-or-mirror-url>`);
  }
  throw new UserError(`${url}: download failed after ${tries} (${last})${part}`);
}
