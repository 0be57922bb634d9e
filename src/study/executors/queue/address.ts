// The --queue URL (redis://[user:password@]HOST:PORT[/DB]) parsed into the address every queue module
// connects to. No Redis client here, so `worker`'s command definition loads no Redis client at start-up.
import { UserError } from '../../../errors.ts';

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
