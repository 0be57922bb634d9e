// One `run --queue` per queue: a Redis key held with a TTL (SET NX PX) and renewed while the study
// runs, so a second `run --queue` on the same queue (same --out or not, same machine or not) refuses
// with the holder named, and a holder that was SIGKILLed frees the queue after LOCK_TTL_MS.
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { UserError } from '../../../errors.ts';

export const LOCK_TTL_MS = 30_000;
const RENEW_MS = 10_000;

interface Holder {
  host: string;
  pid: number;
  out: string;
  since: string;
}

// Renew or delete only while we are the holder (compare-and-set in one script).
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

export interface StudyLock {
  release(): Promise<void>;
}

export async function acquireStudyLock(client: Redis, queueName: string, out: string, where: string): Promise<StudyLock> {
  const key = `${queueName}:study-lock`;
  const value = JSON.stringify({ host: hostname(), pid: process.pid, out, since: new Date().toISOString() } satisfies Holder);
  const ok = await client.set(key, value, 'PX', LOCK_TTL_MS, 'NX');
  if (ok !== 'OK') {
    const raw = await client.get(key);
    let who = 'another `run --queue`';
    try {
      const h = JSON.parse(raw ?? '') as Holder;
      who = `another \`run --queue\` (pid ${h.pid} on ${h.host}, --out ${h.out}, since ${h.since})`;
    } catch {
      // An unreadable holder: say so without details.
    }
    throw new UserError(
      `--queue: ${who} is using the queue at ${where}; wait for it to finish, or give this study its own Redis database (redis://HOST:PORT/1). ` +
        `A holder that was killed frees it within ${LOCK_TTL_MS / 1000} s`,
    );
  }
  const timer = setInterval(() => {
    client.eval(RENEW, 1, key, value, String(LOCK_TTL_MS)).catch(() => {
      // Redis briefly away: the next renewal retries; the TTL leaves 20 s of slack.
    });
  }, RENEW_MS);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await client.eval(RELEASE, 1, key, value).catch(() => {});
    },
  };
}
