// The downloader against a loopback HTTP server: good, cut + resumed, 404, 500 then retry, wrong md5,
// truncated .gz, offline. After every failure no file with the final name may exist.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.ts';
import { downloadDataset, obtainFile, type ObtainOptions } from '../../src/data/download.ts';
import { OfflineError } from '../../src/data/fetch-file.ts';
import { md5Buffer } from '../../src/data/md5.ts';
import { DATASETS, type DataFileSpec } from '../../src/data/registry.ts';
import { idxImages, makeSet, tempDir } from './fixtures.ts';

const spec = DATASETS.kmnist;
const content = idxImages(makeSet(300).images, 300); // ~235 KB of idx data
const gz = gzipSync(content, { level: 1 }); // level 1: stays large enough to cut in the middle
const recompressed = gzipSync(content, { level: 9 });
const truncated = gz.subarray(0, Math.floor(gz.length * 0.6));

interface Hit {
  path: string;
  range?: string;
}
const hits: Hit[] = [];
const state = { cutServed: false, flakyServed: 0 };
let server: Server;
let base = '';

/** Serves `body`, honouring "Range: bytes=N-" with a 206. */
function serve(req: IncomingMessage, res: ServerResponse, body: Uint8Array): void {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (m) {
    const start = Number(m[1]);
    res.writeHead(206, { 'Content-Length': body.length - start, 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` });
    res.end(body.subarray(start));
  } else {
    res.writeHead(200, { 'Content-Length': body.length });
    res.end(body);
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.push({ path, range: req.headers.range });
    if (path.startsWith('/good/')) return serve(req, res, gz);
    if (path.startsWith('/recompressed/')) return serve(req, res, recompressed);
    if (path.startsWith('/truncated/')) return serve(req, res, truncated);
    if (path.startsWith('/norange/')) {
      res.writeHead(200, { 'Content-Length': gz.length });
      return res.end(gz);
    }
    if (path.startsWith('/cut/')) {
      if (!state.cutServed && !req.headers.range) {
        // Promise the whole file, send 40% of it, then drop the connection.
        state.cutServed = true;
        res.writeHead(200, { 'Content-Length': gz.length });
        // The pause lets the client consume what it got (fetch drops unread chunks when the stream errors).
        res.write(gz.subarray(0, Math.floor(gz.length * 0.4)), () => setTimeout(() => res.socket?.end(), 100));
        return;
      }
      return serve(req, res, gz);
    }
    if (path.startsWith('/flaky/')) {
      if (state.flakyServed++ === 0) {
        res.writeHead(500);
        return res.end('boom');
      }
      return serve(req, res, gz);
    }
    res.writeHead(404);
    res.end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

function fileSpec(route: string, md5 = md5Buffer(gz), contentMd5?: string): DataFileSpec {
  return { name: 't10k-images-idx3-ubyte.gz', role: 'test-images', url: `${base}/${route}/t10k-images-idx3-ubyte.gz`, md5, ...(contentMd5 ? { contentMd5 } : {}) };
}

const fast = (dataDir: string): ObtainOptions => ({ dataDir, retries: 2, backoffMs: 10 });
const dest = (dir: string): string => join(dir, 't10k-images-idx3-ubyte.gz');

async function failure(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('downloader (loopback HTTP server)', () => {
  it('downloads, verifies the md5 and renames into place; a second run finds it present', async () => {
    const dir = tempDir();
    const out = await obtainFile(fileSpec('good'), spec, fast(dir));
    expect(out.status).toBe('downloaded');
    expect(out.verifiedBy).toBe('md5');
    expect(md5Buffer(readFileSync(dest(dir)))).toBe(md5Buffer(gz));
    expect(existsSync(`${dest(dir)}.part`)).toBe(false);
    expect((await obtainFile(fileSpec('good'), spec, fast(dir))).status).toBe('present');
  });

  it('resumes with a Range request after the connection is cut mid-file', async () => {
    const dir = tempDir();
    const out = await obtainFile(fileSpec('cut'), spec, fast(dir));
    expect(out.status).toBe('downloaded');
    const cutHits = hits.filter((h) => h.path.startsWith('/cut/'));
    expect(cutHits.length).toBe(2);
    expect(cutHits[1].range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(readFileSync(dest(dir)).equals(gz)).toBe(true);
  });

  it('resumes a .part left by an earlier run; restarts when the server ignores Range', async () => {
    const dir = tempDir();
    writeFileSync(`${dest(dir)}.part`, gz.subarray(0, 1000));
    await obtainFile(fileSpec('good'), spec, fast(dir));
    expect(hits.at(-1)?.range).toBe('bytes=1000-');
    expect(readFileSync(dest(dir)).equals(gz)).toBe(true);

    const dir2 = tempDir();
    writeFileSync(`${dest(dir2)}.part`, gz.subarray(0, 1000));
    await obtainFile(fileSpec('norange'), spec, fast(dir2));
    expect(readFileSync(dest(dir2)).equals(gz)).toBe(true);
  });

  it('fails at once on 404, naming the URL, leaving no file', async () => {
    const dir = tempDir();
    const before = hits.length;
    const err = await failure(obtainFile(fileSpec('missing'), spec, fast(dir)));
    expect(err.message).toMatch(/\/missing\/t10k-images-idx3-ubyte\.gz: HTTP 404/);
    expect(hits.length - before).toBe(1); // no retries for a 404
    expect(existsSync(dest(dir))).toBe(false);
  });

  it('retries after a 500 and succeeds', async () => {
    const dir = tempDir();
    const out = await obtainFile(fileSpec('flaky'), spec, fast(dir));
    expect(out.status).toBe('downloaded');
    expect(state.flakyServed).toBe(2);
  });

  it('rejects a wrong md5, deletes the .part, and suggests --accept-recompressed', async () => {
    const dir = tempDir();
    const err = await failure(obtainFile(fileSpec('recompressed'), spec, fast(dir)));
    expect(err.message).toMatch(/md5 [0-9a-f]{32} differs from the official/);
    expect(err.message).toMatch(/--accept-recompressed/);
    expect(err.message).toContain(`${base}/recompressed/`); // names the source, not our temp file
    expect(existsSync(dest(dir))).toBe(false);
    expect(existsSync(`${dest(dir)}.part`)).toBe(false);
  });

  it('--accept-recompressed checks the content md5, or the structure when no content md5 is known', async () => {
    const dir = tempDir();
    const ok = await obtainFile(fileSpec('recompressed', md5Buffer(gz), md5Buffer(content)), spec, { ...fast(dir), acceptRecompressed: true });
    expect(ok.verifiedBy).toMatch(/content md5/);
    const dir2 = tempDir();
    const bad = await failure(obtainFile(fileSpec('recompressed', md5Buffer(gz), 'f'.repeat(32)), spec, { ...fast(dir2), acceptRecompressed: true }));
    expect(bad.message).toMatch(/content md5 .* differs/);
    expect(existsSync(dest(dir2))).toBe(false);
    const dir3 = tempDir();
    const structural = await obtainFile(fileSpec('recompressed'), spec, { ...fast(dir3), acceptRecompressed: true });
    expect(structural.verifiedBy).toMatch(/structure/);
  });

  it('rejects a truncated .gz (md5, and content check), leaving no file', async () => {
    const dir = tempDir();
    expect((await failure(obtainFile(fileSpec('truncated'), spec, fast(dir)))).message).toMatch(/md5/);
    const err = await failure(obtainFile(fileSpec('truncated'), spec, { ...fast(dir), acceptRecompressed: true }));
    expect(err.message).toMatch(/not a valid gzip file/);
    expect(existsSync(dest(dir))).toBe(false);
    expect(existsSync(`${dest(dir)}.part`)).toBe(false);
  });

  it('fails fast when the host is unreachable, naming the URL and suggesting --source', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const dir = tempDir();
    const url = `http://127.0.0.1:${port}/kmnist/t10k-images-idx3-ubyte.gz`;
    const err = await failure(obtainFile({ ...fileSpec('good'), url }, spec, { ...fast(dir), backoffMs: 60_000 }));
    expect(err).toBeInstanceOf(OfflineError); // not retried: a 60 s backoff would time the test out
    expect(err.message).toContain(url);
    expect(err.message).toMatch(/--source/);
    expect(existsSync(dest(dir))).toBe(false);
  });

  it('downloadDataset stops after an offline failure; --source URL bases are joined to file names', async () => {
    const dir = tempDir();
    const outcomes = await downloadDataset({ dataset: 'kmnist', format: 'idx', dataDir: dir, source: `${base}/missing`, retries: 0, backoffMs: 1 });
    expect(outcomes).toHaveLength(5);
    expect(outcomes.every((o) => o.status === 'failed')).toBe(true);
    expect(outcomes[0].error).toContain(`${base}/missing/train-images-idx3-ubyte.gz: HTTP 404`);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(existsSync(join(dir, 'train-images-idx3-ubyte.gz'))).toBe(false);
  });

  it('rejects a --source that is neither a folder nor a URL', async () => {
    const err = await failure(downloadDataset({ dataset: 'kmnist', format: 'idx', dataDir: tempDir(), source: '/no/such/folder' }));
    expect(err.message).toMatch(/--source \/no\/such\/folder is neither/);
  });
});
