// DNS rebinding: serve answers only requests whose Host header names its own address, and sends no CORS headers.
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedHostNames, hostAllowed } from '../../src/web/host-check.ts';
import { startHarness, type Harness } from './server-harness.ts';

let dir: string;
let server: Harness;
let port: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kmnist-host-'));
  server = await startHarness(join(dir, 'runs'), join(dir, 'report'), null);
  port = Number(new URL(server.url).port);
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** GET with the Host (and Origin) headers a browser would send for the given page origin. */
function getWithHost(path: string, host: string, origin?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ hostname: '127.0.0.1', port, path, headers: { host, ...(origin ? { origin } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve Host check', () => {
  it('answers the loopback names on its port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      expect((await getWithHost('/api/runs', host)).status, host).toBe(200);
    }
  });

  it('refuses other names and other ports with 421, and sends no CORS headers', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1:${port + 1}`, `127.0.0.1.evil.example:${port}`]) {
      const res = await getWithHost('/api/runs', host, 'http://evil.example');
      expect(res.status, host).toBe(421);
      expect(res.body).toMatch(/is not this server's address; open it as http:\/\/127\.0\.0\.1:\d+\//);
    }
    const files = await getWithHost('/files/kmnist/cnn/seed-1/config.json', `rebound.example:${port}`);
    expect(files.status).toBe(421);
    const ok = await getWithHost('/api/runs', `127.0.0.1:${port}`, 'http://evil.example');
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('refuses a missing Host; accepts the --host given, and every interface address when bound to all of them', () => {
    expect(hostAllowed(undefined, allowedHostNames('127.0.0.1'), 8080)).toBe(false);
    expect(hostAllowed('lab.local:8080', allowedHostNames('lab.local'), 8080)).toBe(true);
    expect(hostAllowed('lab.local:8080', allowedHostNames('127.0.0.1'), 8080)).toBe(false);
    expect(hostAllowed('[fe80::1]:8080', allowedHostNames('fe80::1'), 8080)).toBe(true);
    expect(allowedHostNames('0.0.0.0').has('127.0.0.1')).toBe(true);
    expect(allowedHostNames('0.0.0.0').size).toBeGreaterThan(3);
  });
});
