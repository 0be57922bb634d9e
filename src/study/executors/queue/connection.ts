// The Redis connections made from a --queue address (address.ts): a reachability check that fails within
// 5 s with one line, and the options BullMQ connects with.
import type { ConnectionOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { UserError } from '../../../errors.ts';
import type { QueueAddress } from './address.ts';

/** How long an unreachable Redis may take to be reported (the bound). */
export const CONNECT_TIMEOUT_MS = 4000;

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
