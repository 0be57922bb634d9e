// DNS-rebinding guard: a page on another origin can make a browser send requests to this loopback server
// under its own host name; answering only Host headers that name the server's own address refuses them.
import { hostname, networkInterfaces } from 'node:os';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/** An address as it appears in a Host header: IPv6 in brackets, lower case. */
function asHostName(address: string): string {
  const a = address.toLowerCase();
  return a.includes(':') && !a.startsWith('[') ? `[${a}]` : a;
}

/**
 * The host names a request may carry for a server bound to `bound` (an address or a name, as --host takes it):
 * the loopback names, `bound` itself, and, when bound to every interface (0.0.0.0 or ::), this machine's
 * name and interface addresses.
 */
export function allowedHostNames(bound: string): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, asHostName(bound)]);
  if (ANY_ADDRESS.has(bound)) {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) names.add(asHostName(info.address));
  }
  return names;
}

/** Whether a Host header (`name` or `name:port`; RFC 9110 §7.2) names this server: an allowed name and, if given, its port. */
export function hostAllowed(header: string | undefined, names: ReadonlySet<string>, port: number): boolean {
  if (!header) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(header.trim());
  if (!m) return false;
  if (m[2] !== undefined && Number(m[2]) !== port) return false;
  return names.has(m[1].toLowerCase().replace(/\.$/, ''));
}
