// `download` stopped by Ctrl-C says so (exit 130), rather than ending silently.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO_ROOT } from '../helpers/cli.ts';
import { tempDir } from './fixtures.ts';

const dir = tempDir('kmnist-download-int-');
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('download interrupted', () => {
  it('Ctrl-C during a transfer prints what happened and exits 130', async () => {
    let requested!: () => void;
    const firstRequest = new Promise<void>((resolve) => (requested = resolve));
    // A server that starts every file and then sends nothing more.
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write(Buffer.alloc(1000));
      requested();
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const child = spawn(process.execPath, [CLI, 'download', '--dataset', 'kmnist', '--data-dir', dir, '--source', `http://127.0.0.1:${port}/`, '--retries', '0'], {
      cwd: REPO_ROOT,
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await firstRequest;
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toMatch(new RegExp(`kmnist-lab: download interrupted \\(SIGINT\\); the files verified so far stay in ${dir}; run the same command again`));
  });
});
