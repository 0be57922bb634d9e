// `run` without --data-dir downloads into ./data/<dataset>; when that fails it must not leave empty folders.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrDownload } from '../../src/data/ensure-data.ts';
import { tempDir } from './fixtures.ts';

let server: Server;
let mirror: string;

beforeAll(async () => {
  // A mirror that has none of the files.
  server = createServer((_req, res) => res.writeHead(404).end('not here'));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

describe('loadOrDownload', () => {
  it('a failed download leaves no empty ./data/<dataset> (nor ./data) behind', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data', 'kmnist');
    await expect(loadOrDownload('kmnist', dataDir, () => {}, mirror)).rejects.toThrow(/could not get kmnist into/);
    expect(existsSync(join(root, 'data'))).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps folders that existed before, and anything already in them', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data', 'kmnist');
    mkdirSync(join(root, 'data'));
    await expect(loadOrDownload('kmnist', dataDir, () => {}, mirror)).rejects.toThrow(/could not get kmnist/);
    expect(readdirSync(root)).toEqual(['data']);
    expect(readdirSync(join(root, 'data'))).toEqual([]);
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    await expect(loadOrDownload('kmnist', dataDir, () => {}, mirror)).rejects.toThrow(/could not get kmnist/);
    expect(readdirSync(dataDir)).toEqual(['notes.txt']);
  });
});
