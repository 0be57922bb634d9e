// A describe block's redis-server (vitest hooks), apart from redis.ts so benchmarks can start one too.
import { afterAll, beforeAll } from 'vitest';
import { killAllCli } from './background-cli.ts';
import { startRedis, type RedisServer } from './redis.ts';

/**
 * In a describe block: a redis-server for its tests, started before them; after them, every
 * background CLI is killed and the server stopped. Returns a getter for the server.
 */
export function useRedisServer(): () => RedisServer {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    killAllCli();
    await redis?.stop();
  });
  return () => {
    if (!redis) throw new Error('redis-server is not started (useRedisServer runs in beforeAll)');
    return redis;
  };
}
