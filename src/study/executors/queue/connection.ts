// The --queue URL (redis://[user:password@]HOST:PORT[/DB]) and the Redis connections made from it:
// a reachability check that fails within 5 s with one line, and the options BullMQ connects with.
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../../../errors.ts';

/** How long an unreachable Redis may take to be reported (the bound). */
export const CONNECT_TIMEOUT_MS = 4000;

export interface QueueAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** The URL without its password, for messages. */
  display: string;
}

/** Parses `--queue`; a malformed URL is a UserError naming the flag. */
export function parseQueueUrl(value: string): QueueAddress {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`--queue: '${value}' is not a URL; expected redis://HOST:PORT[/DB]`);
  }
  if (url.protocol !== 'redis:') throw new UserError(`--queue: '${value}' is not a redis:// URL; expected redis://HOST:PORT[/DB]`);
  if (url.hostname === '') throw new UserError(`--queue: '${value}' names no host; expected redis://HOST:PORT[/DB]`);
  const port = url.port === '' ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, '');
  if (!/^\d*$/.test(path)) throw new UserError(`--queue: '${value}': the database '${path}' is not a number; expected redis://HOST:PORT[/DB]`);
  const db = path === '' ? 0 : Number(path);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    display: `redis://${url.host}/${db}`,
  };
}

function redisOptions(a: QueueAddress): RedisOptions & ConnectionOptions {
  return { host: a.host, port: a.port, db: a.db, ...(a.username ? { username: a.username } : {}), ...(a.password ? { password: a.password } : {}) };
}

/**
 * The options BullMQ's Queue, QueueEvents and Worker connect with. maxRetriesPerRequest null is what
 * BullMQ requires of a worker's blocking connection: a Redis restart is waited out, not an error.
 */
export function bullConnection(a: QueueAddress): ConnectionOptions {
  return { ...redisOptions(a), maxRetriesPerRequest: null, connectTimeout: CONNECT_TIMEOUT_MS };
}

/**
 * A plain client that reports an unreachable Redis instead of retrying forever: connects and PINGs,
 * and throws a UserError naming the address and the cause within CONNECT_TIMEOUT_MS when it cannot.
 */
export async function connectOnce(a: QueueAddress): Promise<Redis> {
  const client = new Redis({
    ...redisOptions(a),
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // connect() rejects with a bare "Connection is closed"; the 'error' event says why (ECONNREFUSED...).
  let cause = '';
  client.on('error', (err: Error) => {
    cause ||= err.message;
  });
  try {
    await withTimeout(
      (async () => {
        await client.connect();
        await client.ping();
      })(),
      CONNECT_TIMEOUT_MS,
    );
    return client;
  } catch (err) {
    client.disconnect();
    const reason = cause || (err as Error).message || String(err);
    throw new UserError(`--queue: cannot reach Redis at ${a.display}: ${reason}`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
